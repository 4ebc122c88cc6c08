"""Webhooks over real HTTP: funds' events, published on the real broker, reach the partner
bank's receiver (a small HTTP server this test runs on a free port) signed the Standard
Webhooks way; a 500 is retried with the same webhook-id; a subscriber that hangs does not
delay another; another bank's fund is never delivered; members' data is withheld; a rotated
secret and the one it replaced both verify during the overlap; a disabled subscription is
told to the bank's other subscriptions and in its notices, and enabling it resumes its queue
from where it stopped."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from megp_common.auth import Role
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import funds as fnd
from megp_common.events import EventPayload, make_event
from megp_common.launcher import Platform

pytestmark = pytest.mark.e2e


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """Answers /fail-once with 500 the first time it sees a webhook-id, /hang never in time,
    /toggle with 503 while `down`, anything else with 200; records every request."""

    seen: list[Seen] = field(default_factory=list)
    hanging: int = 0
    down: bool = True
    server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"])).decode()
                receiver.seen.append(Seen(self.path, dict(self.headers.items()), body))
                if self.path == "/hang":
                    receiver.hanging += 1
                    time.sleep(60)
                    return
                if self.path.startswith("/stall"):
                    time.sleep(12)  # past the service's 10 s attempt timeout
                    return
                ids = [s.headers["webhook-id"] for s in receiver.seen if s.path == self.path]
                first = ids.count(self.headers["webhook-id"]) == 1
                status = 500 if self.path == "/fail-once" and first else 200
                if self.path == "/toggle" and receiver.down:
                    status = 503
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def at(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def publish(kafka: str, events: list[tuple[EventPayload, str]]) -> list[str]:
    async def run() -> list[str]:
        bus = KafkaBus(kafka, service="webhooks-e2e")
        await bus.start()
        try:
            made = [
                make_event(e, source="/megp/funds", key=k, time=datetime.now(UTC), state="09")
                for e, k in events
            ]
            await bus.publish_many(
                [
                    OutgoingRecord("funds.events", k, m.to_json(), m.type)
                    for m, (_, k) in zip(made, events, strict=True)
                ]
            )
            return [m.id for m in made]
        finally:
            await bus.stop()

    return asyncio.run(run())


def opened(fund: str, bank: str) -> fnd.FundOpened:
    return fnd.FundOpened(
        fund_id=fund,
        group_id=fund,
        state_code="09",
        odf_id="odf-" + fund,
        trust_bank=bank,
        member_participant_ids=["p-secret-1", "p-secret-2"],
        opened_at=datetime.now(UTC),
        initial_period_ends_on=date(2027, 3, 1),
        individual_withdrawals_from=date(2030, 1, 1),
    )


def inflow(fund: str, amount: str) -> fnd.InflowRecorded:
    return fnd.InflowRecorded(
        fund_id=fund,
        group_id=fund,
        state_code="09",
        entry_id=f"e-{uuid.uuid4().hex[:8]}",
        inflow_kind="member_deposit",
        amount=Decimal(amount),
        split=fnd.SubFundSplit(development=Decimal(amount), competition=Decimal("0.00")),
        members=[fnd.MemberAmount(participant_id="p-secret-1", amount=Decimal(amount))],
        recorded_at=datetime.now(UTC),
    )


def wait_for(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_deliveries_are_signed_retried_with_one_id_and_never_held_by_another(
    platform: Platform, tokens: Any, infra: Any
) -> None:
    receiver = Receiver()
    base = receiver.start()
    hooks = httpx.Client(base_url=platform.processes["webhooks"].url, timeout=10)
    tag = uuid.uuid4().hex[:8]
    bank, other_bank = f"Banco Uno {tag}", f"Banco Dos {tag}"

    def subscribe(as_bank: str, path: str) -> dict[str, Any]:
        answer = hooks.post(
            "/v1/subscriptions",
            json={"url": base + path, "event_types": ["funds.InflowRecorded"]},
            headers=tokens.header(Role.PARTNER_BANK, organization=as_bank)
            | {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert answer.status_code == 201, answer.text
        made: dict[str, Any] = answer.json()
        assert made["secret"].startswith("whsec_")
        return made

    slow = subscribe(bank, "/hang")
    flaky = subscribe(bank, "/fail-once")
    other = subscribe(other_bank, "/other")
    time.sleep(1.0)  # the queues start

    mine, theirs = f"fund-{tag}-1", f"fund-{tag}-2"
    ids = publish(
        infra.kafka,
        [
            (opened(mine, bank), mine),
            (opened(theirs, other_bank), theirs),
            (inflow(mine, "100.00"), mine),
            (inflow(mine, "250.50"), mine),
            (inflow(theirs, "75.00"), theirs),
        ],
    )
    first, second, foreign = ids[2], ids[3], ids[4]

    def delivered(path: str) -> list[str]:
        return [s.headers["webhook-id"] for s in receiver.at(path)]

    # the first delivery is answered 500, retried after the backoff (5 s) with the same id,
    # then the second follows, in order, while the hanging subscriber's first attempt is open
    wait_for(lambda: len(delivered("/fail-once")) >= 3, 60, "the flaky receiver's deliveries")
    assert delivered("/fail-once") == [f"msg_{first}", f"msg_{first}", f"msg_{second}"]
    assert receiver.hanging >= 1 and len(receiver.at("/hang")) == 1

    verifier = Webhook(flaky["secret"])
    for seen in receiver.at("/fail-once"):
        body = verifier.verify(seen.body, seen.headers)
        assert body["type"] == "funds.InflowRecorded"
        assert body["data"]["fund_id"] == mine
        assert "members" not in body["data"] and "p-secret-1" not in seen.body
    assert [
        verifier.verify(s.body, s.headers)["data"]["amount"] for s in receiver.at("/fail-once")
    ][1:] == ["100.00", "250.50"]

    wait_for(lambda: len(delivered("/other")) >= 1, 30, "the other bank's delivery")
    time.sleep(1.0)
    assert delivered("/other") == [f"msg_{foreign}"]
    Webhook(other["secret"]).verify(receiver.at("/other")[0].body, receiver.at("/other")[0].headers)

    def log() -> list[dict[str, Any]]:
        answer = hooks.get(
            f"/v1/subscriptions/{flaky['id']}/deliveries",
            headers=tokens.header(Role.PARTNER_BANK, organization=bank),
        )
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()
        return found

    wait_for(lambda: [e["status"] for e in log()] == ["delivered"] * 2, 10, "the log")
    entries = log()
    assert [a["status_code"] for a in entries[0]["attempts"]] == [500, 200]
    assert entries[0]["webhook_id"] == f"msg_{first}"

    # only a failed delivery is replayed; another subscription's delivery is not found
    as_bank = tokens.header(Role.PARTNER_BANK, organization=bank)
    replayed = hooks.post(
        f"/v1/subscriptions/{flaky['id']}/deliveries/{entries[0]['id']}/replay",
        headers=as_bank | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert replayed.status_code == 409, replayed.text
    elsewhere = hooks.post(
        f"/v1/subscriptions/{slow['id']}/deliveries/{entries[0]['id']}/replay",
        headers=as_bank | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert elsewhere.status_code == 404, elsewhere.text

    # another bank never reads this bank's subscription
    peek = hooks.get(
        f"/v1/subscriptions/{slow['id']}",
        headers=tokens.header(Role.PARTNER_BANK, organization=other_bank),
    )
    assert peek.status_code == 404


def test_a_rotated_secret_and_the_replaced_one_both_verify_during_the_overlap(
    platform: Platform, tokens: Any, infra: Any
) -> None:
    receiver = Receiver()
    base = receiver.start()
    hooks = httpx.Client(base_url=platform.processes["webhooks"].url, timeout=10)
    tag = uuid.uuid4().hex[:8]
    bank = f"Banco Rota {tag}"
    as_bank = tokens.header(Role.PARTNER_BANK, organization=bank)
    made = hooks.post(
        "/v1/subscriptions",
        json={"url": base + "/rotating", "event_types": ["funds.InflowRecorded"]},
        headers=as_bank | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert made.status_code == 201, made.text
    sub, old = made.json()["id"], made.json()["secret"]

    key = uuid.uuid4().hex
    rotated = hooks.post(
        f"/v1/subscriptions/{sub}/secret-rotation", headers=as_bank | {"Idempotency-Key": key}
    )
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != old
    assert rotated.json()["previous_secret_until"] is not None
    again = hooks.post(
        f"/v1/subscriptions/{sub}/secret-rotation", headers=as_bank | {"Idempotency-Key": key}
    )
    assert again.status_code == 201 and again.json()["secret"] == new  # the retry, not a third
    read = hooks.get(f"/v1/subscriptions/{sub}", headers=as_bank)
    assert read.status_code == 200 and "secret" not in read.json()
    stranger = tokens.header(Role.PARTNER_BANK, organization=f"Otro {tag}")
    refused = hooks.post(
        f"/v1/subscriptions/{sub}/secret-rotation",
        headers=stranger | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert refused.status_code == 404, refused.text
    time.sleep(1.0)

    fund = f"fund-{tag}"
    publish(infra.kafka, [(opened(fund, bank), fund), (inflow(fund, "10.00"), fund)])
    wait_for(lambda: len(receiver.at("/rotating")) >= 1, 30, "the delivery after the rotation")
    seen = receiver.at("/rotating")[0]
    assert len(seen.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(seen.body, seen.headers)["data"]["fund_id"] == fund


def test_a_disabled_subscription_is_told_and_enabling_resumes_its_queue(
    platform: Platform, tokens: Any, infra: Any
) -> None:
    receiver = Receiver()
    base = receiver.start()
    hooks = httpx.Client(base_url=platform.processes["webhooks"].url, timeout=10)
    tag = uuid.uuid4().hex[:8]
    bank = f"Banco Pausa {tag}"
    as_bank = tokens.header(Role.PARTNER_BANK, organization=bank)

    def subscribe(path: str, types: list[str]) -> dict[str, Any]:
        answer = hooks.post(
            "/v1/subscriptions",
            json={"url": base + path, "event_types": types},
            headers=as_bank | {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert answer.status_code == 201, answer.text
        made: dict[str, Any] = answer.json()
        return made

    main = subscribe("/toggle", ["funds.InflowRecorded"])
    contact = subscribe("/contact", ["webhooks.SubscriptionDisabled"])
    time.sleep(1.0)

    fund = f"fund-{tag}"
    ids = publish(
        infra.kafka,
        [(opened(fund, bank), fund)] + [(inflow(fund, f"{n}.00"), fund) for n in (1, 2, 3)],
    )[1:]
    wait_for(lambda: len(receiver.at("/toggle")) >= 1, 30, "the first attempt (answered 503)")

    def pending() -> int:
        got = hooks.get(
            f"/v1/subscriptions/{main['id']}/deliveries",
            params={"status": "pending"},
            headers=as_bank,
        )
        assert got.status_code == 200, got.text
        return len(got.json())

    wait_for(lambda: pending() == 3, 10, "three deliveries queued")
    disabled = hooks.post(
        f"/v1/subscriptions/{main['id']}/disable",
        headers=as_bank | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"

    # the bank's other subscription is told, signed with its own secret; so are its notices
    wait_for(lambda: len(receiver.at("/contact")) >= 1, 30, "the notice")
    told = receiver.at("/contact")[0]
    notice = Webhook(contact["secret"]).verify(told.body, told.headers)
    assert notice["type"] == "webhooks.SubscriptionDisabled"
    assert notice["data"]["subscription_id"] == main["id"]
    assert notice["data"]["disabled_by"] == "bank"
    listed = hooks.get("/v1/notices", headers=as_bank)
    assert listed.status_code == 200, listed.text
    assert [n["subscription_id"] for n in listed.json()] == [main["id"]]
    other_bank = hooks.get(
        "/v1/notices", headers=tokens.header(Role.PARTNER_BANK, organization=f"Otro {tag}")
    )
    assert other_bank.status_code == 200 and other_bank.json() == []

    # while disabled nothing is sent, though the backoff (5 s) has run out
    receiver.down = False
    time.sleep(7.0)
    assert len(receiver.at("/toggle")) == 1

    enabled = hooks.post(
        f"/v1/subscriptions/{main['id']}/enable",
        headers=as_bank | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert enabled.status_code == 200 and enabled.json()["status"] == "active"
    assert enabled.json()["disabled_reason"] is None
    wait_for(lambda: len(receiver.at("/toggle")) >= 4, 30, "the queue resumed")
    time.sleep(1.0)
    got = [s.headers["webhook-id"] for s in receiver.at("/toggle")]
    assert got == [f"msg_{ids[0]}", f"msg_{ids[0]}", f"msg_{ids[1]}", f"msg_{ids[2]}"]
    assert pending() == 0


def test_a_hundred_and_twenty_stalled_subscribers_delay_no_other(
    platform: Platform, tokens: Any, infra: Any
) -> None:
    """More stalled receivers than an HTTP client pools by default (100): the one that answers
    still gets every event at once, each attempt to the others bounded by the timeout."""
    receiver = Receiver()
    base = receiver.start()
    hooks = httpx.Client(base_url=platform.processes["webhooks"].url, timeout=30)
    tag = uuid.uuid4().hex[:8]
    bank = f"Banco Lento {tag}"
    as_bank = tokens.header(Role.PARTNER_BANK, organization=bank)

    def subscribe(path: str) -> None:
        answer = hooks.post(
            "/v1/subscriptions",
            json={"url": base + path, "event_types": ["funds.InflowRecorded"]},
            headers=as_bank | {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert answer.status_code == 201, answer.text

    for n in range(120):
        subscribe(f"/stall/{n}")
    subscribe("/prompt")
    time.sleep(3.0)  # every queue taken (the leases are looked at each second)

    fund = f"fund-{tag}"
    publish(infra.kafka, [(opened(fund, bank), fund), (inflow(fund, "0.50"), fund)])

    def stalled() -> set[str]:
        return {s.path for s in receiver.seen if s.path.startswith("/stall")}

    wait_for(lambda: len(stalled()) >= 100, 60, "the stalled receivers' first attempts")
    wait_for(lambda: len(receiver.at("/prompt")) >= 1, 30, "the prompt receiver's first event")
    ids = publish(infra.kafka, [(inflow(fund, f"{n}.00"), fund) for n in (1, 2, 3)])
    started = time.monotonic()
    wait_for(lambda: len(receiver.at("/prompt")) >= 4, 30, "the prompt receiver's events")
    took = time.monotonic() - started
    got = [s.headers["webhook-id"] for s in receiver.at("/prompt")][1:]
    assert got == [f"msg_{i}" for i in ids]
    # the stalled queues are still on their first attempt (10 s timeout, then 5 s backoff)
    assert took < 10.0, took
