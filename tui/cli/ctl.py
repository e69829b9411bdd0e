"""``venuewatch ctl``: one-shot control commands through the console protocol.

For runbooks and scripts: each command attaches like a console, sends one
command, prints the journal sequence number (or the refusal) and exits —
0 when applied, 1 when refused, 2 when the engine cannot be reached or the
input is wrong. The token is read as ``attach`` reads it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from tui.cli.attach import add_tls_args
from tui.cli.common import fail

ACTIONS = (
    "status", "isolate", "restore", "halt", "resume", "failover", "arm", "disarm",
    "note", "undo", "ack", "silence", "clear",
)  # fmt: skip


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--url",
        help="engine console URL (default: the configured console address), or "
        "nats://HOST:PORT for whichever engine holds the HA lease",
    )
    p.add_argument("--config", metavar="FILE", help="config file (for the console address)")
    p.add_argument("--token-file", metavar="FILE", help="read the console token from FILE")
    p.add_argument(
        "--token-name",
        metavar="NAME",
        help="keyring entry holding your token (default: the configured console.token_name)",
    )
    p.add_argument("--user", metavar="NAME", help="who you are (shared token only)")
    add_tls_args(p)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the engine")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = sub.add_parser("status", help="venue states, routes, breakers, halts, firing alerts")
    s.add_argument("--json", action="store_true", help="machine-readable")
    for name in ("isolate", "restore"):
        c = sub.add_parser(name, help=f"{name} a venue")
        c.add_argument("venue")
    for name in ("halt", "resume"):
        c = sub.add_parser(name, help=f"{name} an instrument (on one venue or all)")
        c.add_argument("instrument")
        c.add_argument("--venue", default="")
    c = sub.add_parser("failover", help="move a route to its next usable venue")
    c.add_argument("route")
    c.add_argument("--to", default="")
    for name in ("arm", "disarm"):
        c = sub.add_parser(name, help=f"{name} breakers / auto-failover")
        c.add_argument("target", nargs="?", default="all")
    c = sub.add_parser("note", help="a note in the journal")
    c.add_argument("text", nargs="+")
    c = sub.add_parser("undo", help="undo your own last command, or command SEQ")
    c.add_argument("seq", nargs="?", type=int)
    c.add_argument("--yes", action="store_true", help="confirm (someone else's, or risky)")
    c = sub.add_parser("ack", help="acknowledge a firing alert (by its key)")
    c.add_argument("alert")
    c = sub.add_parser("silence", help="mute alerts matching TEXT for a while")
    c.add_argument("match")
    c.add_argument("--minutes", type=int, default=30)
    c = sub.add_parser("clear", help="clear a breaker's trip so it can fire again")
    c.add_argument("breaker")
    c.add_argument("--venue", default="")
    for c in sub.choices.values():
        if c.prog.split()[-1] != "status":
            c.add_argument("--reason", default="", help="why (journalled)")


def _args(a: argparse.Namespace) -> dict[str, str]:
    act = a.action
    if act in ("isolate", "restore"):
        return {"venue": a.venue}
    if act in ("halt", "resume"):
        return {"instrument": a.instrument, **({"venue": a.venue} if a.venue else {})}
    if act == "failover":
        return {"route": a.route, **({"to": a.to} if a.to else {})}
    if act in ("arm", "disarm"):
        return {"target": a.target}
    if act == "note":
        return {"text": " ".join(a.text)}
    if act == "undo":
        return {"seq": str(a.seq)} if a.seq is not None else {}
    if act == "ack":
        return {"alert": a.alert}
    if act == "silence":
        return {"match": a.match, "minutes": str(a.minutes)}
    if act == "clear":
        return {"breaker": a.breaker, **({"venue": a.venue} if a.venue else {})}
    return {}


def _target(args: argparse.Namespace) -> tuple[str, str]:
    """(url, token name) from the flags, else the configuration."""
    from tui.config import Config, ConfigError, config_dir, load

    cfg = Config()
    path = args.config or (config_dir() / "config.toml")
    if args.config or path.exists():
        try:
            cfg = load(path)
        except ConfigError:
            if args.config or not args.url:
                raise
    scheme = "wss" if cfg.console.tls_cert else "ws"  # the engine serves wss:// with a cert
    url = args.url or f"{scheme}://{cfg.console.host}:{cfg.console.port}"
    return url, args.token_name or cfg.console.token_name


def run(args: argparse.Namespace) -> int:
    from tui.console.credentials import login_name as _login
    from tui.console.credentials import resolve_token

    # ConfigError, TokenError, TLSError (--cafile, --pin), BusError and AttachError are
    # UserErrors: main prints each as one line.
    url, token_name = _target(args)
    token = resolve_token(args.token_file, token_name)
    try:
        return asyncio.run(_ctl(args, url, token, args.user or _login()))
    except KeyboardInterrupt:
        return fail("interrupted")


async def _ctl(args: argparse.Namespace, url: str, token: str, user: str) -> int:
    from tui.cli.attach import client_tls
    from tui.console.client import AttachError, ConsoleClient
    from tui.console.tls import TLSError

    if url.startswith(("nats://", "tls://")):
        # Engine HA: the lease names the active engine's console (after a takeover too).
        from tui.bus.ha import active_console

        url = await active_console(url, timeout=args.timeout)
    client = ConsoleClient(url, token, user, tls=client_tls(args))
    try:
        welcome = await client.connect(timeout=args.timeout)
    except (AttachError, TLSError):
        raise  # UserErrors: main prints them
    except Exception as exc:  # a handshake the library rejected (not a websocket, ...)
        return fail(f"cannot attach to {url}: {type(exc).__name__}: {exc}")
    reader = asyncio.get_running_loop().create_task(client.run())
    try:
        if args.action == "status":
            return _status(welcome, args.json)
        cargs = _args(args)
        if args.action == "undo":
            problem = _confirm_undo(welcome, cargs, welcome.user, args.yes)
            if problem:
                return fail(problem)
        try:
            out = await asyncio.wait_for(
                client.command(args.action, args.reason, **cargs), args.timeout
            )
        except TimeoutError:
            return fail(f"no answer from the engine within {args.timeout:g}s; check the journal")
        except AttachError as exc:
            return fail(f"{exc}; the outcome is unknown, check the journal")
        if out.ok:
            print(f"#{out.seq} {out.detail}")
            return 0
        where = f" (#{out.seq})" if out.seq else ""
        print(f"refused{where}: {out.detail}", file=sys.stderr)
        return 1
    finally:
        await client.close()
        reader.cancel()


def _confirm_undo(welcome: Any, args: dict[str, str], me: str, yes: bool) -> str:
    """Undoing someone else's command, or undoing toward less protection, is asked."""
    from tui.control.commands import RISKY

    entries = [e for e in welcome.journal if e.get("kind") == "command"]
    if "seq" in args:
        entry = next((e for e in entries if str(e.get("seq")) == args["seq"]), None)
    else:
        mine = [e for e in entries if e.get("actor") == f"console:{me}" and e.get("inverse")]
        entry = mine[-1] if mine else None
    if entry is None:
        return ""
    actor = str(entry.get("actor", ""))
    inverse = (entry.get("inverse") or {}).get("action", "")
    why = []
    if actor != f"console:{me}":
        why.append(f"it is {actor}'s command")
    if inverse in RISKY:
        why.append(f"its undo is a {inverse} (less protection)")
    if not why or yes:
        return ""
    question = f"undo #{entry['seq']} ({entry.get('summary', '')}) by {actor}? [y/N] "
    if sys.stdin.isatty():
        if input(question).strip().lower() in ("y", "yes"):
            return ""
        return "not undone"
    return f"undo #{entry['seq']}: {' and '.join(why)}; confirm with --yes"


