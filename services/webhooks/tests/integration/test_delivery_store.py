"""The delivery log and the queues on the real store: an event's deliveries are queued once
however often it is consumed; a delivered one leaves its queue and is not queued again by a
redelivered event; a replay puts a failed one back at its place."""

from __future__ import annotations

from datetime import UTC, datetime

from megp_common.ids import new_id
from megp_common.mongo import make_client
from megp_common.testing.infra import Infra
from webhooks.adapters.repositories import DELIVERED, FAILED, PENDING, DeliveryRepository


def delivery(sub: str, event: str, seq: int) -> dict[str, object]:
    return {
        "_id": f"{sub}:{event}",
        "subscription_id": sub,
        "webhook_id": f"msg_{event}",
        "event_id": event,
        "event_type": "funds.InflowRecorded",
        "ordering_key": "g1",
        "seq": seq,
        "body": "{}",
        "created_at": datetime.now(UTC),
    }


async def test_queued_once_delivered_leaves_and_a_replay_returns(infra: Infra) -> None:
    client = make_client(infra.mongo)
    db = client[f"webhooks_store_{new_id()[-12:]}"]
    try:
        repo = DeliveryRepository(db)
        docs = [delivery(s, e, n) for n, (s, e) in enumerate([("a", "e1"), ("b", "e1")])]
        assert await repo.enqueue_many(docs) == 2
        assert await repo.enqueue_many(docs) == 0  # the event consumed again
        assert await repo.enqueue(delivery("a", "e2", 5))
        assert await repo.with_due_work(1e12) == {"a", "b"}
        head = await repo.head("a")
        assert head is not None and head["_id"] == "a:e1"

        attempt = {"number": 1, "at": datetime.now(UTC), "ok": True, "duration_ms": 1}
        await repo.attempted(head, attempt, DELIVERED, 0.0, failing_since=None)
        assert await repo.enqueue_many([docs[0]]) == 0  # redelivered: not queued again
        head = await repo.head("a")
        assert head is not None and head["_id"] == "a:e2"
        logged = await repo.get("a:e1")
        assert logged is not None and logged["status"] == DELIVERED

        await repo.attempted(head, attempt | {"ok": False}, FAILED, 0.0, failing_since=1.0)
        assert await repo.head("a") is None and await repo.pending_count("a") == 0
        await repo.replay("a:e2")
        again = await repo.head("a")
        assert again is not None and again["_id"] == "a:e2" and again["attempt_count"] == 1
        replayed = await repo.get("a:e2")
        assert replayed is not None and replayed["status"] == PENDING
        assert [d["_id"] for d in await repo.of("a")] == ["a:e1", "a:e2"]
    finally:
        await client.drop_database(db.name)
        await client.close()
