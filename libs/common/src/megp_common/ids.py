"""Identifiers: time-ordered random ids and reproducible derived ids."""

from __future__ import annotations

import uuid
from typing import Final

import uuid_utils

#: Fixed namespace for derived ids. Changing it would change every derived id, so never do.
PROJECT_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://megp.mx/ids")


def new_id() -> str:
    """A new UUIDv7 string; ids sort by creation time, which keeps Mongo indexes compact."""
    return str(uuid_utils.uuid7())


def deterministic_id(*parts: str) -> str:
    """A UUIDv5 string derived from ``parts``: the same parts always give the same id.

    Used for ids that must be reproducible on redelivery, e.g. the id of an effect derived from
    the id of the event that caused it. Each part is length-prefixed before hashing so that
    ``("ab", "c")`` and ``("a", "bc")`` give different ids.
    """
    if not parts:
        raise ValueError("deterministic_id needs at least one part")
    for part in parts:
        if not isinstance(part, str):
            raise TypeError(f"id parts must be str, not {type(part).__name__}")
    name = "".join(f"{len(part)}:{part}" for part in parts)
    return str(uuid.uuid5(PROJECT_NAMESPACE, name))
