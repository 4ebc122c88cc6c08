"""The partner banks of a run [¶75-¶78]: three commercial banks hold the groups' trust funds (in
turn, by the group's index), each acting with its own token (`partner_bank`, national scope,
`organization` = the bank). Before the first group is set up each of them, and the programme's
lender (credit's default, NAFIN), subscribes to the webhooks service: the banks to the fund
movements and credit's events, the lender to credit's. The deliveries go to a receiver the run
serves itself on a free port of this machine, which verifies every signature with the
`standardwebhooks` library and keeps, per subscriber, the copies of each `webhook-id`.

At the end `expected_deliveries` says, from the run's events on `funds.events` and
`credit.events`, which bank each offered event concerns (the rule the webhooks service states:
a fund's bank is its trust bank; a loan's or line's the `lender` the event names, else the one
an earlier `CreditLineOpened`, `LoanApproved`, `LoanDisbursed` or `InstallmentDue` named), and
the desk waits, bounded, until every subscriber has them. The checks are in `bank_checks`."""

from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from megp_simulation.api import Api
from megp_simulation.model import Group
from megp_simulation.progress import Progress

if TYPE_CHECKING:
    from megp_simulation.digest import RunEvents
    from megp_simulation.scenario import Simulation

#: the banks holding the run's trust funds (each one of enrollment's partner banks)
BANKS = ("BBVA México", "Banorte", "Santander México")
#: the lender of record of every line and loan unless a bank takes it over (credit's default)
LENDER = "NAFIN"
#: the fund movements a bank is told of (the webhooks service's catalogue, as it documents it)
FUND_MOVEMENTS = (
    "funds.InflowRecorded",
    "funds.TemporaryContributionReturned",
    "funds.DepositObligationsSettled",
    "funds.CompetitionSpendApproved",
    "funds.DevelopmentWithdrawalMade",
    "funds.FundRepaymentMade",
    "funds.FundRepaymentFailed",
    "funds.ReplenishmentReceived",
)
CREDIT_EVENTS = (
    "credit.CreditLineOpened",
    "credit.CreditLineReviewed",
    "credit.LoanApproved",
    "credit.LoanDisbursed",
    "credit.InstallmentDue",
    "credit.InstallmentPaid",
    "credit.InstallmentOverdue",
    "credit.LoanRepaid",
)
#: what each subscriber asks for
SUBSCRIBED: dict[str, tuple[str, ...]] = {
    **{bank: FUND_MOVEMENTS + CREDIT_EVENTS for bank in BANKS},
    LENDER: CREDIT_EVENTS,
}
#: credit's events that teach the webhooks service a loan's (and its line's) lender
TEACH_LENDER = (
    "credit.CreditLineOpened",
    "credit.LoanApproved",
    "credit.LoanDisbursed",
    "credit.InstallmentDue",
    "credit.CreditLineTakenOver",
)
#: a CURP's shape (RENAPO): four letters, the birth date, sex, state, three consonants, two more
CURP_SHAPE = re.compile(rb"[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d")
#: funds reconciled at the end when `Scale.statements` is not given: all up to this many
STATEMENT_SAMPLE = 24


def holder(g: Group) -> str:
    """The bank holding the group's fund in trust: the three in turn, by the group's index."""
    return BANKS[g.index % len(BANKS)]


def trust_bank(g: Group, rng: random.Random) -> str:
    """The bank the ODF names for the group's trust fund (`holder`). The group's stream still
    makes the draw that once chose a bank, so its later draws (and every figure of a run) stay
    as they were."""
    rng.randrange(3)
    return holder(g)


def slug(bank: str) -> str:
    """The bank's name in ASCII, for token subjects and Idempotency-Keys (`bbva-m-xico`)."""
    return re.sub(r"[^a-z0-9]+", "-", bank.lower()).strip("-")


def claims(bank: str) -> dict[str, Any]:
    """A token of the bank's integration: national scope, the bank as its organization."""
    return {"states": ("*",), "subject": f"bank-{slug(bank)}", "organization": bank}


@dataclass
class Inbox:
    """What one subscriber's endpoint received."""

    bank: str
    secret: str = ""
    subscription_id: str = ""
    copies: Counter[str] = field(default_factory=Counter)  # webhook-id -> requests
    #: webhook-id -> (event type, fund or group id) of the first copy
    first: dict[str, tuple[str, str]] = field(default_factory=dict)
    bad_signatures: list[str] = field(default_factory=list)
    curps: list[str] = field(default_factory=list)  # "<webhook-id>: <CURP-shaped string>"


