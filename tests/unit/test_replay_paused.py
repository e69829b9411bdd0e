"""A paused replay says so in the header and is not judged stale; the speed key still steps."""

from __future__ import annotations

from tui.app.palette import next_speed
from tui.app.status_bar import replay_header
from tui.console import protocol as p
from tui.console.model import ConsoleModel
from tui.console.outbox import merge

T0 = 1_764_313_308_883_000_000


def _model(engine: str, now: list[float]) -> ConsoleModel:
    m = ConsoleModel()
    m.clock = lambda: now[0]
    m.engine = engine
    m.apply(p.Update(ts_ns=T0))
    return m


def test_paused_replay_is_not_stale_but_a_stopped_one_is() -> None:
    now = [100.0]
    paused, playing = _model("replay ×10, paused", now), _model("replay ×10", now)
    now[0] = 110.0
    for m in (paused, playing):
        m.apply(p.Update(ts_ns=T0))  # frames keep coming, the clock stands still
    assert paused.staleness() is None
    st = playing.staleness()
    assert st is not None and "clock has stopped" in st.reason


def test_the_engine_name_travels_with_updates_and_survives_coalescing() -> None:
    now = [0.0]
    m = _model("replay ×10", now)
    merged = merge(p.Update(ts_ns=T0, engine="replay ×10, paused"), p.Update(ts_ns=T0 + 1))
    m.apply(merged)
    assert m.engine == "replay ×10, paused"
    m.apply(p.Update(ts_ns=T0 + 2))  # no name: unchanged
    assert m.engine == "replay ×10, paused"


def test_header_and_speed_key_read_a_paused_or_seeking_name() -> None:
    assert replay_header(T0, "×10, paused") == "REPLAY 07:01:48.883 ×10, paused"
    assert next_speed("replay ×10, paused") == "100"
    assert next_speed("replay ×max, seeking 07:01:50.000") == "1"
