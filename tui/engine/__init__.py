"""The engine: health, consensus, detectors, alerts and venue states (no Textual, no I/O)."""
