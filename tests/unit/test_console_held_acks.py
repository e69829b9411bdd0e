"""An ack held for a publish reaches the console after every state pushed before it.

The writer sends ordered events first and the coalesced state last, so a held
ack must not simply join the events: whatever the interleaving of state pushes,
events, held acks, releases and writer turns, each ack goes out behind a state
frame at least as new as the newest state pushed before its release.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tui.console import protocol as p
from tui.console.outbox import Limits, Outbox

OPS = st.lists(st.sampled_from(["state", "event", "hold", "release", "write"]), max_size=60)


def drain(box: Outbox, out: list[bytes]) -> None:
    """One writer turn (Outbox.run's order): queued events, then the pending state."""
    while box.events:
        data = box.events.popleft()
        box.queued_bytes -= len(data)
        out.append(data)
    if box.state is not None:
        update, box.state = box.state, None
        out.append(p.encode(update))


@given(OPS)
def test_held_acks_follow_the_state_pushed_before_their_release(ops: list[str]) -> None:
    box = Outbox(ws=None, user="alice", limits=Limits())  # type: ignore[arg-type]
    out: list[bytes] = []
    pushed = 0  # newest state version pushed
    waiting: list[bytes] = []  # held, not yet released
    needs: dict[bytes, int] = {}  # ack -> the state version that must precede it
    for n, op in enumerate(ops):
        if op == "state":
            pushed += 1
            box.push_state(p.Update(ts_ns=pushed))
        elif op == "event":
            box.push_event(b"event-%d" % n)
        elif op == "hold":
            ack = b"ack-%d" % n
            box.hold(ack)
            waiting.append(ack)
        elif op == "release":
            box.release()
            needs.update((ack, pushed) for ack in waiting)
            waiting.clear()
        else:
            drain(box, out)
    drain(box, out)
    sent = 0  # newest state version the console has seen
    acks = []
    for data in out:
        if data.startswith(b"ack-"):
            acks.append(data)
            assert sent >= needs[data], (data, sent, needs[data])
        elif not data.startswith(b"event-"):
            frame = p.decode_down(data)
            assert isinstance(frame, p.Update)
            sent = max(sent, frame.ts_ns)
    assert acks == sorted(needs, key=lambda a: int(a[4:]))  # released ones, in order
    assert box.held == waiting  # unreleased ones are still held, never sent
