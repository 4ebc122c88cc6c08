"""Two webhooks processes over one broker and one store: each subscription's queue is sent by
the one process holding its lease, so each webhook-id arrives once, in order per fund; when
that process is killed the other takes its queues over and finishes them. With short settings
(a 4 s lease, a 15 s secret overlap, disabled after 3 s of failing) the same processes show a
rotated-out secret stop verifying and a failing subscriber disabled and the bank told.

The pair runs under a service name of its own (`webhooks-pair`: its own consumer group and
database), so the platform's webhooks process, if running, shares nothing with it."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pymongo import MongoClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from megp_common.auth import Role
from megp_common.launcher import SERVICES, ServiceProcess, port_offset

from .test_webhooks import Seen, inflow, opened, publish, wait_for

pytestmark = pytest.mark.e2e


@dataclass
class Pair:
    processes: list[ServiceProcess]
    database: str
    mongo: str

    def url(self, n: int = 0) -> str:
        return self.processes[n].url

    def alive(self) -> ServiceProcess:
        return next(p for p in self.processes if p.proc is not None and p.proc.poll() is None)

    def lease_owners(self) -> dict[str, str]:
        with MongoClient(self.mongo) as client:
            now = time.time()
            return {
                str(d["_id"]): str(d["owner"])
                for d in client[self.database]["queue_leases"].find({})
                if not str(d["_id"]).startswith("process:") and float(d["until"]) >= now
            }


@pytest.fixture(scope="module")
def pair(infra: Any) -> Iterator[Pair]:
    database = f"megp_whpair_{uuid.uuid4().hex[:8]}"
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
        "MONGO_URL": infra.mongo,
        "ENVIRONMENT": "test",
        "SERVICE_NAME": "webhooks-pair",
        "MONGO_DATABASE": database,
        "QUEUE_LEASE_S": "4",
        "LEASE_CHECK_INTERVAL_S": "0.5",
        "DELIVERY_TIMEOUT_S": "1",
        "RETRY_FIRST_S": "0.5",
        "RETRY_MAX_S": "1",
        "SECRET_OVERLAP_S": "15",  # long enough for a delivery on a loaded machine
        "DISABLE_AFTER_FAILING_S": "3",
    }
    base = SERVICES["webhooks"] + port_offset() + 50
    processes = [ServiceProcess("webhooks", base + n, env) for n in range(2)]
    for p in processes:
        p.start()
    try:
        for p in processes:
            p.wait_ready()
        yield Pair(processes, database, infra.mongo)
    finally:
        for p in processes:
            p.stop()
        with MongoClient(infra.mongo) as client:
            client.drop_database(database)


@dataclass
class Receiver:
    """Answers 200 after `pause_s` (503 at /failing); records every request."""

    pause_s: float = 0.0
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"])).decode()
                with receiver.lock:
                    receiver.seen.append(Seen(self.path, dict(self.headers.items()), body))
                time.sleep(receiver.pause_s)
                self.send_response(503 if self.path == "/failing" else 200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}"

    def ids(self, path: str) -> list[str]:
        with self.lock:
            return [s.headers["webhook-id"] for s in self.seen if s.path == path]

    def at(self, path: str, kind: str | None = None) -> list[Seen]:
        """What reached `path` (of one event type: a bank's notices reach each of its
        subscriptions, whatever types they asked for)."""
        with self.lock:
            found = [s for s in self.seen if s.path == path]
        return [s for s in found if kind is None or json.loads(s.body).get("type") == kind]


def subscribe(url: str, header: dict[str, str], target: str, types: list[str]) -> dict[str, Any]:
    answer = httpx.post(
        f"{url}/v1/subscriptions",
        json={"url": target, "event_types": types},
        headers=header | {"Idempotency-Key": uuid.uuid4().hex},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def verifies(secret: str, seen: Seen) -> bool:
    try:
        Webhook(secret).verify(seen.body, seen.headers)
    except WebhookVerificationError:
        return False
    return True


def test_a_rotated_out_secret_stops_verifying_and_a_failing_subscriber_is_disabled(
    pair: Pair, tokens: Any, infra: Any
) -> None:
    receiver = Receiver()
    base = receiver.start()
    tag = uuid.uuid4().hex[:8]
    bank = f"Banco Par {tag}"
    as_bank = tokens.header(Role.PARTNER_BANK, organization=bank)
    rotating = subscribe(pair.url(0), as_bank, base + "/rotating", ["funds.InflowRecorded"])
    failing = subscribe(pair.url(1), as_bank, base + "/failing", ["funds.InflowRecorded"])
    contact = subscribe(pair.url(0), as_bank, base + "/contact", ["webhooks.SubscriptionDisabled"])
    old = rotating["secret"]
    # first a delivery to another bank's subscriber: the pair's consumers are assigned and
    # delivering before the overlap's clock starts (on a fresh pair their group's first join
    # took most of the 15 s, and the delivery "in the overlap" came after it)
    warm_bank, warm_fund = f"Banco Previo {tag}", f"fund-warm-{tag}"
    as_warm = tokens.header(Role.PARTNER_BANK, organization=warm_bank)
    subscribe(pair.url(0), as_warm, base + "/warm", ["funds.InflowRecorded"])
    publish(
        infra.kafka,
        [(opened(warm_fund, warm_bank), warm_fund), (inflow(warm_fund, "1.00"), warm_fund)],
    )
    wait_for(lambda: len(receiver.at("/warm")) >= 1, 60, "a delivery before the rotation")
    rotated = httpx.post(
        f"{pair.url(1)}/v1/subscriptions/{rotating['id']}/secret-rotation",
        headers=as_bank | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert rotated.status_code == 201, rotated.text
    overlap_ends = time.monotonic() + 15.0
    new = rotated.json()["secret"]
    time.sleep(1.5)  # the queues are taken

    fund = f"fund-{tag}"

    def inflows() -> list[Seen]:
        return receiver.at("/rotating", "funds.InflowRecorded")

    publish(infra.kafka, [(opened(fund, bank), fund), (inflow(fund, "1.00"), fund)])
    wait_for(lambda: len(inflows()) >= 1, 30, "the delivery in the overlap")
    during = inflows()[0]
    assert verifies(old, during) and verifies(new, during)

    time.sleep(max(0.0, overlap_ends - time.monotonic()) + 0.5)  # SECRET_OVERLAP_S has passed
    publish(infra.kafka, [(inflow(fund, "2.00"), fund)])
    wait_for(lambda: len(inflows()) >= 2, 30, "the delivery after the overlap")
    after = inflows()[1]
    assert verifies(new, after) and not verifies(old, after)

    # the failing subscriber, answered 503 on every attempt for DISABLE_AFTER_FAILING_S, is
    # disabled; the contact subscription and the notices list tell the bank
    wait_for(lambda: len(receiver.at("/contact")) >= 1, 30, "the disabled notice")
    notice = Webhook(contact["secret"]).verify(
        receiver.at("/contact")[0].body, receiver.at("/contact")[0].headers
    )
    assert notice["type"] == "webhooks.SubscriptionDisabled"
    assert notice["data"]["subscription_id"] == failing["id"]
    assert notice["data"]["disabled_by"] == "service"
    state = httpx.get(f"{pair.url(0)}/v1/subscriptions/{failing['id']}", headers=as_bank).json()
    assert state["status"] == "disabled" and "failing since" in state["disabled_reason"]
    notices = httpx.get(f"{pair.url(1)}/v1/notices", headers=as_bank).json()
    assert [n["subscription_id"] for n in notices] == [failing["id"]]
    # the rotating subscription got the notice too (every active one of the bank does)
    wait_for(lambda: len(receiver.at("/rotating")) >= 3, 30, "the notice to the other")
    types = [Webhook(new).verify(s.body, s.headers)["type"] for s in receiver.at("/rotating")]
    assert types.count("webhooks.SubscriptionDisabled") == 1
    assert len(receiver.at("/contact")) == 1


def test_each_queue_is_sent_by_one_process_and_the_survivor_finishes_it(
    pair: Pair, tokens: Any, infra: Any
) -> None:
    receiver = Receiver(pause_s=0.05)
    base = receiver.start()
    tag = uuid.uuid4().hex[:8]
    bank = f"Banco Dos Procesos {tag}"
    as_bank = tokens.header(Role.PARTNER_BANK, organization=bank)
    subs = [
        subscribe(pair.url(n % 2), as_bank, base + f"/s{n}", ["funds.InflowRecorded"])
        for n in range(2)
    ]
    wait_for(lambda: len(pair.lease_owners().keys() & {s["id"] for s in subs}) == 2, 20, "leases")
    # the active queues (these two and the earlier test's) are shared out: each process holds
    # some, none more than its share; either would send any queue it held
    wait_for(lambda: len(set(pair.lease_owners().values())) == 2, 20, "both processes holding")
    held = list(pair.lease_owners().values())
    assert max(held.count(o) for o in set(held)) <= (len(held) + 1) // 2, held

    funds = [f"fund-{tag}-{k}" for k in range(3)]
    events = [(opened(f, bank), f) for f in funds] + [
        (inflow(funds[n % 3], f"{n + 1}.00"), funds[n % 3]) for n in range(45)
    ]
    ids = publish(infra.kafka, events)[3:]
    fund_of = {f"msg_{i}": funds[n % 3] for n, i in enumerate(ids)}
    order = {f"msg_{i}": n for n, i in enumerate(ids)}

    def in_order_per_fund(got: list[str]) -> bool:
        for fund in funds:
            mine = [order[g] for g in dict.fromkeys(got) if fund_of[g] == fund]
            if mine != sorted(mine):
                return False
        return True

    path = "/s0"
    wait_for(lambda: len(receiver.ids(path)) >= 15, 60, "a third of the first queue")
    holder = pair.lease_owners()[subs[0]["id"]]
    victim = next(p for p in pair.processes if p.proc is not None and f":{p.proc.pid}:" in holder)
    before_kill = receiver.ids(path)
    victim.kill()
    assert len(before_kill) == len(set(before_kill))  # once each while both ran

    wait_for(lambda: len(set(receiver.ids(path))) == 45, 90, "the survivor finishing the queue")
    wait_for(lambda: len(set(receiver.ids("/s1"))) == 45, 60, "the other queue")
    time.sleep(1.0)
    for p in ("/s0", "/s1"):
        got = receiver.ids(p)
        assert set(got) == set(fund_of), p
        assert len(got) - len(set(got)) <= 1, (p, len(got))  # at most the attempt in flight
        assert in_order_per_fund(got), p
    survivor = pair.alive()
    assert survivor is not victim and survivor.proc is not None
    assert all(f":{survivor.proc.pid}:" in o for o in pair.lease_owners().values())
