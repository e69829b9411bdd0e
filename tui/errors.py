"""One base for every error that is the user's to fix (or the environment's, not ours).

A :class:`UserError` carries one line naming the file, flag, line or field and what was
expected. ``venuewatch`` catches it once, in :func:`tui.cli.main.main`, prints that line
(sanitized) and exits with :attr:`UserError.exit_code`: never a traceback. Anything
else reaching ``main`` is a bug and keeps its traceback.

The errors of the ``adapters`` package (which may not import ``tui``) are listed in
``tui.cli.main`` beside this base.
"""

from __future__ import annotations

from typing import ClassVar


class UserError(Exception):
    """A one-line message a person can act on; the CLI exits with ``exit_code``."""

    exit_code: ClassVar[int] = 2
