"""venuewatch: the application (CLI, engine, controls, console protocol, Textual app)."""
