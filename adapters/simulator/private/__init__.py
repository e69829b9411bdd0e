"""The venues' private side, simulated: signed requests, resting orders, kill switches.

Written apart from ``adapters.controls`` on purpose (its own signature checks,
its own parsing), so the simulator catches the adapters' mistakes instead of
sharing them.
"""