def _status(welcome: Any, as_json: bool) -> int:
    st = welcome.state
    data = {
        "engine": welcome.engine,
        "user": welcome.user,
        "venues": {v.name: v.state for v in st.venues},
        "routes": {r.name: {"active": r.active, "armed": r.armed} for r in st.routes},
        "breakers": {b.name: {"armed": b.armed, "tripped": b.tripped} for b in st.breakers},
        "halted": sorted({f"{i.instrument}@{i.venue}" for i in st.instruments if i.halted}),
        "firing": [
            {"key": a.key, "severity": a.severity, "summary": a.summary}
            for a in st.alerts
            if a.state == "firing"
        ],
    }
    if as_json:
        print(json.dumps(data, indent=2, sort_keys=True))
        return 0
    print("venues:   " + "  ".join(f"{n} {s}" for n, s in data["venues"].items()))
    for n, r in data["routes"].items():
        print(f"route:    {n} -> {r['active'] or 'none'} ({'armed' if r['armed'] else 'disarmed'})")
    for n, b in data["breakers"].items():
        trips = ", ".join(f"TRIPPED {v}" for v in b["tripped"]) or "not tripped"
        print(f"breaker:  {n} {'armed' if b['armed'] else 'DISARMED'}, {trips}")
    if data["halted"]:
        print("halted:   " + ", ".join(data["halted"]))
    for a in data["firing"]:
        print(f"firing:   [{a['severity']}] {a['key']}: {a['summary']}")
    return 0
