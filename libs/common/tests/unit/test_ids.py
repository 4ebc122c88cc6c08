from __future__ import annotations

import uuid

import pytest

from megp_common.ids import deterministic_id, new_id


def test_new_id_is_uuid7_string() -> None:
    value = new_id()
    assert isinstance(value, str)
    assert uuid.UUID(value).version == 7


def test_new_ids_are_unique_and_time_ordered() -> None:
    ids = [new_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)


def test_deterministic_id_is_stable_uuid5() -> None:
    first = deterministic_id("event-1", "credit-line")
    assert first == deterministic_id("event-1", "credit-line")
    assert uuid.UUID(first).version == 5
    assert first != deterministic_id("event-2", "credit-line")


def test_deterministic_id_separates_parts() -> None:
    assert deterministic_id("ab", "c") != deterministic_id("a", "bc")
    assert deterministic_id("a") != deterministic_id("a", "")


def test_deterministic_id_validates_parts() -> None:
    with pytest.raises(ValueError):
        deterministic_id()
    with pytest.raises(TypeError):
        deterministic_id("a", 1)  # type: ignore[arg-type]
