"""Every simulated venue, through its real adapter, over loopback websockets.

The same suite runs for each venue: exact books after thousands of updates,
and every fault the simulator can inject detected, counted and recovered from
(the book exact again afterwards). The exactness and checksum cases run with
the native book and with the pure-Python reference (``book_impl``).
"""

from __future__ import annotations

import pytest

from adapters.simulator.catalogue import DEFAULT_VENUES
from adapters.simulator.faults import MALFORMED_KINDS
from adapters.simulator.server import Simulator
from adapters.transport import NAMES

from support.fixtures import StartSim

VENUES = sorted(DEFAULT_VENUES)
TRANSPORTS = list(NAMES)
CHECKSUM_VENUES = [v for v in VENUES if Simulator({v: DEFAULT_VENUES[v]}).venues[v].has_checksum]

# The other websocket client on a REST-snapshot venue and a checksum venue: the
# transport is venue-independent (tests/integration/test_transport.py holds both
# clients to the same behaviour at the supervisor's boundary).
OTHER_TRANSPORT_VENUES = ("binance", "kraken")


# The transport is venue-independent and this is the slowest test: every venue
# over the default client with the native book, two (one REST-snapshot, one
# checksum venue) over the other client.
@pytest.mark.parametrize("book_impl", ["native"], indirect=True)
@pytest.mark.parametrize(
    ("venue", "transport"),
    [(v, NAMES[0]) for v in VENUES] + [(v, NAMES[1]) for v in OTHER_TRANSPORT_VENUES],
)
async def test_books_exact_after_thousands_of_updates(
    venue: str, transport: str, book_impl: str, sim: StartSim
) -> None:
    await _exact_after_thousands(sim, venue, transport)


# The reference book's own code that differs per venue is the checksum text: it is
# run through the long case on the checksum venues (every venue above runs native).
@pytest.mark.parametrize("book_impl", ["pure"], indirect=True)
@pytest.mark.parametrize("venue", CHECKSUM_VENUES)
async def test_reference_book_exact_after_thousands_of_updates(
    venue: str, book_impl: str, sim: StartSim
) -> None:
    await _exact_after_thousands(sim, venue, NAMES[0])


async def _exact_after_thousands(sim: StartSim, venue: str, transport: str) -> None:
    rig = await sim([venue], transport=transport)
    await rig.wait_for(rig.synced, what="initial sync")
    await rig.sim.step(2500)
    await rig.settle()
    for st in rig.feeds[venue].instruments.values():
        assert st.updates >= 2000, st.symbol
        assert st.gaps == st.checksum_failures == st.crossed == st.resyncs == 0
        assert not st.book.crossed()


async def test_sequence_gap_is_detected_and_resynced(
    venue: str, transport: str, sim: StartSim
) -> None:
    rig = await sim([venue], transport=transport)
    await rig.settle()
    st = rig.st(venue)
    rig.sim.inject(venue, "gap", symbol=st.symbol)
    await rig.sim.step(30)
    await rig.wait_for(lambda: st.resyncs >= 1, what="resync after gap")
    await rig.sim.step(30)
    await rig.settle()
    assert st.gaps + st.checksum_failures >= 1
    assert rig.statuses(venue, "resync_started")
    assert rig.statuses(venue, "resync_finished")


@pytest.mark.parametrize("venue", CHECKSUM_VENUES)
# Both books over the default client, and the native book over the other client.
@pytest.mark.parametrize(
    ("book_impl", "transport"),
    [("native", NAMES[0]), ("pure", NAMES[0]), ("native", NAMES[1])],
    indirect=["book_impl"],
)
async def test_corrupted_checksum_is_detected_and_resynced(
    venue: str, book_impl: str, transport: str, sim: StartSim
) -> None:
    rig = await sim([venue], transport=transport)
    await rig.settle()
    st = rig.st(venue)
    ok_before = st.checksum_ok
    rig.sim.inject(venue, "bad_checksum", symbol=st.symbol)
    await rig.sim.step(10)
    await rig.wait_for(lambda: st.checksum_failures >= 1, what="checksum failure")
    await rig.sim.step(10)
    await rig.settle()
    assert st.checksum_failures == 1
    assert st.resyncs == 1
    assert st.checksum_ok > ok_before
    (ev,) = rig.statuses(venue, "checksum_mismatch")
    assert "checksum mismatch" in ev.reason


async def test_crossed_book_is_detected_and_resynced(venue: str, sim: StartSim) -> None:
    rig = await sim([venue])
    await rig.settle()
    st = rig.st(venue)
    rig.sim.inject(venue, "crossed", symbol=st.symbol)
    await rig.sim.step(5)
    await rig.wait_for(lambda: st.crossed >= 1, what="crossed book detected")
    await rig.sim.step(10)
    await rig.settle()
    assert st.crossed == 1
    assert st.resyncs >= 1
    assert not st.book.crossed()


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
async def test_malformed_frames_never_stop_the_stream(venue: str, kind: str, sim: StartSim) -> None:
    rig = await sim([venue])
    await rig.settle()
    feed = rig.feeds[venue]
    st = rig.st(venue)
    rig.sim.inject(venue, "malformed", symbol=st.symbol, kind=kind, count=3)
    await rig.sim.step(50)
    await rig.settle()
    # An empty text frame is not an error of the venue's protocol, but it
    # still must not disturb the book.
    if kind != "empty":
        assert feed.parse_errors >= 3
    assert st.resyncs == 0
    assert st.updates >= 40


async def test_disconnect_reconnects_and_resyncs(venue: str, transport: str, sim: StartSim) -> None:
    rig = await sim([venue], transport=transport)
    await rig.settle()
    feed = rig.feeds[venue]
    rig.sim.inject(venue, "disconnect", mode="abort")
    await rig.wait_for(lambda: feed.disconnects >= 1, what="disconnect noticed")
    await rig.wait_for(lambda: feed.connects >= 2 and rig.synced(), what="reconnect")
    await rig.sim.step(200)
    await rig.settle()
    (ev, *_) = rig.statuses(venue, "disconnected")
    assert ev.reason
    assert rig.sups[venue].reconnects >= 1


async def test_silent_feed_is_dropped_and_reconnected(
    venue: str, transport: str, sim: StartSim
) -> None:
    rig = await sim([venue], silence_timeout_s=0.5, transport=transport)
    await rig.settle()
    feed = rig.feeds[venue]
    rig.sim.inject(venue, "stall", duration_s=30)
    await rig.wait_for(lambda: bool(rig.statuses(venue, "silent")), what="silence noticed")
    rig.sim.clear(venue, "stall")
    await rig.wait_for(lambda: feed.connects >= 2 and rig.synced(), what="reconnect")
    await rig.sim.step(100)
    await rig.settle()
    (ev, *_) = rig.statuses(venue, "silent")
    assert "no frame for" in ev.reason


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    def chosen(name: str) -> bool:
        return any(
            m.name == "parametrize" and name in m.args[0]
            for m in metafunc.definition.iter_markers()
        )

    wants_venue = "venue" in metafunc.fixturenames and not chosen("venue")
    wants_transport = "transport" in metafunc.fixturenames and not chosen("transport")
    if wants_venue and wants_transport:
        # The key tests: every venue over the default client, two over the other.
        metafunc.parametrize(
            ("venue", "transport"),
            [(v, TRANSPORTS[0]) for v in VENUES]
            + [(v, t) for t in TRANSPORTS[1:] for v in OTHER_TRANSPORT_VENUES],
        )
    elif wants_venue:
        metafunc.parametrize("venue", VENUES)
    elif wants_transport:
        metafunc.parametrize("transport", TRANSPORTS)
