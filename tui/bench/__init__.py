"""``venuewatch bench``: throughput, responsiveness and memory, measured and reported.

Each part is its own module (``ingest``, ``e2e``, ``responsiveness``,
``memory``) and returns a plain dict; ``report`` turns those into the table on
stdout and the JSON file. Nothing here asserts a speed: the figures are
printed next to their targets with a met/missed flag, and the tests check only
that the command runs and writes well-formed results.
"""
