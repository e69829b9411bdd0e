"""Connections to the desk's existing tools, read from the service layer.

Prometheus metrics, the Alertmanager/PagerDuty/Slack sinks and the OMS read
API. Nothing here is on the ingest path: exporters read the engine's state
when they are asked (a scrape, an API call), and the sinks are fed from the
journal after an entry is durable. The engine stays pure.
"""