class Receiver:
    """The banks' side: a small threaded HTTP server on 127.0.0.1 (the standard library's), one
    path per subscriber (`/0`, `/1`, ...). Each request's signature is verified with the
    subscriber's secret by the `standardwebhooks` library: a failure is answered 400 and kept;
    a verified body is looked through for CURP-shaped strings and its webhook-id counted. A
    request that comes before the subscriber's secret is known is answered 503 (retried)."""

    def __init__(self) -> None:
        self.inboxes: list[Inbox] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                status = receiver.take(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, name="bank-receiver", daemon=True
        ).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def add(self, bank: str) -> str:
        """A new subscriber's path."""
        with self._lock:
            self.inboxes.append(Inbox(bank))
            return f"/{len(self.inboxes) - 1}"

    def take(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """One request: its HTTP status."""
        try:
            inbox = self.inboxes[int(path.strip("/"))]
        except (ValueError, IndexError):
            return 404
        if not inbox.secret:  # its subscription's answer is still on its way: try again later
            return 503
        webhook_id = {k.lower(): v for k, v in headers.items()}.get("webhook-id", "")
        try:
            Webhook(inbox.secret).verify(body, headers)
        except WebhookVerificationError as error:
            with self._lock:
                inbox.bad_signatures.append(f"{webhook_id}: {error}")
            return 400
        message = json.loads(body)
        data = message.get("data") or {}
        shaped = [m.decode() for m in CURP_SHAPE.findall(body)]
        with self._lock:
            inbox.copies[webhook_id] += 1
            inbox.first.setdefault(  # a type and a fund are one string each for all events
                webhook_id,
                (
                    sys.intern(str(message.get("type"))),
                    sys.intern(str(data.get("fund_id") or data.get("group_id"))),
                ),
            )
            inbox.curps.extend(f"{webhook_id}: {c}" for c in shaped)
        return 204

    def received(self, inbox: Inbox) -> set[str]:
        with self._lock:
            return set(inbox.copies)


class BankDesk:
    """The run's banks and lender: their subscriptions, the receiver, the wait for the queues."""

    def __init__(self, api: Api, run_tag: str, quiet: bool = False) -> None:
        self.api, self.run_tag, self.quiet = api, run_tag, quiet
        self.receiver = Receiver()
        self.drained_s = 0.0

    @property
    def inboxes(self) -> list[Inbox]:
        return self.receiver.inboxes

    def open(self) -> BankDesk:
        if "webhooks" not in self.api.urls:
            raise SystemExit("the run needs the webhooks service too (--url webhooks=...)")
        base = self.receiver.start()
        try:
            for bank, types in SUBSCRIBED.items():
                path = self.receiver.add(bank)
                made = self.api.call(
                    "webhooks",
                    "POST",
                    "/subscriptions",
                    "partner_bank",
                    claims=claims(bank),
                    key=f"{self.run_tag}:subscription:{slug(bank)}",
                    json={
                        "url": base + path,
                        "event_types": list(types),
                        "description": f"megp simulation {self.run_tag}",
                    },
                )
                inbox = self.inboxes[-1]
                inbox.secret, inbox.subscription_id = made["secret"], made["id"]
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stops delivering to the run's receiver (the subscriptions are disabled, their logs
        kept), then stops the receiver."""
        for inbox in self.inboxes:
            if inbox.subscription_id:
                self.api.try_call(
                    "webhooks",
                    "POST",
                    f"/subscriptions/{inbox.subscription_id}/disable",
                    "partner_bank",
                    claims=claims(inbox.bank),
                    key=f"{self.run_tag}:disable:{slug(inbox.bank)}",
                )
                inbox.subscription_id = ""
        self.receiver.stop()

    def wait_delivered(self, expected: dict[str, set[str]], timeout_s: float) -> bool:
        """Waits, at most `timeout_s`, until every subscriber has received every webhook-id
        expected of it, drawing the progress; whether they all arrived."""
        total = sum(len(ids) for ids in expected.values())
        bar = Progress("webhooks", total, self.quiet)
        t0 = time.monotonic()
        done = False
        while True:
            have = sum(
                len(expected.get(i.bank, set()) & self.receiver.received(i)) for i in self.inboxes
            )
            if have > bar.done:
                bar.step(have - bar.done, note="deliveries received")
            done = have >= total
            if done or time.monotonic() - t0 > timeout_s:
                break
            time.sleep(0.25)
        self.drained_s = time.monotonic() - t0
        return done


@dataclass(frozen=True)
class Concern:
    """An offered event of the run and the bank it concerns (None: no bank known)."""

    type: str
    bank: str | None
    group_id: str


def expected_deliveries(sim: Simulation, events: RunEvents) -> dict[str, Concern]:
    """By event id, every event of the run on `funds.events` and `credit.events` of a type
    some subscriber asked for, and the bank it concerns, in the topics' order (the first copy
    of a redelivered event decides)."""
    trust = {g.group_id: holder(g) for g in sim.groups}
    out: dict[str, Concern] = {}
    for eid, o in events.offered.items():  # the lender learnt as the topics were read
        bank = trust.get(str(o.fund_id)) if o.type in FUND_MOVEMENTS else o.lender
        out[eid] = Concern(o.type, bank, o.group_id)
    return out


def expected_ids(concerns: dict[str, Concern]) -> dict[str, set[str]]:
    """Per subscriber, the webhook-ids it should receive (`msg_<event id>`)."""
    return {
        bank: {f"msg_{eid}" for eid, c in concerns.items() if c.bank == bank and c.type in types}
        for bank, types in SUBSCRIBED.items()
    }
