"""The console protocol: how consoles attach to an engine (no Textual here)."""
