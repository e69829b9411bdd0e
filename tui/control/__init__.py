"""Controls: commands, routes, breakers, the audit journal and sinks (Textual-free)."""
