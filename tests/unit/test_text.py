"""Finding 5: hostile text is shown escaped, never interpreted."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from tui.text import SafeFormatter, clean, clean_obj, is_clean

HOSTILE = "ok\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://x\x1b\\link\u202egnp.exe\x9b31m\nnext"


def test_escape_sequences_and_bidi_are_shown_escaped() -> None:
    assert clean(HOSTILE) == (
        "ok\\x1b[2J\\x1b]0;pwned\\x07\\x1b]8;;http://x\\x1b\\link\\u202egnp.exe\\x9b31m\\x0anext"
    )


def test_plain_text_and_other_scripts_pass_untouched() -> None:
    for s in ("BTC-USD isolated", "日本語 ✓ €", "kraken: 1012 'going away'"):
        assert clean(s) == s


def test_limit_is_marked() -> None:
    assert clean("a" * 10, limit=4) == "aaaa… (+6 chars)"


@given(st.text())
def test_anything_cleaned_is_safe_and_keeps_every_safe_character(s: str) -> None:
    out = clean(s)
    assert is_clean(out)
    assert "\x1b" not in out and "\u202e" not in out
    if is_clean(s):
        assert out == s


def test_nested_values_are_cleaned() -> None:
    got = clean_obj({"note\x1b": ["\x1b[31m", 3, None], "n": 1.5})
    assert got == {"note\\x1b": ["\\x1b[31m", 3, None], "n": 1.5}


def test_log_lines_are_escaped() -> None:
    record = logging.LogRecord("x", logging.WARNING, "f", 1, "note %s", ("\x1b]0;t\x07",), None)
    assert SafeFormatter("%(message)s").format(record) == "note \\x1b]0;t\\x07"


def test_frames_from_the_engine_are_decoded_with_their_text_escaped() -> None:
    from tui.console import protocol as p
    from tui.engine.alerts import Alert

    alert = Alert(
        key="k",
        rule="stale",
        venue="okx",
        instrument="",
        severity="critical",
        state="firing",
        summary="okx \x1b[2J",
    )
    update = p.decode_down(p.encode(p.Update(ts_ns=1, alerts=[alert])))
    assert isinstance(update, p.Update) and update.alerts is not None
    assert update.alerts[0].summary == "okx \\x1b[2J"
    note = p.decode_down(p.encode(p.FeedNote({"reason": "bad \u202e frame"})))
    assert isinstance(note, p.FeedNote) and note.note == {"reason": "bad \\u202e frame"}
    plain = p.Update(ts_ns=2)
    assert p.decode_down(p.encode(plain)) == plain
