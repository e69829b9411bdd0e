"""The console app driven by keys against a real engine on loopback.

Each key is checked twice: the app says what happened, and the engine's own
journal (or facts) shows it happened. Waiting is event-driven: conditions are
re-checked on every render tick of the app (10 Hz), with a deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from tui.app import palette
from tui.app import settings as settings_mod
from tui.app.actions import BY_ID
from tui.app.app import ConsoleApp
from tui.app.screens import HelpScreen, TextScreen
from tui.app.source import LiveSource, StaticSource
from tui.config import config_dir
from tui.control import journal

from support import console_model
from support.engine_rig import TOKEN, EngineRig
from support.fixtures import StartEngine

VENUES = ["binance", "kraken", "coinbase"]
ENGINE: dict[str, Any] = {
    "probation_s": 30.0,
    # These tests are about keys, not the machine: on a loaded CI box the in-process
    # simulator's frames arrive late enough to degrade every venue on latency, and a
    # failover then has nowhere healthy to go.
    "detectors": {"latency_p99_ms": {"warn": 60000.0, "crit": 120000.0, "for_s": 4.0}},
    "routes": {
        "btc-usd-ref": {"instrument": "BTC-USD", "venues": ["binance", "coinbase", "kraken"]},
    },
    "breakers": {
        "deviation-hard": {
            "metric": "deviation_bps",
            "threshold": 300.0,
            "for_s": 5.0,
            "action": "isolate",
            "armed": False,
        },
    },
}


async def until(app: ConsoleApp, cond: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = cond()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}; notices={app.notices[-3:]}"
            )
        await app.frame()


def commands(rig: EngineRig, action: str) -> list[dict[str, Any]]:
    return [
        e.as_dict()
        for e in journal.read(rig.journal_path).entries
        if e.kind == "command" and e.fields.get("action") == action
    ]


Console = tuple[EngineRig, ConsoleApp, Pilot[int]]


@pytest.fixture
async def console(request: pytest.FixtureRequest, engine: StartEngine) -> AsyncIterator[Console]:
    """The engine (paused once the console is attached) and the app under Pilot; after
    the test, the app must have had no panel error.

    ``@pytest.mark.console(healthy=True)``: every venue LIVE and synced before pausing;
    ``@pytest.mark.console(console_toml=TEXT)``: the person's console.toml, loaded
    as the app's settings. The app's ``run_test`` context is entered and left here, so
    both happen in the fixture's context (Textual's context variables require it);
    pytest-asyncio hands that context to the test.
    """
    marker = request.node.get_closest_marker("console")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    settings = None
    if "console_toml" in options:
        config_dir().mkdir(parents=True)
        (config_dir() / "console.toml").write_text(options["console_toml"], encoding="utf-8")
        settings = settings_mod.load()
    rig = await engine(VENUES, engine=ENGINE)
    source = LiveSource(rig.service.server.url, TOKEN, "alice")
    app = ConsoleApp(source, settings=settings, layout="default")
    # The smallest terminal the console supports: every key re-renders the whole
    # screen before Pilot sees the app idle, and these tests are about keys, not
    # the picture (the snapshot tests check that at each size).
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            app,
            lambda: source.state == "attached" and app.selection.venue,
            "attached with a selection",
        )
        if options.get("healthy"):
            # Last before pausing, so the state frozen is the healthy one (on a loaded
            # machine a venue may flap while the console starts).
            await rig.healthy()
        await rig.pause()
        yield rig, app, pilot
        assert app.panel_errors == []


async def test_i_isolates_the_selected_venue_at_once_and_a_repeat_is_refused(
    console: Console,
) -> None:
    rig, app, pilot = console
    venue = app.selection.venue
    assert venue == app.selection.venues[0]  # default: first in the venues panel's order
    await pilot.press("i")
    assert app.question is None  # stopping is one key
    await until(app, lambda: rig.engine.state(venue) == "ISOLATED", "isolation")
    ok = await until(app, lambda: [m for s, m in app.outcomes if "done" in m], "outcome")
    (cmd,) = commands(rig, "isolate")
    assert cmd["args"] == {"venue": venue} and cmd["actor"] == "console:alice"
    assert ok[0].startswith(f"isolate {venue} — done, journal #{cmd['seq']}")
    await pilot.press("i")
    refused = await until(app, lambda: [o for o in app.outcomes if "REFUSED" in o[1]], "refusal")
    assert refused == [("error", f"REFUSED: {venue} is already isolated")]
    assert len(commands(rig, "isolate")) == 2  # refused commands are journalled too
    # u undoes the isolation (the engine journals the undo); undoing an isolation
    # restores, the risky direction, so it asks exactly as r does.
    await until(app, lambda: app.in_flight == 0, "refusal settled")
    await pilot.press("u")
    q = app.question
    assert q is not None and f"#{cmd['seq']}" in q.question and "restore" in q.detail
    await pilot.press("y")
    await until(app, lambda: rig.engine.state(venue) == "RECOVERING", "undo → restore")
    (undo,) = commands(rig, "undo")
    assert undo["args"] == {"seq": str(cmd["seq"])} and undo["actor"] == "console:alice"
    await until(app, lambda: app.in_flight == 0, "nothing in flight")


async def test_u_never_undoes_another_persons_command(console: Console) -> None:
    rig, app, pilot = console
    bob = await rig.console("bob")
    out = await bob.command("isolate", venue="coinbase")
    assert out.ok
    await until(
        app, lambda: any(e.get("id") == out.id for e in app.source.model.journal), "bob's entry"
    )
    await pilot.press("u")
    assert app.question is None
    refused = await until(app, lambda: [o for o in app.outcomes if "REFUSED" in o[1]], "no")
    assert "nothing of yours" in refused[0][1]
    assert rig.engine.state("coinbase") == "ISOLATED"


async def test_r_restores_only_after_confirm(console: Console) -> None:
    rig, app, pilot = console
    venue = app.selection.venue
    assert venue is not None
    await pilot.press("i")
    await until(app, lambda: rig.engine.state(venue) == "ISOLATED", "isolation")
    await pilot.press("r")
    assert app.question is not None and f"Restore {venue}?" in app.question.question
    await pilot.press("n")  # cancel: nothing is sent, and the line says so
    assert app.message_line.shown == ("information", f"cancelled: Restore {venue}?")
    assert app.question is None
    await app.frame()
    assert commands(rig, "restore") == [] and rig.engine.state(venue) == "ISOLATED"
    await pilot.press("r")
    await pilot.press("y")
    await until(app, lambda: rig.engine.state(venue) == "RECOVERING", "restore")
    (cmd,) = commands(rig, "restore")
    assert cmd["args"] == {"venue": venue}


async def test_arrows_and_digits_move_the_selection_h_and_H_halt_and_resume(
    console: Console,
) -> None:
    rig, app, pilot = console
    sel = app.selection
    assert sel.instrument == sel.instruments[0]
    await pilot.press("down")
    assert sel.venue == sel.venues[1]
    await pilot.press("up", "up")  # clamps at the top
    assert sel.venue == sel.venues[0]
    await pilot.press("3")
    # Digits follow the fixed order shown beside each row (sel.digits), never the rows'
    # health order (sel.venues), which re-sorts as the engine's state lands.
    assert sel.venue == sel.digits[2]
    await pilot.press("9")  # no ninth venue: a warning, selection unchanged
    assert sel.venue == sel.digits[2]
    assert app.notices[-1] == ("warning", "no venue #9: 3 venues")
    await pilot.press("right")
    assert sel.instrument == sel.instruments[1]
    await pilot.press("left")
    inst, venue = sel.instruments[0], sel.digits[2]
    assert sel.instrument == inst
    status = app.status_bar.segment("selection")
    assert venue in status and inst in status
    await pilot.press("h")
    await until(app, lambda: rig.engine.facts.is_halted(venue, inst), "halt")
    (cmd,) = commands(rig, "halt")
    assert cmd["args"] == {"instrument": inst, "venue": venue}
    await pilot.press("H")
    await until(app, lambda: not rig.engine.facts.is_halted(venue, inst), "resume")
    (cmd,) = commands(rig, "resume")
    assert cmd["args"] == {"instrument": inst, "venue": venue}


@pytest.mark.console(healthy=True)
async def test_f_fails_over_the_selected_route(console: Console) -> None:
    rig, app, pilot = console
    routes = rig.engine.facts.routes
    await until(app, lambda: routes["btc-usd-ref"].active == "binance", "route on binance")
    await pilot.press("right", "left")  # any instrument move keeps the route in step
    assert app.selection.route == "btc-usd-ref"
    await pilot.press("f")
    await until(app, lambda: routes["btc-usd-ref"].active == "coinbase", "failover")
    (cmd,) = commands(rig, "failover")
    assert cmd["args"] == {"route": "btc-usd-ref"}


async def test_n_adds_a_note_with_the_typed_text(console: Console) -> None:
    rig, app, pilot = console
    await pilot.press("n")
    assert isinstance(app.screen, TextScreen)
    # digits and arrows edit the text: the app's selection keys stop at the modal
    await pilot.press(*"stale book 2", "left", "left", "x", "enter")
    await until(app, lambda: commands(rig, "note"), "note journalled")
    (cmd,) = commands(rig, "note")
    assert cmd["args"] == {"text": "stale bookx 2"}
    # escape cancels without sending
    await pilot.press("n", "x", "escape")
    await until(app, lambda: app.in_flight == 0, "idle")
    assert len(commands(rig, "note")) == 1


async def test_a_arms_everything_when_any_is_disarmed_then_disarms_all(
    console: Console,
) -> None:
    rig, app, pilot = console
    breaker = rig.engine.facts.breakers["deviation-hard"]
    assert not breaker.armed
    await pilot.press("a")
    q = app.question
    assert q is not None and q.question == "Arm all breakers and auto-failover?"
    assert "breaker deviation-hard" in q.detail
    await pilot.press("y")
    await until(app, lambda: breaker.armed, "armed")
    assert commands(rig, "arm")[0]["args"] == {"target": "all"}
    await rig.step()  # the engine is paused: publish the new state to the console
    await until(app, lambda: app.source.model.breakers["deviation-hard"].armed, "model")
    await pilot.press("a")
    assert app.question is not None
    assert app.question.question == "Disarm all breakers and auto-failover?"
    await pilot.press("y")
    await until(app, lambda: not breaker.armed, "disarmed")
    assert not any(r.armed for r in rig.engine.facts.routes.values())
    assert commands(rig, "disarm")[0]["args"] == {"target": "all"}


@pytest.mark.console(console_toml='[keys]\nisolate-venue = "x"\nhelp = "f1"\n')
async def test_remapped_keys_work_and_the_old_key_does_not(console: Console) -> None:
    rig, app, pilot = console
    venue = app.selection.venue
    assert venue is not None
    await pilot.press("i")
    await app.frame()
    await app.frame()
    assert commands(rig, "isolate") == [] and app.in_flight == 0
    await pilot.press("x")
    await until(app, lambda: rig.engine.state(venue) == "ISOLATED", "isolation via x")
    await pilot.press("f1")
    assert isinstance(app.screen, HelpScreen)
    assert app.screen.keymap["isolate-venue"] == "x"


async def test_palette_lists_every_action_and_runs_one(console: Console) -> None:
    rig, app, pilot = console
    titles = [e.title for e in palette.entries(app)]
    for venue in VENUES:
        assert f"Isolate {venue}" in titles and f"Restore {venue}" in titles
    for wanted in (
        "Fail over btc-usd-ref",
        "Switch layout: incident",
        BY_ID["undo"].title,
        BY_ID["add-note"].title,
        "Arm breaker deviation-hard",
        "Theme: venuewatch-colorblind",
        BY_ID["quit"].title,
    ):
        assert wanted in titles
    selected = app.selection.venue
    await pilot.press("ctrl+p")
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*"isol krak")
    await until(app, lambda: app.screen.query_one(CommandList).option_count > 0, "palette hits")
    await pilot.press("down", "enter")
    await until(app, lambda: rig.engine.state("kraken") == "ISOLATED", "palette isolate")
    (cmd,) = commands(rig, "isolate")
    assert cmd["args"] == {"venue": "kraken"}
    assert app.selection.venue == selected  # the palette's arrows stayed in the palette
    # A layout switch from the palette
    await pilot.press("colon")
    await pilot.press(*"lay incid")
    await until(app, lambda: app.screen.query_one(CommandList).option_count > 0, "palette hits")
    await pilot.press("down", "enter")
    await until(
        app, lambda: app.layout_spec and app.layout_spec.name == "incident", "layout switched"
    )


async def test_q_confirms_while_a_command_is_in_flight_then_quits_cleanly(
    console: Console,
) -> None:
    rig, app, pilot = console
    lock = rig.service.controller._lock  # hold the engine's command lock: stays in flight
    await lock.acquire()
    try:
        await pilot.press("i")
        await until(app, lambda: app.in_flight == 1, "a command in flight")
        assert "1 in flight" in app.status_bar.segment("flight")
        await pilot.press("q")
        assert app.question is not None
        assert app.question.question == "Quit with 1 command in flight?"
        await pilot.press("n")
        assert app.is_running
    finally:
        lock.release()
    await until(app, lambda: app.in_flight == 0, "the command answered")
    await pilot.press("q")  # nothing in flight, not a demo: quits at once
    await pilot.pause()
    assert app.return_code == 0


async def test_a_dropped_connection_is_shown_and_the_console_reattaches(
    console: Console,
) -> None:
    rig, app, pilot = console
    source = app.source
    assert isinstance(source, LiveSource)
    shown: list[tuple[str, str, bool]] = []
    inner = source.on_change

    def spy() -> None:  # what the status bar says at each change of the link
        inner()
        bar = app.query_one("#status")
        text = app.status_bar.segment("conn")
        shown.append((source.state, text, "-reconnecting" in bar.classes))

    source.on_change = spy
    for client in list(rig.service.server.clients):
        await client.ws.close(1011, "test drop")
    await until(app, lambda: any(s == "reconnecting" for s, _, _ in shown), "reconnecting")
    _, text, loud = next(x for x in shown if x[0] == "reconnecting")
    assert text.startswith("RECONNECTING") and "data" in text and loud
    await until(app, lambda: source.state == "attached", "re-attached")
    venue = app.selection.venue
    assert venue is not None
    await pilot.press("i")  # the new connection carries commands
    await until(app, lambda: rig.engine.state(venue) == "ISOLATED", "isolation after reattach")


async def test_engine_process_exit_is_shown_loudly_and_offers_to_quit(engine: StartEngine) -> None:
    exit_code: list[int] = []
    rig = await engine(["binance"], engine={})
    source = LiveSource(rig.service.server.url, TOKEN, "alice")
    app = ConsoleApp(
        source, layout="compact", engine_poll=lambda: exit_code[0] if exit_code else None
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await until(app, lambda: source.state == "attached", "attached")
        exit_code.append(3)
        q = await until(app, lambda: app.question, "the offer to quit")
        assert q.question == "The engine stopped"
        assert source.state == "lost"
        assert "LOST: the engine process exited (code 3)" in app.status_bar.segment("conn")
        assert "-lost" in app.query_one("#status").classes
        await pilot.press("y")
        await pilot.pause()
        assert app.return_code == 1


async def test_a_wrong_token_ends_the_console_with_the_reason(engine: StartEngine) -> None:
    rig = await engine(["binance"], engine={})
    app = ConsoleApp(LiveSource(rig.service.server.url, "wrong", "alice"))
    async with app.run_test(size=(80, 24)):
        await asyncio.wait_for(app.source.first_attach(), 10)
        await until(app, lambda: app.return_code is not None, "exit")
    assert app.return_code == 2
    assert "unauthorized" in app.source.detail


async def test_static_snapshot_sends_nothing_and_says_so() -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="compact")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.rendered()
        assert app.selection.venue == app.selection.venues[0]
        assert "SNAPSHOT" in app.status_bar.segment("conn")
        await pilot.press("i")
        await until(app, lambda: app.outcomes, "outcome")
        assert app.outcomes[0][0] == "error" and "NOT SENT" in app.outcomes[0][1]
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_compact_layout_is_picked_on_small_terminals_unless_chosen() -> None:
    app = ConsoleApp(StaticSource(console_model.build()))
    async with app.run_test(size=(80, 24)):
        await app.rendered()
        assert app.layout_spec is not None and app.layout_spec.name == "compact"
    app = ConsoleApp(StaticSource(console_model.build()))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        assert app.layout_spec is not None and app.layout_spec.name == "default"
        await pilot.resize_terminal(80, 24)  # an automatic choice follows the terminal
        await until(
            app,
            lambda: app.layout_spec is not None and app.layout_spec.name == "compact",
            "compact after resize",
        )
        assert "-narrow" in app.screen.classes
        await app.switch_layout("incident")  # a chosen one stays
        await pilot.resize_terminal(130, 40)
        # The resize is handled on the app's own loop: wait for it, not a fixed pause.
        await until(app, lambda: "-wide" in app.screen.classes, "wide after resize")
        await app.rendered()
        assert app.layout_spec.name == "incident"
    app = ConsoleApp(StaticSource(console_model.build()), layout="incident")
    async with app.run_test(size=(80, 24)):
        await app.rendered()
        assert app.layout_spec is not None and app.layout_spec.name == "incident"
