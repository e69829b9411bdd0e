"""The tamper-evident audit journal: what a post-mortem and a regulator read.

Every control action is appended here and fsynced *before* it takes effect, so
an acknowledged entry survives a crash or a power cut. The file is JSON lines
(UTF-8, one object a line, ``\\n``-terminated)::

    {"seq":1,"ts":"2026-11-24T13:12:13.123456Z","kind":"command","prev":"000…0",
     "action":"isolate","venue":"kraken","hash":"9f2c…"}

Canonical form (what is hashed, and what is written):

* the *canonical bytes* of an entry are a JSON object without whitespace: first
  ``seq``, ``ts``, ``kind``, ``prev`` in that order, then the caller's fields
  sorted by key (code point order), nested objects sorted by key too; strings
  as msgspec writes them (non-ASCII as raw UTF-8), floats in shortest
  round-trip form;
* ``hash`` = SHA-256 hex of the canonical bytes; ``prev`` = the previous
  entry's ``hash`` (64 zeros for the first). Each hash therefore commits to the
  whole history before it;
* the line is the canonical bytes with ``,"hash":"…"`` spliced in before the
  closing brace. A verifier re-derives the canonical bytes from a parsed line
  and compares byte for byte, so an edited value is named on its own line
  ("hash does not match its content"), an edit whose hash was recomputed
  breaks the next line's ``prev``, and a merely reformatted line is caught too.

``ts`` is wall-clock UTC and may step backwards with the clock; ``seq`` is the
order. A crash mid-write leaves at most one torn last line: readers report it
distinctly from tampering, and :meth:`Journal.open` moves it to a sidecar file
and journals the recovery. One writer per file, enforced with ``flock``.

Failure and truncation (the worst minute):

* a write that fails (disk full, I/O error) raises :class:`JournalUnwritable`
  with a one-line reason; the partial bytes are cut back off, so nothing that
  was not acknowledged stays in the file. The journal never wedges: the next
  append (or :meth:`Journal.probe`) reopens the file and, once a write
  succeeds again, journals a ``journal-gap`` entry saying since when and how
  many writes failed before the entry that was asked for;
* an *external anchor* (``<journal>.anchor``, JSON, fsynced, replaced
  atomically) holds the head ``seq`` and ``hash`` at most ``anchor_every_s``
  behind the journal and at close. ``verify`` prints it and names a journal
  that ends before its anchor as TRUNCATED; :meth:`Journal.open` refuses such
  a journal, so a sequence number is never issued twice.

This module is the journal's public face (``from tui.control.journal import ...``);
the parts live in single-job modules: ``journal_chain`` (format, reading,
verifying), ``journal_anchor`` (the external anchor), ``journal_errors``,
``journal_writer`` (the one writer) and ``journal_async`` (the event loop's view).
"""

from __future__ import annotations

import os
from pathlib import Path

from tui.control.journal_anchor import (
    Anchor,
    anchor_path,
    read_anchor,
    truncation,
)
from tui.control.journal_async import AsyncJournal
from tui.control.journal_chain import (
    ZERO_HASH,
    Entry,
    ReadResult,
    TornTail,
    VerifyResult,
    _scan,
    read,
    verify,
)
from tui.control.journal_errors import (
    Health,
    JournalBroken,
    JournalError,
    JournalLocked,
    JournalTruncated,
    JournalUnwritable,
)
from tui.control.journal_writer import Journal

__all__ = [
    "ZERO_HASH",
    "Anchor",
    "AsyncJournal",
    "Entry",
    "Health",
    "Journal",
    "JournalBroken",
    "JournalError",
    "JournalLocked",
    "JournalTruncated",
    "JournalUnwritable",
    "ReadResult",
    "TornTail",
    "VerifyResult",
    "anchor_path",
    "read",
    "read_anchor",
    "verify",
    "verify_main",
]


def verify_main(path: str | os.PathLike[str]) -> tuple[int, str]:
    """Exit code and one-line message for ``venuewatch journal verify FILE``."""
    try:
        anchor = read_anchor(path)
        with open(path, "rb") as f:
            r = _scan(Path(path), f, collect=False, at_seq=anchor.seq if anchor else 0)[0]
    except OSError as exc:
        return 2, f"{path}: UNREADABLE: {exc.strerror or exc}"
    except ValueError as exc:
        return 2, f"{exc}"
    if r.status == "ok" and (problem := truncation(Path(path), r, anchor)):
        return 1, f"{path}: TRUNCATED: {problem}"
    if r.status == "ok":
        where = f"anchor seq {anchor.seq} ({anchor.ts}) matches" if anchor else "no anchor"
        return 0, (
            f"{path}: OK: {r.entries} entries, chain intact, last hash {r.last_hash}; {where}"
        )
    if r.status == "torn":
        return 1, (
            f"{path}: TORN: {r.reason}; the {r.entries} entries before it verify "
            "(a crash mid-write, not tampering)"
        )
    return 1, f"{path}: BROKEN: {r.reason} ({r.entries} entries verify before it)"
