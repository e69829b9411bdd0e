"""Venue adapters: everything that speaks to venues.

Frames in, exact local books and normalized events out. Nothing here imports the
application (`tui`) or Textual, so the data path can be embedded, replayed and
benchmarked on its own.
"""
