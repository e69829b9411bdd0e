"""Paging what a pane hides, and the alert detail view, on a static model.

Every key press here costs milliseconds: the source is a fixed snapshot
(``support.console_model``), nothing is attached and nothing is sent.
"""

from __future__ import annotations

from tui.app.app import ConsoleApp
from tui.app.detail import DetailScreen
from tui.app.layout_view import Pane
from tui.app.panels.alerts import AlertsPanel
from tui.app.panels.matrix import MatrixPanel
from tui.app.panels.timeline import TimelinePanel
from tui.app.screens import TextScreen
from tui.app.source import StaticSource

from support import console_model


def _focus(app: ConsoleApp, panel_type: type) -> object:
    for pane in app.query(Pane):
        if isinstance(pane.panel, panel_type):
            pane.focus()
            return pane.panel
    raise AssertionError(f"no {panel_type.__name__} pane in {app.layout_spec}")


async def test_brackets_page_the_matrix_hidden_columns_into_view() -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="default")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.rendered()
        matrix = _focus(app, MatrixPanel)
        assert isinstance(matrix, MatrixPanel)
        await pilot.pause()
        quoting = {v for v, _ in app.source.model.instruments}
        first = set(matrix.shown_venues)
        assert matrix.col_pages > 1 and first < quoting  # too narrow for all eight
        assert "→ +" in str(matrix.border_subtitle) and "← +" not in str(matrix.border_subtitle)
        seen = set(first)
        await pilot.press("left_square_bracket")  # already on the first page: says so
        assert app.notices[-1] == ("information", "already at the start")
        for page in range(1, matrix.col_pages):
            await pilot.press("right_square_bracket")
            assert matrix.col_page == page
            shown = set(matrix.shown_venues)
            assert shown and not shown & seen  # each page brings in columns not yet seen
            seen |= shown
            note = str(matrix.border_subtitle)
            assert "← +" in note
            # Every venue not drawn is named in the border, on one side or the other.
            named = {
                n
                for part in note.split(" · ")
                if "cols: " in part
                for n in part.split("cols: ", 1)[1].split(", ")
            }
            assert named == quoting - shown, note
        assert seen == quoting
        assert "→ +" not in str(matrix.border_subtitle)
        await pilot.press("right_square_bracket")
        assert app.notices[-1] == ("information", "already at the end")
        for _ in range(matrix.col_pages - 1):
            await pilot.press("left_square_bracket")
        assert matrix.col_page == 0 and set(matrix.shown_venues) == first


def _text(screen: DetailScreen) -> str:
    return "\n".join(row.plain for row in screen.rows)


async def test_enter_on_alerts_explains_the_selected_alert_in_full() -> None:
    model = console_model.build()
    # coinbase acknowledged its spread alert: the detail view says who.
    key = "spread|coinbase|BTC-USD"
    model.journal.append(
        {
            "seq": 900,
            "kind": "command",
            "id": "c-ack",
            "action": "ack",
            "args": {"alert": key},
            "actor": "console:alice",
            "ts": console_model.iso(console_model.at(5)),
        }
    )
    model.journal.append(
        {
            "seq": 901,
            "kind": "outcome",
            "id": "c-ack",
            "ok": True,
            "ts": console_model.iso(console_model.at(5)),
        }
    )
    app = ConsoleApp(StaticSource(model), layout="default")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        app.select(venue="coinbase", instrument="BTC-USD")
        _focus(app, AlertsPanel)
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        text = _text(app.screen)
        head = text.splitlines()[0]
        assert head == "Why did this fire? — spread on coinbase BTC-USD"
        assert "severity WARNING" in text and "state firing" in text
        assert "started  13:54:20.000 UTC (40s ago)" in text
        assert "fired    13:54:25.000 UTC (35s ago)" in text
        assert "resolved —" in text
        # The readings beside their thresholds, and the reference at this moment.
        assert "spread 2.40 bps · baseline 0.50 bps · ×4.8" in text
        assert "deviation from consensus +0.5 bps · z 1.0" in text
        assert "consensus BTC-USD: 64,921.68, median of binance, bybit, coinbase, okx" in text
        assert "venue coinbase: DEGRADED" in text and "gaps 2" in text
        assert "ack/silence: ack alice" in text
        spark = next(ln for ln in text.splitlines() if "spread, last" in ln)
        assert any(b in spark for b in "▁▂▃▄▅▆▇█") and "latest 2.34 bps" in spark
        # Every other alert is still listed below it.
        assert "Every alert" in text and "bybit-linear" in text.split("Every alert")[1]
        await pilot.press("escape")
        # Another venue: its alert, named with the venue's own symbol too.
        app.select(venue="bybit-linear", instrument="BTC-USD-PERP")
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        text = _text(app.screen)
        assert text.splitlines()[0] == (
            "Why did this fire? — deviation on bybit-linear BTC-USD-PERP (BTCUSDT)"
        )
        assert "severity CRITICAL" in text and "+38.0 bps · z 76.0" in text
        assert "ack/silence: not acknowledged, not silenced" in text


async def test_replay_keys_exist_only_in_a_replay_and_send_the_palettes_commands() -> None:
    # A snapshot is not a replay: p, P, >, v and j do nothing and are not in the footer.
    app = ConsoleApp(StaticSource(console_model.build()), layout="default")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        await pilot.press("p", "P", "greater_than_sign", "v")
        await app.frame()
        assert not [m for _, m in app.notices if "replay" in m]
        assert not {"p", "P", "greater_than_sign", "v", "j"} & set(app.active_bindings)
    # A replay snapshot: each key sends its command (nothing is attached, so each one
    # comes back NOT SENT, naming the command the key meant).
    app = ConsoleApp(StaticSource(console_model.build()), layout="default")
    app.source.engine = "replay ×10"
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        shown = {k: b.binding.description for k, b in app.active_bindings.items() if b.enabled}
        assert {"p", "P", "greater_than_sign", "v", "j"} <= set(shown)
        assert shown["p"] == "pause" and shown["P"] == "play" and shown["j"] == "seek"
        for key in ("p", "P", "greater_than_sign"):
            await pilot.press(key)
        await pilot.press("v")  # ×10 → ×100
        await until_notices(app, 4)
        sent = [m.split(":", 1)[0] for _, m in app.notices if "not sent" in m]
        assert sent == ["replay-pause", "replay-resume", "replay-step", "replay-speed"]
        await pilot.press("j")
        assert isinstance(app.screen, TextScreen) and "Seek" in app.screen.prompt


async def until_notices(app: ConsoleApp, n: int) -> None:
    for _ in range(100):
        if len([m for _, m in app.notices if "not sent" in m]) >= n:
            return
        await app.frame()
    raise AssertionError(f"expected {n} NOT SENT notices, got {app.notices}")


async def test_brackets_page_a_panes_hidden_rows_and_the_border_follows() -> None:
    app = ConsoleApp(StaticSource(console_model.build()), layout="default")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.rendered()
        timeline = _focus(app, TimelinePanel)
        assert isinstance(timeline, TimelinePanel)
        await pilot.pause()
        assert "↓ +" in timeline.hidden and "↑" not in timeline.hidden
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert "↑ +" in timeline.hidden  # rows above are now out of view, and named
        assert "↑ +" in str(timeline.border_subtitle)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert "↑" not in timeline.hidden and "↓ +" in timeline.hidden
