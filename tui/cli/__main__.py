"""``python -m tui.cli``: the same as the ``venuewatch`` script."""

import sys

from tui.cli.main import main

sys.exit(main())
