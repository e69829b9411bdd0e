"""Panels: each hosted in a small app, fed the fixture model (and one a real engine's).

Assertions read what the panel put in its rows (the ``Content`` each row
``Static`` shows) and count row writes, so they check behaviour — what a
responder sees and how much repainting a change costs — not pixels.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tui.app.panel import Panel, Selection
from tui.app.panels import PANELS, chart
from tui.app.panels.alerts import AlertsPanel
from tui.app.panels.ladder import LadderPanel
from tui.app.panels.matrix import MatrixPanel
from tui.app.panels.routes import RoutesPanel
from tui.app.panels.spreads import SpreadsPanel
from tui.app.panels.table import POOL_STEP, Row, TablePanel
from tui.app.panels.timeline import TimelinePanel
from tui.app.panels.venues import VenuesPanel
from tui.console import protocol as p
from tui.console.model import ConsoleModel

from support import console_model as fx
from support.fixtures import StartEngine


class Host(App[None]):
    """A bare app holding one panel, as the console's layouts will."""

    def __init__(self, panel: Panel) -> None:
        super().__init__()
        self.panel = panel

    def compose(self) -> ComposeResult:
        yield self.panel


async def until(
    pilot: Pilot[None], cond: Callable[[], Any], what: str, timeout: float = 5.0
) -> Any:
    """Re-check ``cond`` after each app refresh until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = cond()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.02)


def texts(panel: TablePanel) -> dict[str, str]:
    return {k: panel.rows[k].shown.plain for k in panel.order_shown}


def head(panel: TablePanel) -> str:
    return str(panel.query_one(".table-head", Static).content)


def writes(panel: TablePanel) -> dict[str, int]:
    return {k: r.writes for k, r in panel.rows.items()}


@pytest.fixture
def model() -> ConsoleModel:
    return fx.build()


# -- the registry -----------------------------------------------------------------------


async def test_no_panel_uses_a_datatable_and_rows_are_statics(model: ConsoleModel) -> None:
    for cls in PANELS.values():
        panel = cls()
        async with Host(panel).run_test(size=(120, 30)) as pilot:
            panel.update_from(model, fx.selection(model))
            await pilot.pause()
            assert not pilot.app.query(DataTable), cls.PANEL_ID
            if isinstance(panel, TablePanel):
                assert panel.rows and all(isinstance(r, Static) for r in panel.rows.values())


# -- venues -------------------------------------------------------------------------------


async def test_venue_rows_say_state_in_words_and_why(model: ConsoleModel) -> None:
    panel = VenuesPanel()
    async with Host(panel).run_test(size=(140, 20)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        rows = texts(panel)
        assert "■ ISOLATED" in rows["kraken"]
        # Cut in the middle: the start (down, which breaker) and the end (how long) stay.
        assert "down · breaker feed-" in rows["kraken"]
        assert rows["kraken"].endswith("on kraken for 0.0s")
        assert "1 CRIT" in rows["kraken"] and "down" in rows["kraken"]
        assert "▲ DEGRADED" in rows["coinbase"] and "1 WARN" in rows["coinbase"]
        assert "◆ RECOVERING" in rows["okx"] and "probation 12s left" in rows["okx"]
        assert "● LIVE" in rows["binance"]
        for word in ("msg/s", "p50ms", "p99ms", "silent", "gaps", "cksum", "resync", "rc5m"):
            assert word in head(panel)
        # The selected venue is marked by a glyph as well as highlighted.
        assert rows["kraken"].startswith("4▶") and panel.rows["kraken"].has_class("-selected")
        assert not panel.rows["binance"].has_class("-selected")


async def test_worst_first_order_and_params(model: ConsoleModel) -> None:
    worst = VenuesPanel()
    assert worst.order(model)[:4] == ["kraken", "bybit-linear", "coinbase", "okx"]
    assert VenuesPanel({"order": "config"}).order(model) == fx.VENUES
    only = VenuesPanel({"venues": ["okx", "binance"], "order": "config"})
    assert only.order(model) == ["binance", "okx"]
    async with Host(worst).run_test(size=(100, 20)) as pilot:
        worst.update_from(model, fx.selection(model))
        await pilot.pause()
        assert worst.order_shown == worst.order(model)
        shown = [r for r in pilot.app.query(Row) if r.key in worst.rows]
        assert [r.key for r in shown] == worst.order(model)  # the DOM order, not just a list
        # binance degrades: it moves up among the DEGRADED, and the DOM follows.
        fx.touch_venue(model, "binance", state="DEGRADED", alerts=2, worst="critical")
        worst.update_from(model, fx.selection(model))
        await pilot.pause()
        assert worst.order(model)[:3] == ["kraken", "binance", "bybit-linear"]
        shown = [r for r in pilot.app.query(Row) if r.key in worst.rows]
        assert [r.key for r in shown] == worst.order(model)


async def test_only_the_changed_venue_row_is_rewritten(model: ConsoleModel) -> None:
    panel = VenuesPanel()
    async with Host(panel).run_test(size=(120, 20)) as pilot:
        sel = fx.selection(model)
        panel.update_from(model, sel)
        await pilot.pause()
        before = writes(panel)
        assert panel.render_rows() == 0  # nothing changed: nothing written
        fx.touch_venue(model, "binance", msgs_per_s=99.9)
        assert "venues" in model.take_dirty()
        panel.update_from(model, sel)
        after = writes(panel)
        assert {k for k in after if after[k] != before[k]} == {"binance"}
        assert "99.9" in panel.rows["binance"].shown.plain
        # Moving the selection rewrites the two rows whose marker moved, nothing else.
        panel.update_from(model, fx.selection(model, venue="okx"))
        again = writes(panel)
        assert {k for k in again if again[k] != after[k]} == {"kraken", "okx"}
        assert panel.rows["okx"].has_class("-selected")
        assert not panel.rows["kraken"].has_class("-selected")


@pytest.mark.parametrize("width", [40, 60, 80, 120, 200])
async def test_venues_fit_any_width(model: ConsoleModel, width: int) -> None:
    panel = VenuesPanel()
    async with Host(panel).run_test(size=(width, 24)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        room = panel.row_width
        assert room <= width
        for text in texts(panel).values():
            assert len(text) <= room
        rows = texts(panel)
        assert "ISOLATED" in rows["kraken"]  # the state survives every width
        if width <= 80:
            assert "p50ms" not in head(panel)
        if width >= 80:
            assert "down · break" in rows["kraken"]  # the reason, if elided
        if width >= 200:
            assert fx.KRAKEN_TRIP in rows["kraken"]


async def test_resize_rerenders_for_the_new_width(model: ConsoleModel) -> None:
    panel = VenuesPanel()
    async with Host(panel).run_test(size=(140, 20)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        assert "p50ms" in head(panel)
        await pilot.resize_terminal(70, 20)
        await until(pilot, lambda: "p50ms" not in head(panel), "narrow header")
        assert all(len(t) <= panel.row_width for t in texts(panel).values())


# -- matrix -------------------------------------------------------------------------------


async def test_matrix_cells_show_deviation_states_and_consensus(model: ConsoleModel) -> None:
    panel = MatrixPanel()
    async with Host(panel).run_test(size=(200, 20)) as pilot:
        panel.update_from(model, fx.selection(model, venue="okx", inst="BTC-USD-PERP"))
        await pilot.pause()
        assert panel.order(model) == model.canonical_names()
        rows = texts(panel)
        perp = rows["BTC-USD-PERP"]
        assert "+38.0" in perp and "!!" in perp  # deviating venue, critical
        assert "resync" in perp  # okx's perp book is resyncing
        assert "HALT" in rows["ETH-USD"]
        assert "no ref: on…s trusted" in rows[fx.OPTION]  # elided in the middle
        assert "split 12.7" in rows["SOL-USD"]
        assert "64,921.68 n4" in rows["BTC-USD"]
        assert "×4.8" in rows["BTC-USD"]  # coinbase's spread ratio
        assert panel.rows["BTC-USD-PERP"].has_class("-selected")
        header = head(panel)
        assert all(v in header for v in fx.VENUES)
        # The selected venue's column: its header in reverse video, its cells underlined.
        content = panel.query_one(".table-head", Static).content
        assert isinstance(content, Content)
        at = header.index(" okx ") + 1
        assert any(s.start <= at < s.end and "reverse" in str(s.style) for s in content.spans)
        perp_cells = panel.rows["BTC-USD-PERP"].shown
        assert any("underline" in str(s.style) for s in perp_cells.spans)


@pytest.mark.parametrize("width", [40, 50, 80, 120])
async def test_matrix_narrow_keeps_what_matters(model: ConsoleModel, width: int) -> None:
    panel = MatrixPanel()
    async with Host(panel).run_test(size=(width, 20)) as pilot:
        panel.update_from(model, fx.selection(model, venue="kraken", inst="BTC-USD"))
        await pilot.pause()
        rows = texts(panel)
        for text in rows.values():
            assert len(text) <= panel.row_width
        assert "+38" in rows["BTC-USD-PERP"]  # the critical cell is never dropped
        assert "-4.9" in rows["BTC-USD"]  # nor the selected venue's
        if width <= 50:
            assert "+" in head(panel).split()[-1]  # "+N" venues hidden


# -- ladder -------------------------------------------------------------------------------


async def test_ladder_marks_best_prices_and_cross_venue_crossing(model: ConsoleModel) -> None:
    panel = LadderPanel()
    async with Host(panel).run_test(size=(120, 20)) as pilot:
        panel.update_from(model, fx.selection(model, inst="BTC-USD"))
        await pilot.pause()
        rows = texts(panel)
        assert "crossed" not in rows
        assert "◀best" in rows["okx"] and "best▶" in rows["bybit"]
        assert "64,921.60" in rows["okx"] and "ISOL" in rows["kraken"]
        assert panel.order_shown[0] == "okx"  # bids high to low
        # An isolated venue quoting through everyone is not "best" and crosses nothing.
        kraken = model.instruments[("kraken", "BTC/USD")]
        wild = msgspec.structs.replace(kraken, bid=65500.0, ask=65500.5, mid=65500.25)
        model.apply(p.Update(ts_ns=model.ts_ns, instruments=[wild]))
        panel.update_from(model, fx.selection(model, inst="BTC-USD"))
        rows = texts(panel)
        assert "crossed" not in rows and "◀best" not in rows["kraken"]
        # The perp: bybit-linear bids above binance-futures' ask.
        panel.update_from(model, fx.selection(model, inst="BTC-USD-PERP"))
        await pilot.pause()
        banner = texts(panel)["crossed"]
        assert "CROSSED" in banner and "bybit-linear bid 64,990.44" in banner
        assert "binance-futures ask 64,744.60" in banner
        assert panel.border_title == "Top of book · BTC-USD-PERP"


async def test_ladder_pinned_instrument_ignores_the_selection(model: ConsoleModel) -> None:
    panel = LadderPanel({"instrument": "ETH-USD"})
    async with Host(panel).run_test(size=(80, 20)) as pilot:
        panel.update_from(model, fx.selection(model, inst="BTC-USD"))
        await pilot.pause()
        rows = texts(panel)
        assert set(rows) == {"binance", "coinbase", "kraken", "okx", "bybit"}
        assert "HALT" in rows["okx"]


# -- alerts -------------------------------------------------------------------------------


async def test_alerts_newest_first_with_age_severity_and_resolved(model: ConsoleModel) -> None:
    panel = AlertsPanel()
    async with Host(panel).run_test(size=(140, 20)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        keys = panel.order_shown
        assert keys[:4] == [
            "a|gap|okx|BTC-USD-PERP",
            "a|deviation|bybit-linear|BTC-USD-PERP",
            "a|spread|coinbase|BTC-USD",
            "a|stale|kraken|",
        ]
        rows = texts(panel)
        pending, deviation, _spread, stale = (rows[k] for k in keys[:4])
        assert pending.lstrip().startswith("2s") and "WARN" in pending and "pending" in pending
        assert deviation.lstrip().startswith("18s") and "CRIT" in deviation
        assert "FIRING" in deviation and "+38.0 bps" in deviation
        assert "inhibited" in stale and panel.rows[keys[3]].has_class("-dim")
        assert keys[4] == "resolved"
        resolved = [k for k in keys if k.startswith("r|")]
        assert len(resolved) == 3
        assert resolved[0].startswith("r|spread|bybit|")  # the newest resolved first
        assert "✓ 55.0s" in rows[resolved[-1]] and "4m00s" in rows[resolved[-1]]
        assert all(panel.rows[k].has_class("-dim") for k in resolved)


async def test_alert_ages_advance_without_an_alerts_change(model: ConsoleModel) -> None:
    panel = AlertsPanel()
    async with Host(panel).run_test(size=(100, 20)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        key = "a|deviation|bybit-linear|BTC-USD-PERP"
        assert texts(panel)[key].lstrip().startswith("18s")
        fx.touch_venue(model, "binance", seconds=5.0, msgs_per_s=31.0)  # the clock moves on
        assert "alerts" not in model.take_dirty()
        await until(pilot, lambda: texts(panel)[key].lstrip().startswith("23s"), "a fresh age")


async def test_alerts_resolved_limit_and_empty(model: ConsoleModel) -> None:
    panel = AlertsPanel({"resolved": 1})
    async with Host(panel).run_test(size=(100, 20)) as pilot:
        model.apply(p.Update(ts_ns=model.ts_ns, alerts=[]))
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        keys = panel.order_shown
        assert keys[0] == "none" and "no active alerts" in texts(panel)["none"]
        assert len([k for k in keys if k.startswith("r|")]) == 1


# -- timeline -----------------------------------------------------------------------------


async def test_timeline_newest_first_with_refusal_seq_and_notes(model: ConsoleModel) -> None:
    panel = TimelinePanel()
    async with Host(panel).run_test(size=(140, 40)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        rows = texts(panel)
        keys = panel.order_shown
        first = rows[keys[0]]
        assert keys[0] == f"j{fx.REFUSED_SEQ}"
        assert first.startswith("!") and "13:54:54.000" in first and f"#{fx.REFUSED_SEQ}" in first
        assert "REFUSED: failover (cmd #21)" in first and "kraken is isolated" in first
        assert rows["j21"].startswith("»") and "alice" in rows["j21"]
        assert "binance spread" in rows["j21"]  # the reason given
        assert "breaker TRIPPED → isolate kraken — " + fx.KRAKEN_TRIP[:12] in rows["j11"]
        assert rows["j11"].endswith(fx.KRAKEN_TRIP[-12:])  # elided in the middle
        assert "FAILED #12 isolate kraken" in rows["j15"]
        assert "note: kraken silent" in rows["j16"]
        assert "alert resolved" in rows["j7"] and "alert FIRING CRIT" in rows["j18"]
        assert "j8" not in rows  # checkpoints are noise here
        disconnect = next(t for t in rows.values() if "disconnected" in t)
        assert "kraken" in disconnect and "13:54:16.100" in disconnect
        times = [panel.entries(model)[i][0] for i in range(len(keys))]
        assert times == sorted(times, reverse=True)


async def test_timeline_without_notes_and_a_new_entry_mounts_no_row(model: ConsoleModel) -> None:
    """A new entry is written into the pool of mounted rows (row i shows line i): a
    mount would ask for a layout pass of the whole screen, which a key then waits
    behind. The rows below it are rewritten with the lines they now show."""
    panel = TimelinePanel({"notes": False})
    async with Host(panel).run_test(size=(100, 30)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        assert not any(k.startswith("n") for k in panel.order_shown)
        shown_before = [(k, panel.rows[k].shown.plain) for k in panel.order_shown]
        pool = list(pilot.app.query(Row))
        assert len(pool) > len(panel.order_shown)  # the pane's spare height: blank rows
        entry = {
            "seq": 23,
            "ts": fx.iso(fx.T0),
            "kind": "command",
            "prev": "0" * 64,
            "id": "c0de",
            "action": "restore",
            "args": {"venue": "kraken"},
            "actor": "console:bob",
            "reason": "kraken back",
            "summary": "restore kraken",
            "hash": "f" * 64,
        }
        mounted: list[object] = []
        real_mount = panel.query_one(VerticalScroll).mount

        def mount(*widgets: Any, **kw: Any) -> Any:
            mounted.extend(widgets)
            return real_mount(*widgets, **kw)

        panel.query_one(VerticalScroll).mount = mount  # type: ignore[method-assign]
        model.apply(p.Journal(entry))
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        assert mounted == [] and list(pilot.app.query(Row)) == pool  # the same widgets
        assert panel.order_shown[0] == "j23"
        assert "restore kraken" in panel.rows["j23"].shown.plain
        rows = [r for r in pilot.app.query(Row) if r.key in panel.rows]
        assert rows[0].key == "j23"  # on top, in the DOM too
        # Every older line is still shown, one row further down, unchanged.
        assert [(k, panel.rows[k].shown.plain) for k in panel.order_shown[1:]] == shown_before


async def test_a_table_longer_than_its_pane_grows_its_pool_in_steps(model: ConsoleModel) -> None:
    """Past the pane's height the pool grows POOL_STEP rows at a time, so a timeline
    filling up line by line mounts rows once every few lines, not every line."""
    panel = TimelinePanel({"notes": False})
    async with Host(panel).run_test(size=(100, 12)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        grew = 0
        for seq in range(23, 23 + 2 * POOL_STEP):
            before = len(list(pilot.app.query(Row)))
            model.apply(p.Journal({"seq": seq, "ts": fx.iso(fx.T0), "kind": "system",
                                   "event": "tick", "hash": f"{seq:064x}"}))  # fmt: skip
            panel.update_from(model, fx.selection(model))
            await pilot.pause()
            after = len(list(pilot.app.query(Row)))
            assert after >= len(panel.order_shown)
            grew += after != before
            assert panel.order_shown[0] == f"j{seq}"
        assert 1 <= grew <= 3


async def test_a_timeline_filling_to_its_limit_mounts_rows_a_few_times(
    model: ConsoleModel,
) -> None:
    """Each growth of the pool is a mount (a layout pass of the whole screen): filling a
    timeline line by line to 200 lines grows it by half again each time, not 8 rows at
    a time (that was 24 mounts), and it ends with more than a third of it in use."""
    panel = TimelinePanel({"notes": False})
    async with Host(panel).run_test(size=(100, 12)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        sizes = [len(panel._pool)]
        for seq in range(23, 223):
            model.apply(p.Journal({"seq": seq, "ts": fx.iso(fx.T0), "kind": "system",
                                   "event": "tick", "hash": f"{seq:064x}"}))  # fmt: skip
            panel.update_from(model, fx.selection(model))
            if len(panel._pool) != sizes[-1]:
                sizes.append(len(panel._pool))
        await pilot.pause()
        lines = len(panel.order_shown)
        assert lines > 200 and len(panel._pool) >= lines
        assert len(sizes) - 1 <= 10, sizes
        assert lines > 2 * len(panel._pool) // 3, sizes
        assert len(list(pilot.app.query(Row))) == len(panel._pool)


# -- routes -------------------------------------------------------------------------------


async def test_routes_mark_active_unusable_and_breakers(model: ConsoleModel) -> None:
    panel = RoutesPanel()
    async with Host(panel).run_test(size=(140, 20)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        rows = texts(panel)
        btc = rows["r|btc-usd-ref"]
        assert "▶binance" in btc and "■kraken" in btc and "● on" in btc
        assert "from kraken: kraken isolated (30s ago)" in btc  # last change, and when
        assert panel.rows["r|btc-usd-ref"].has_class("-selected")
        perp = rows["r|btc-perp-ref"]
        assert "▶bybit-linear" in perp and "○ off" in perp and "◆okx" in perp
        assert "TRIPPED kraken" in rows["b|feed-silent"]
        assert panel.rows["b|feed-silent"].has_class("-alarm")
        assert "b|feed-silent|kraken" not in rows  # one line a breaker: all fit
        assert any(fx.KRAKEN_TRIP in d.plain for d in panel.details(model, fx.selection(model)))
        assert "DISARMED" in rows["b|deviation-hard"]
        assert "venue_silent_s >= 10" in rows["b|feed-silent"]
        # A halt on the route's instrument strikes that venue from the chain.
        okx = model.instruments[("okx", "BTC-USDT")]
        model.apply(
            p.Update(ts_ns=model.ts_ns, instruments=[msgspec.structs.replace(okx, halted=True)])
        )
        panel.update_from(model, fx.selection(model))
        assert "⊘okx" in texts(panel)["r|btc-usd-ref"]


async def test_narrow_route_chain_keeps_the_active_venue_in_view(model: ConsoleModel) -> None:
    route = msgspec.structs.replace(model.routes["btc-usd-ref"], active="okx")
    model.apply(p.Update(ts_ns=model.ts_ns, routes=[route]))
    panel = RoutesPanel()
    async with Host(panel).run_test(size=(44, 12)) as pilot:
        panel.update_from(model, fx.selection(model))
        await pilot.pause()
        row = texts(panel)["r|btc-usd-ref"]
        assert "▶okx" in row and "■kraken" not in row and "…›▲coinbase›▶okx" in row
        assert "● on" in row  # auto-failover stays visible however narrow


# -- spreads ------------------------------------------------------------------------------


async def test_spread_chart_waits_for_data_then_plots_off_the_ui_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[int] = []
    real = chart.render

    def spy(*args: Any, **kw: Any) -> str:
        threads.append(threading.get_ident())
        return real(*args, **kw)

    monkeypatch.setattr(chart, "render", spy)
    empty = fx.build(history=False)
    panel = SpreadsPanel()
    async with Host(panel).run_test(size=(100, 24)) as pilot:
        panel.update_from(empty, fx.selection(empty, venue="coinbase"))
        await until(pilot, lambda: "waiting for data" in panel.text, "waiting message")
        assert panel.builds == 0 and "BTC-USD" in panel.text
        model = fx.build()
        panel.update_from(model, fx.selection(model, venue="coinbase"))
        await until(pilot, lambda: "BTC-USD spread" in panel.text, "a chart", timeout=10)
        assert threads and threading.get_ident() not in threads
        assert "▶coinbase" in panel.text and "binance" in panel.text
        assert "\x1b[38;2;" in panel.text  # coloured series
        assert "seconds before 13:55:00 UTC" in panel.text
        caption = str(panel.query_one("#caption", Static).content)
        assert caption.startswith("▶coinbase 2.40 avg×4.8")


async def test_spread_chart_rate_limit(model: ConsoleModel) -> None:
    panel = SpreadsPanel()
    async with Host(panel).run_test(size=(100, 24)) as pilot:
        panel.update_from(model, fx.selection(model))
        await until(pilot, lambda: panel.builds == 1 and "spread" in panel.text, "first chart")
        start = time.monotonic()
        for i in range(30):
            fx.add_spread_points(model, "coinbase", "BTC-USD", [2.5 + i / 10])
            panel.update_from(model, fx.selection(model))
        await until(pilot, lambda: panel.builds == 2, "the next chart", timeout=5)
        elapsed = time.monotonic() - start
        # 30 updates, one rebuild: the rate limit held however fast updates came.
        assert panel.builds == 2 and elapsed < 5


async def test_a_held_spread_chart_builds_only_once_the_hold_is_over(
    model: ConsoleModel,
) -> None:
    """Right after a key the chart's thread must not compete with the key's answer:
    a build asked for meanwhile waits, and the panel's timer builds it afterwards."""
    panel = SpreadsPanel()
    async with Host(panel).run_test(size=(100, 24)) as pilot:
        panel.update_from(model, fx.selection(model))
        await until(pilot, lambda: panel.builds == 1 and "spread" in panel.text, "first chart")
        panel.hold(math.inf)
        fx.add_spread_points(model, "coinbase", "BTC-USD", [9.5])
        panel.update_from(model, fx.selection(model))
        panel._last_start = -1e9  # as if the rate limit's half second were over
        panel._maybe_build()
        assert panel.builds == 1  # held: nothing started
        panel.hold(0.0)
        await until(pilot, lambda: panel.builds == 2, "the chart once the hold is over", 5)


