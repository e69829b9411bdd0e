"""Fixtures shared by the integration tier."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, tiny filesystem (tmpfs) that a test can fill to the last byte.

    Mounting needs root (CI runs as root); elsewhere the RLIMIT_FSIZE test in
    test_journal_disk_full.py covers failing writes without a mount.
    """
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); see the FSIZE test")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(mnt: Path) -> Path:
    """Fill the filesystem to the last byte; return the filler to delete later."""
    filler = mnt / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 64, 1):  # down to the last partial block
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def fill_disk() -> Callable[[Path], Path]:
    return _fill


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "console(healthy, console_toml): options of test_app.py's console fixture"
    )
