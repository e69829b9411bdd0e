"""Starting from a journal on disk: a broken chain refuses to start unless the
operator says otherwise, and then it is kept aside as evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.control import journal
from tui.control.journal import JournalBroken
from tui.control.recovery import prior_entries


def write(path: Path, n: int) -> None:
    with journal.Journal.open(path) as j:
        for i in range(n):
            j.append("command", id=f"c{i}", action="note", args={"text": str(i)}, actor="a")


def test_a_good_journal_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    assert prior_entries(path, accept_broken=False) == ([], "")
    write(path, 3)
    entries, aside = prior_entries(path, accept_broken=False)
    assert [e["id"] for e in entries] == ["c0", "c1", "c2"] and aside == ""


def test_a_broken_journal_refuses_to_start_and_says_how_to_override(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    write(path, 4)
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"1"', '"tampered"')
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(JournalBroken) as err:
        prior_entries(path, accept_broken=False)
    assert "--accept-broken-journal" in str(err.value) and "line 2" in str(err.value)
    assert path.exists()
    entries, aside = prior_entries(path, accept_broken=True)
    assert [e["id"] for e in entries] == ["c0"]
    assert not path.exists() and "kept as" in aside
    kept = list(tmp_path.glob("j.jsonl.broken-*"))
    assert len(kept) == 1 and kept[0].read_text().count("\n") == 4
