"""One module per ``venuewatch`` subcommand: ``configure(parser)`` and ``run(args)``."""
