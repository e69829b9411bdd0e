"""Building the CLI parser (``venuewatch --help``) imports no terminal or network library
(Textual, websockets, httpx, aiohttp): the help, ``journal verify`` and ``report`` stay fast
and work where those are broken."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("textual", "websockets", "plotext", "httpx", "aiohttp")

PROBE = f"""
import json, sys
from tui.cli.main import build_parser
build_parser().format_help()
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))))
"""


def test_building_the_parser_imports_no_terminal_or_network_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_probe_would_see_an_eager_import() -> None:
    """The check itself can fail: importing the app module pulls Textual in."""
    probe = PROBE.replace("build_parser().format_help()", "import tui.app.app")
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "textual" in json.loads(done.stdout.strip().splitlines()[-1])


def test_the_probe_would_see_an_eager_http_client_import() -> None:
    """Sending to a sink still imports httpx: the lazy import is where a request is made
    (here to a closed loopback port, so the send fails at once)."""
    probe = PROBE.replace(
        "build_parser().format_help()",
        "import asyncio, contextlib\n"
        "from tui.control.delivery import Outbox, Request, SinkError\n"
        "async def main():\n"
        "    box = Outbox('s', retries=0, timeout_s=2.0)\n"
        "    with contextlib.suppress(SinkError):\n"
        "        await box.send(Request('http://127.0.0.1:9/', b'{}'))\n"
        "    await box.aclose()\n"
        "asyncio.run(main())",
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "httpx" in json.loads(done.stdout.strip().splitlines()[-1])
