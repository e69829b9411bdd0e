"""``venuewatch``: the command line, one module per subcommand.

Each subcommand module has ``configure(parser)`` and ``run(args)`` and is
imported only when used (see :mod:`tui.cli.main`).
"""

from tui.cli.main import main

__all__ = ["main"]
