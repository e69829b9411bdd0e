"""Scale-out over NATS JetStream: collectors near venues, engines anywhere.

Opt-in: nothing outside this package imports it at module level, so the
single-machine default (``venuewatch demo``, ``serve --simulate``) never needs
``nats-py`` or a NATS server.
"""