async def test_a_new_spread_chart_is_no_layout_pass(model: ConsoleModel) -> None:
    """The chart and caption have fixed sizes: a new one repaints its own area. A layout
    pass re-arranged and repainted the whole screen, twice a second under load."""
    panel = SpreadsPanel()
    async with Host(panel).run_test(size=(100, 24)) as pilot:
        panel.update_from(model, fx.selection(model))
        await until(pilot, lambda: panel.builds == 1 and "spread" in panel.text, "first chart")
        layouts: list[str] = []
        for wid in ("#chart", "#caption"):
            widget = panel.query_one(wid, Static)
            real = widget.refresh

            def spy(*regions: Any, _real: Any = real, _wid: str = wid, **kw: Any) -> Any:
                if kw.get("layout"):
                    layouts.append(_wid)
                return _real(*regions, **kw)

            widget.refresh = spy  # type: ignore[method-assign]
        fx.add_spread_points(model, "coinbase", "BTC-USD", [9.5])
        panel.update_from(model, fx.selection(model, venue="binance"))
        await until(pilot, lambda: panel.builds == 2, "the next chart", timeout=5)
        await pilot.pause()
        assert "▶binance" in str(panel.query_one("#caption", Static).content)
        assert layouts == []


async def test_spread_chart_no_color_uses_markers(
    monkeypatch: pytest.MonkeyPatch, model: ConsoleModel
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    panel = SpreadsPanel({"instrument": "BTC-USD-PERP"})
    async with Host(panel).run_test(size=(100, 24)) as pilot:
        assert pilot.app.no_color
        panel.update_from(model, fx.selection(model))
        await until(pilot, lambda: "BTC-USD-PERP spread" in panel.text, "a chart")
        assert "\x1b[38" not in panel.text
        for marker, venue in zip(chart.MARKERS, ["binance-futures", "bybit-linear"], strict=False):
            assert f"{marker}{marker} {venue}" in panel.text


# -- every panel at the compact and the roomy size ----------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (36, 12)])
async def test_every_panel_renders_at_size(model: ConsoleModel, size: tuple[int, int]) -> None:
    for pid, cls in PANELS.items():
        panel = cls()
        async with Host(panel).run_test(size=size) as pilot:
            panel.update_from(model, fx.selection(model))
            await pilot.pause()
            if isinstance(panel, TablePanel):
                assert panel.rows, pid
                for row in panel.rows.values():
                    assert row.shown.cell_length <= panel.row_width, (pid, row.shown.plain)


async def test_updates_are_cheap(model: ConsoleModel) -> None:
    panels = [VenuesPanel(), MatrixPanel(), AlertsPanel(), TimelinePanel(), RoutesPanel()]

    class Many(App[None]):
        def compose(self) -> ComposeResult:
            yield from panels

    async with Many().run_test(size=(120, 80)) as pilot:
        sel = fx.selection(model)
        for panel in panels:
            panel.update_from(model, sel)
        await pilot.pause()
        # Cheap by construction, not by the clock (a timed assert fails on a loaded box):
        # one venue's rate changing rewrites that venue's row and nothing else.
        for i in range(50):
            before = {id(r): r.writes for p_ in panels for r in p_.rows.values()}
            fx.touch_venue(model, "binance", seconds=0.0, msgs_per_s=30.0 + i)
            per = {type(p_).__name__: p_.render_rows() for p_ in panels}
            written = sum(per.values())
            assert written == 1, per
            after = {id(r): r.writes for p_ in panels for r in p_.rows.values()}
            assert sum(after[k] - before.get(k, 1) for k in after) == 1


# -- against a real engine ----------------------------------------------------------------


async def test_panels_show_a_real_isolation(engine: StartEngine) -> None:
    rig = await engine(["binance", "kraken", "coinbase"])
    # Isolation does not need healthy feeds: only the engine's own model.
    alice = await rig.console("alice")
    out = await alice.command("isolate", venue="kraken", reason="checksum storm")
    assert out.ok
    model = alice.model
    await rig.wait_for(
        lambda: (
            model.venues["kraken"].state == "ISOLATED"
            and any(e.get("kind") == "outcome" for e in model.journal)
        ),
        what="the console model to see the isolation",
    )
    venues, timeline, spreads = VenuesPanel(), TimelinePanel(), SpreadsPanel()

    class Three(App[None]):
        def compose(self) -> ComposeResult:
            yield venues
            yield timeline
            yield spreads

    async with Three().run_test(size=(120, 60)) as pilot:
        sel = Selection(venue="kraken", instrument="BTC-USD", venues=list(model.venues))
        venues.update_from(model, sel)
        timeline.update_from(model, sel)
        await pilot.pause()
        assert venues.order(model)[0] == "kraken"
        row = texts(venues)["kraken"]
        assert "■ ISOLATED" in row and "checksum storm" in row
        rows = texts(timeline)
        command = rows[f"j{out.seq}"]
        assert "» " in command[:2] and "alice" in command and "isolate kraken" in command
        outcome = rows[f"j{out.outcome_seq}"]
        assert "✓ done: isolate" in outcome and f"cmd #{out.seq}" in outcome
        # The engine's spread history (keyed venue|canonical) makes a chart.
        await rig.wait_for(
            lambda: "kraken|BTC-USD" in model.history, what="spread history for kraken"
        )

        def charted() -> bool:
            spreads.update_from(model, sel)
            return "BTC-USD spread" in spreads.text and "▶kraken" in spreads.text

        await until(pilot, charted, "a chart from the engine's history", timeout=10)
