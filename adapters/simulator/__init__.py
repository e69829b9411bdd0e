"""A loopback simulator that speaks each venue's wire format, with faults."""

from adapters.simulator.server import Simulator

__all__ = ["Simulator"]
