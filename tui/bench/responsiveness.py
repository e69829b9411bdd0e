"""Part 3 — responsiveness: a key pressed in a real terminal, under overload.

First the rate the engine sustains is measured in this run (the end-to-end
case, :mod:`tui.bench.e2e`, flat out); then the venue offers **twice** that,
so the engine is past its capacity for the whole case and must shed (see
:mod:`adapters.lag`): commands must still be journalled and shown at once.

Three processes, as a desk runs them: a venue (:mod:`tui.bench.pusher`, paced
at twice the sustainable rate), the engine (``venuewatch serve`` with that venue
configured, its journal in a temporary directory) and the console
(``venuewatch attach``, through :mod:`tui.bench.console_probe`) in a pty of
140×45. Keys are written to the pty from outside, alternately ``i`` (isolate
the selected venue) and ``u`` (undo, which restores it), and timed:

* key → journal: until the command's line (``"kind":"command"`` with its
  action) is in the journal file. The engine writes that line and fsyncs it
  in the same call, before it acts on the command; the fsync's own cost on
  this disk is measured and reported next to it;
* key → screen: until the venue's row in the venues panel shows the resulting
  state (``ISOLATED``, then ``RECOVERING``) in its state cell, read from a
  terminal emulator fed the pty output (:mod:`tui.bench.terminal`): a word in
  the journal pane or a toast does not count. Since the engine dispatches a
  command only after its fsync, this also bounds key → fsync from above.

The presses start as soon as the engine says it is shedding (a ``book-lagging``
alert in the journal). The venue's frames are pre-generated, so the load is sized
from the rate and the press count to outlast the presses (:func:`plan`); a press
that ends after the load ran out is reported apart (``after_load``) and left out
of the percentiles. The console's event-loop lag comes from the probe timer; its
CPU from ``/proc/<pid>/stat`` over a quiet window after the presses (still under
the load when the frame budget covers it: ``cpu_under_load`` says).

After the presses the load runs out, the engine catches up and resyncs what it
shed; it is then stopped, and the book digests it journals on stopping
(:mod:`tui.engine.books`) are compared with the pusher's own final books. The
report carries how many books were marked lagging and resynced, and whether
they ended exact.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import secrets
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Final

from tui.bench import SIZES, Mode

TARGETS: Final = {"journal_p99_ms": 50.0, "screen_p99_ms": 150.0, "console_cpu_pct": 30.0}
OVERLOAD: Final = 2.0
"""The offered load, as a multiple of what the engine sustains in the same run."""
MIN_DELIVERED: Final = 1.9
"""The load the venue must have *delivered* (a multiple of the sustainable rate) for
the case to count as the overload it is meant to be: a venue held back by an engine
that does not shed delivers what the engine applies, and the run says so as a miss."""
MAX_FRAMES: Final[dict[Mode, int]] = {"full": 6_000_000, "quick": 4_000_000, "smoke": 1_500_000}
"""Pre-generated frames at most (memory, ~20 µs each to make): at a high rate the load
is shorter, and :func:`plan` takes fewer presses to stay inside it (never fewer than
:data:`MIN_FULL_PRESSES` in a full run, which then makes the frames it needs)."""
MIN_FULL_PRESSES: Final = 8
PRESS_S: Final = 1.0
"""A press's wall time, sized from measured runs (the wait for journal and screen, the
confirm dialog of every other press, the pause between presses), with room."""
SHED_EST_S: Final = 5.0
"""The wait for the engine to say it is shedding: its first ``book-lagging`` alert was
journalled 4.75 s into a 2× load (quick run, 2026-11-28; ``books.first_alert_s``)."""
SETTLE_S: Final = 90.0
LOAD_MARGIN_S: Final = 1.5
POLL_S: Final = 0.002
"""How often the journal file and the screen are checked after a press."""
SHED_WAIT_S: Final = 10.0
"""The presses start once a book-lagging alert is journalled, or after this long."""
COLS, ROWS = 140, 45
VENUE: Final = "binance"
"""The venue the engine watches here, whose row in the venues panel is read."""
STEPS: Final = (("i", "isolate", "ISOLATED", ""), ("u", "undo", "RECOVERING", "Undo #"))
"""Key, the command it sends, the state it puts in the venue's row, and the confirmation
it asks first if any (undoing an isolation restores: it asks, and ``y`` sends)."""
SCREEN_MATCH: Final = (
    f"the venues panel's {VENUE} row shows the new state in its state cell, read from a "
    "terminal emulator (pyte) fed the console's pty output; the time is when the bytes "
    "that drew it arrived"
)


def available() -> str | None:
    """Why part 3 cannot run here (None: it can)."""
    try:
        from tui.app import (
            app,  # noqa: F401
            launch,
        )
    except Exception as exc:  # the app may be absent or broken; say which
        return f"the console app is not importable: {type(exc).__name__}: {exc}"
    if not hasattr(launch, "run_console"):
        return "tui.app.launch has no run_console"
    try:
        import pyte  # noqa: F401
    except ImportError:
        return "the screen is read with pyte: pip install 'venuewatch[bench]'"
    return None


def _pcts(xs: list[float]) -> dict[str, float]:
    if not xs:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0, "n": 0}
    s = sorted(xs)
    p99 = s[min(len(s) - 1, round(0.99 * (len(s) - 1)))]
    return {
        "p50": round(statistics.median(s), 2),
        "p99": round(p99, 2),
        "max": round(s[-1], 2),
        "n": len(s),
    }


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _fsync_ms(directory: Path, n: int = 30) -> dict[str, float]:
    """What one append + fsync costs on this disk (the journal's own write)."""
    path = directory / "fsync-probe"
    out = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(n):
            t = time.perf_counter()
            os.write(fd, b"x" * 300 + b"\n")
            os.fsync(fd)
            out.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    return _pcts(out)


def _wait_line(proc: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{proc.args!r} exited ({proc.poll()})")
        with contextlib.suppress(ValueError):
            out: dict[str, Any] = json.loads(line)
            return out
    raise RuntimeError(f"no answer from {proc.args!r} in {timeout}s")


def run(mode: Mode, seed: int = 7) -> dict[str, Any]:
    why = available()
    if why is not None:
        return {"available": False, "reason": why, "targets": TARGETS}
    size = SIZES[mode]
    sustained = sustainable(mode, seed)
    rate = int(sustained * OVERLOAD)
    presses, frames = plan(mode, rate)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="venuewatch-bench-") as tmp:
        out = _run(Path(tmp), presses, frames, size.quiet_s, seed, rate)
    out["sustainable_frames_per_s"] = sustained
    out["overload"] = OVERLOAD
    delivered = out["delivered_frames_per_s"]
    out["delivered_multiple"] = multiple = round(delivered / sustained, 2) if sustained else 0.0
    out["min_delivered_multiple"] = MIN_DELIVERED
    if multiple < MIN_DELIVERED:
        out["misses"].append(
            f"not an overload: the venue delivered {delivered:,} frames/s, {multiple:g}× the "
            f"sustainable rate (paced at {rate:,}, {OVERLOAD:g}×; at least {MIN_DELIVERED:g}× "
            "was required)"
        )
    out["load_average"] = [round(x, 2) for x in load_before]
    return out


def plan(mode: Mode, rate: int) -> tuple[int, int]:
    """(presses, frames): a load at ``rate`` that outlasts the wait for shedding, the
    presses and the quiet CPU window after them, with a margin.

    The load starts on cue once the console is up. When the frame budget cannot cover
    it, the quiet window goes first (it then runs partly after the load, and says so),
    then presses (down to one in quick and smoke runs, to :data:`MIN_FULL_PRESSES` in a
    full run, which makes the frames it needs instead)."""
    size = SIZES[mode]
    budget = min(MAX_FRAMES[mode], int(rate * size.load_s))

    def frames(n: int, quiet: float) -> int:
        return int(rate * (SHED_EST_S + n * PRESS_S + quiet + LOAD_MARGIN_S))

    presses = size.presses
    if frames(presses, size.quiet_s) <= budget:
        return presses, frames(presses, size.quiet_s)
    floor = MIN_FULL_PRESSES if mode == "full" else 1
    while presses > floor and frames(presses, 0.0) > budget:
        presses -= 1
    if mode == "full":
        return presses, max(budget, frames(presses, 0.0))
    return presses, budget


def sustainable(mode: Mode, seed: int) -> int:
    """Frames/s the engine's data path sustains flat out, measured now (end-to-end case)."""
    import asyncio

    from tui.bench import e2e

    case = asyncio.run(e2e._run_case("binance-5", SIZES[mode].e2e_frames, seed, timeout=120.0))
    return int(case["frames_per_s"])


def _env(home: Path, token: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_STATE_HOME=str(home / ".state"),
        XDG_DATA_HOME=str(home / ".data"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        VENUEWATCH_TOKEN=token,
        TERM="xterm-256color",
        COLUMNS=str(COLS),
        LINES=str(ROWS),
    )
    env.pop("VENUEWATCH_CONFIG", None)
    return env


class LoadWatch:
    """The pusher's report that its whole load went out, and when it came."""

    def __init__(self, pusher: subprocess.Popen[str]) -> None:
        self.pusher = pusher
        self.done = threading.Event()
        self.at = 0.0
        self.report: dict[str, Any] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            self.report = _wait_line(self.pusher, 1e9)
        except RuntimeError:  # the pusher died: its load is over all the same
            pass
        self.at = time.monotonic()
        self.done.set()

    def over(self) -> bool:
        return self.done.is_set()


def _run(
    tmp: Path, presses: int, frames: int, quiet_s: float, seed: int, rate: int
) -> dict[str, Any]:
    token = secrets.token_urlsafe(24)
    env = _env(tmp, token)
    # This process polls the journal while its screen reader emulates the console's
    # output in a thread: a poll must not wait CPython's default 5 ms for the GIL.
    sys.setswitchinterval(0.0005)
    procs: list[subprocess.Popen[str]] = []
    console_pid = 0
    try:
        pusher = subprocess.Popen(
            [sys.executable, "-m", "tui.bench.pusher", "binance-5",
             str(frames),
             str(seed), str(rate), "cue"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        procs.append(pusher)
        ready = _wait_line(pusher, 180.0)
        s = ready["settings"]
        cfg = tmp / "engine.toml"
        cfg.write_text(
            "[venues.binance]\n"
            f"symbols = {json.dumps(s['symbols'])}\n"
            f'url = "{s["url"]}"\nrest_url = "{s["rest_url"]}"\n',
            encoding="utf-8",
        )
        journal = tmp / "journal.jsonl"
        engine = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "serve", "--config", str(cfg), "--port", "0",
             "--journal", str(journal)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        procs.append(engine)
        url = _wait_line(engine, 60.0)["console"]
        lagfile = tmp / "lag.txt"
        console_pid, fd = pty.fork()
        if console_pid == 0:  # the child: become the console
            import fcntl
            import termios

            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.execve(
                sys.executable,
                [sys.executable, "-m", "tui.bench.console_probe", url, str(lagfile)],
                env,
            )
        from tui.bench.terminal import Terminal

        term = Terminal(fd, COLS, ROWS)
        _until(lambda: term.state(VENUE) == "LIVE", 30.0, f"the console showing {VENUE} LIVE")
        time.sleep(min(2.0, frames / rate))  # the console settles
        # Now the load: it starts with the console up, so it lasts through the presses;
        # they start once the engine says it is shedding (or after SHED_WAIT_S).
        assert pusher.stdin is not None
        pusher.stdin.write("go\n")
        pusher.stdin.flush()
        t_go, wall_go = time.monotonic(), time.time()
        watch = LoadWatch(pusher)
        shedding = _wait_lagging(journal, min(SHED_WAIT_S, frames / rate), watch)
        shed_after_s = round(time.monotonic() - t_go, 2) if shedding else None
        journal_ms: list[float] = []
        screen_ms: list[float] = []
        late: dict[str, list[float]] = {"journal": [], "screen": []}
        misses: list[str] = []
        each: list[dict[str, Any]] = []
        offset = journal.stat().st_size
        for k in range(presses):
            key, action, word, question = STEPS[k % 2]
            if question:
                os.write(fd, key.encode())
                try:
                    _until(lambda q=question: term.shows(q), 10.0, f"{key}: {question}")
                except RuntimeError:
                    misses.append(f"press {k + 1} ({key}): no confirmation {question!r} shown")
                    os.write(fd, b"\x1b")
                    continue
                key = "y"
            term.expect(VENUE, word)
            needle = f'"action":"{action}"'.encode()
            t_press = time.monotonic()
            os.write(fd, key.encode())
            t_journal = t_screen = 0.0
            deadline = t_press + 5.0
            while (not t_journal or not t_screen) and time.monotonic() < deadline:
                if not t_journal:
                    with open(journal, "rb") as f:
                        f.seek(offset)
                        new = f.read()
                    for line in new.splitlines():
                        if b'"kind":"command"' in line and needle in line:
                            t_journal = time.monotonic()
                            break
                t_screen = t_screen or term.hit
                # Every 2 ms, not faster: this poll shares the two cores with the
                # console it measures (at 0.5 ms it took a noticeable share of a core).
                time.sleep(POLL_S)
            offset = journal.stat().st_size
            # Under load only if the load was still going when this press was answered.
            loaded = not watch.over() or watch.at >= max(t_journal, t_screen, t_press)
            each.append(
                {
                    "key": key,
                    "journal_ms": round((t_journal - t_press) * 1000, 1) if t_journal else None,
                    "screen_ms": round((t_screen - t_press) * 1000, 1) if t_screen else None,
                    "under_load": loaded,
                }
            )
            if t_journal:
                (journal_ms if loaded else late["journal"]).append((t_journal - t_press) * 1000)
            if t_screen:
                (screen_ms if loaded else late["screen"]).append((t_screen - t_press) * 1000)
            if not (t_journal and t_screen):
                misses.append(
                    f"press {k + 1} ({key}): journal={bool(t_journal)} screen={bool(t_screen)}"
                )
            # Presses not phase-locked to the 10 Hz repaint.
            time.sleep(0.15 + (k % 5) * 0.037)
        # CPU at the default refresh rate, no keys, after the presses (the load still
        # on when the frame budget covers the window).
        hz = os.sysconf("SC_CLK_TCK")
        c0, e0, t0 = _cpu_ticks(console_pid), _cpu_ticks(engine.pid), time.monotonic()
        time.sleep(quiet_s)
        wall = time.monotonic() - t0
        cpu_pct = (_cpu_ticks(console_pid) - c0) / hz / wall * 100
        engine_pct = (_cpu_ticks(engine.pid) - e0) / hz / wall * 100
        cpu_under_load = not watch.over()
        acks = _protocol_acks(url, env["VENUEWATCH_TOKEN"], max(presses, 10))
        after = sum(1 for e in each if not e["under_load"])
        lag = [float(x) for x in lagfile.read_text().split()] if lagfile.exists() else []
        books = _after_load(watch, engine, url, env, journal)
        books["first_alert_s"] = _first_alert_s(journal, wall_go)
        books["pushed_s"] = round(float(watch.report.get("seconds", 0.0)), 2)
        return {
            "available": True,
            "engine_frames_per_s": rate,
            "paced_frames_per_s": rate,
            "delivered_frames_per_s": int(watch.report.get("delivered_frames_per_s", 0)),
            "books": books,
            "shedding_before_presses_s": shed_after_s,
            "frames": frames,
            "load_s": round(frames / rate, 2),
            "load_ended_during_presses": after > 0,
            "presses": presses,
            "presses_under_load": presses - after,
            "key_to_journal_ms": _pcts(journal_ms),
            "key_to_screen_ms": _pcts(screen_ms),
            "screen_match": SCREEN_MATCH,
            "console_output_bytes": term.bytes,
            "after_load": {
                "presses": after,
                "key_to_journal_ms": _pcts(late["journal"]),
                "key_to_screen_ms": _pcts(late["screen"]),
                "note": "presses answered after the venue's load ran out: "
                "not in key_to_journal_ms / key_to_screen_ms",
            },
            "each_press": each,
            "command_to_ack_ms": _pcts(acks),
            "command_to_ack_source": (
                "notes sent over the console protocol by the bench itself (no Textual console): "
                "send → ack, which the engine sends after the entry is fsynced"
            ),
            "fsync_ms": _fsync_ms(tmp),
            "event_loop_lag_ms": _pcts(lag),
            "lag_source": "50 ms probe timer in the console's event loop",
            "console_cpu_pct": round(cpu_pct, 1),
            "cpu_under_load": cpu_under_load,
            "engine_cpu_pct": round(engine_pct, 1),
            "refresh_hz": 10,
            "misses": misses,
            "targets": TARGETS,
            "method": (
                f"pusher paced at {rate} frames/s (binance-5, {OVERLOAD:g}x the end-to-end rate "
                "measured just before) → venuewatch serve → console "
                f"(venuewatch attach, default layout, 10 Hz) in a {COLS}x{ROWS} pty; keys i/u "
                f"written to the pty; journal file polled every {POLL_S * 1000:g} ms; "
                f"screen = {SCREEN_MATCH}; presses from the first book-lagging alert; "
                "CPU from /proc over a quiet window after the presses"
            ),
        }
    finally:
        if console_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(console_pid, signal.SIGTERM)
            _reap(console_pid)
        for p in reversed(procs):
            if p.stdin is not None:
                with contextlib.suppress(OSError):
                    p.stdin.close()  # the pusher's cue to stop
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(3)
            if p.poll() is None:
                p.send_signal(signal.SIGINT)  # the engine's
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _after_load(
    watch: LoadWatch,
    engine: subprocess.Popen[str],
    url: str,
    env: dict[str, str],
    journal: Path,
) -> dict[str, Any]:
    """Let the load run out and the engine resync, stop it, and judge its books."""
    from tui.control.journal import read
    from tui.engine.books import digest

    if not watch.done.wait(300.0) or not watch.report:
        raise RuntimeError("the venue did not report the end of its load")
    pushed = watch.report
    t0 = time.monotonic()
    settled = _settle(url, env["VENUEWATCH_TOKEN"], SETTLE_S)
    settle_s = round(time.monotonic() - t0, 1)
    engine.send_signal(signal.SIGINT)
    engine.wait(30)
    stopped = [
        e.as_dict()
        for e in read(journal).entries
        if e.kind == "system" and e.fields.get("event") == "engine stopped"
    ]
    alerts = [
        e.as_dict()
        for e in read(journal).entries
        if e.kind == "alert" and e.fields.get("rule") == "book-lagging"
    ]
    have: dict[str, Any] = stopped[-1].get("books", {}).get("binance", {}) if stopped else {}
    problems = []
    for sym, (bids, asks) in pushed["expected"].items():
        book = have.get(sym)
        want = digest({p: q for p, q in bids}, {p: q for p, q in asks})
        seq = pushed["seqs"].get(sym)
        if book is None:
            problems.append(f"{sym}: not in the engine's journal")
        elif not book["synced"]:
            problems.append(f"{sym}: not synced")
        elif book["digest"] != want:
            problems.append(f"{sym}: book differs (at seq {book['seq']}, the venue's {seq})")
        elif seq is not None and book["seq"] != seq:
            problems.append(f"{sym}: seq {book['seq']} != {seq}")
    return {
        "books": len(have),
        "marked_lagging": sum(1 for b in have.values() if b["lagging"]),
        "lagging_episodes": sum(b["lagging"] for b in have.values()),
        "resynced": sum(b["lag_resyncs"] for b in have.values()),
        "alerts_fired": sum(1 for a in alerts if a["what"] == "firing"),
        "settled": settled,
        "settle_s": settle_s,
        "exact": not problems,
        "problems": problems,
    }


def _wait_lagging(journal: Path, timeout: float, watch: LoadWatch) -> bool:
    """Whether a ``book-lagging`` alert reached the journal within ``timeout`` (and
    while the load lasts: after it, waiting longer would only lose more of it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not watch.over():
        if b'"rule":"book-lagging"' in journal.read_bytes():
            return True
        time.sleep(0.02)
    return b'"rule":"book-lagging"' in journal.read_bytes()


def _first_alert_s(journal: Path, since: float) -> float | None:
    """When the first ``book-lagging`` alert was journalled, seconds after ``since``."""
    from tui.control.journal import read

    for e in read(journal).entries:
        if e.kind == "alert" and e.fields.get("rule") == "book-lagging":
            return round(float(e.time.timestamp()) - since, 2)
    return None


def _protocol_acks(url: str, token: str, n: int) -> list[float]:
    """Round trips of ``n`` journalled commands (notes) under the same load, in ms."""
    import asyncio

    from tui.console.client import ConsoleClient

    async def go() -> list[float]:
        client = ConsoleClient(url, token, "bench")
        out: list[float] = []
        try:
            await client.connect()
            runner = asyncio.get_running_loop().create_task(client.run())
            for k in range(n):
                t = time.monotonic()
                done = await asyncio.wait_for(client.command("note", text=f"bench {k}"), 10.0)
                if done.ok:
                    out.append((time.monotonic() - t) * 1000)
                await asyncio.sleep(0.05 + (k % 5) * 0.013)  # not phase-locked to anything
            runner.cancel()
        except Exception:  # an engine that does not answer leaves fewer samples, not a crash
            pass
        finally:
            await client.close()
        return out

    return asyncio.run(go())


def _settle(url: str, token: str, timeout: float) -> bool:
    """Whether the engine has drained the stream and every book is synced, none lagging
    (asked over the console protocol, as a console would see it)."""
    import asyncio

    from tui.console.client import ConsoleClient

    async def ask() -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            client = ConsoleClient(url, token, "bench")
            try:
                welcome = await client.connect()
                rows = welcome.state.instruments
                # Silent for a second: the backlog is drained, not just the books synced.
                drained = all(v.silent_s >= 1.0 for v in welcome.state.venues)
                if rows and drained and all(r.synced and not r.lagging for r in rows):
                    return True
            except Exception:  # the engine busy or restarting: ask again
                pass
            finally:
                await client.close()
            await asyncio.sleep(0.5)
        return False

    return asyncio.run(ask())


def _reap(pid: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _until(cond: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)
