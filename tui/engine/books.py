"""What each book held, in a few bytes: evidence that a book was exact at a moment.

The engine journals this when it stops, so a run (the responsiveness bench's
overload case, a drill) can be checked against what the venue says a correct
client holds without shipping whole books across processes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from adapters.feed import Feed


def digest(bids: Mapping[float, float], asks: Mapping[float, float]) -> str:
    """A short, order-independent fingerprint of one book's levels."""
    text = json.dumps([sorted(bids.items()), sorted(asks.items())])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def summary(feeds: Mapping[str, Feed]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per venue and symbol: digest, synced, last sequence and the lagging episodes."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name, feed in feeds.items():
        books = out[name] = {}
        for sym, st in feed.instruments.items():
            books[sym] = {
                "digest": digest(*st.book.levels()),
                "synced": st.synced,
                "seq": st.last_seq,
                "lagging": st.lag_episodes,
                "lag_resyncs": st.lag_resyncs,
            }
    return out
