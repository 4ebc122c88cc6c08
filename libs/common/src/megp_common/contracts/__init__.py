"""The published contracts: every event payload the services exchange, by publishing service.

Services import each other's contracts from here, never each other's code.
"""

import importlib

PUBLISHERS = ("enrollment", "funds", "credit", "trade", "ip_counsel", "donors")


def load_all() -> None:
    """Import every publisher's contract module so their payloads are registered."""
    for name in PUBLISHERS:
        importlib.import_module(f"megp_common.contracts.{name}")
