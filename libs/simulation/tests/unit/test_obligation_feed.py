"""The driver's wait for a period's obligations, fed from funds' events (no broker needed to
check the bookkeeping; the e2e simulation test runs it against Kafka)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from megp_simulation.kafka import ObligationFeed


def created(group: str, period: str, *ids: str) -> dict[str, Any]:
    return {
        "type": "funds.DepositObligationsCreated",
        "data": {
            "group_id": group,
            "period_start": period,
            "obligations": [
                {"obligation_id": i, "participant_id": "p", "amount": "1"} for i in ids
            ],
        },
    }


def test_a_period_counts_distinct_obligations_and_ignores_other_events() -> None:
    feed = ObligationFeed("unused:9092", 0)
    assert feed.note(created("g1", "2040-02-01", "o1", "o2"))
    assert feed.note(created("g1", "2040-02-01", "o2"))  # a redelivery counts once
    assert not feed.note({"type": "funds.InflowRecorded", "data": {"group_id": "g1"}})
    assert feed.note(created("g2", "2040-02-01", "o3"))
    assert feed.wait_for("g1", "2040-02-01", 2, 0.0)
    assert not feed.wait_for("g1", "2040-02-01", 3, 0.05)
    assert not feed.wait_for("g1", "2040-03-01", 1, 0.05)  # another period
    assert feed.wait_for("g9", "2040-02-01", 0, 0.0)  # nothing due: nothing to wait for


def test_a_waiting_driver_wakes_when_the_event_arrives() -> None:
    feed = ObligationFeed("unused:9092", 0)
    later = threading.Timer(0.2, feed.note, args=(created("g1", "2040-02-01", "o1"),))
    started = time.monotonic()
    later.start()
    assert feed.wait_for("g1", "2040-02-01", 1, 10.0)
    assert time.monotonic() - started < 5.0  # woken, not timed out
    later.join()


def test_a_failed_feed_is_raised_to_the_waiting_driver() -> None:
    feed = ObligationFeed("unused:9092", 0)
    feed.error = ConnectionError("broker gone")
    with pytest.raises(RuntimeError, match="broker gone"):
        feed.wait_for("g1", "2040-02-01", 1, 1.0)


def test_an_answered_period_keeps_only_its_count_and_a_late_copy_is_not_kept_again() -> None:
    feed = ObligationFeed("unused:9092", 0)
    feed.note(created("g1", "2040-02-01", "o1", "o2"))
    feed.note(created("g1", "2040-03-01", "o3"))  # the next period, announced early
    assert feed.wait_for("g1", "2040-02-01", 2, 0.0)
    assert ("g1", "2040-02-01") not in feed._seen  # its ids are gone once it is answered
    assert feed.wait_for("g1", "2040-02-01", 2, 0.0)  # asked again, its count answers
    assert not feed.wait_for("g1", "2040-02-01", 3, 0.05)
    feed.note(created("g1", "2040-02-01", "o1", "o9"))  # a redelivered, late copy
    assert ("g1", "2040-02-01") not in feed._seen
    assert feed.wait_for("g1", "2040-03-01", 1, 0.0)  # the open period still counts
    assert set(feed._seen) == set()
