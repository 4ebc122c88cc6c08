"""A seeded state-09 world built through the real APIs, and a walker over every running
service's OpenAPI, shared by the access-matrix and money-input tests.

The walker finds the operations from each service's own `/openapi.json`, so a route added
tomorrow is covered without touching the tests: its path parameters are filled from the world
by name, and a valid request body is generated from its JSON schema (a small deterministic
generator: examples, defaults, enums, formats, bounds), after which every id-like field is
overwritten, recursively, with the world's values.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from megp_common.auth import Role
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import funds as fnd
from megp_common.contracts import ip_counsel as ipc
from megp_common.events import make_event
from megp_common.launcher import Platform
from megp_common.money import AMOUNT_LIMITS
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.identifiers import random_company_rfc
from megp_common.testing.keys import key_writes

from .ip_counsel_world import (
    Circle,
    assign_counsellor,
    disclose,
    file_patent,
    innovation_committee,
    license_and_report,
    open_review,
    register_counsellor,
    secret_words,
)

STATE = "09"
OTHER_STATE = "15"
SERVICES = ("enrollment", "funds", "credit", "trade", "ip-counsel", "webhooks", "donors")
WRITES = frozenset({"post", "put", "patch", "delete"})
METHODS = WRITES | {"get"}
LENDER = "NAFIN"
CHAIN = "Abarrotes del Centro"  # the shop chain whose purchase order the world holds
TRUST_BANK = "Banorte"
TAKEOVER_BANK = "Banorte"  # a partner bank of credit's LENDER_RATES that may take lines over
NATIONAL: tuple[str, ...] = ("*",)

Header = Callable[..., dict[str, str]]  # (*roles, states=..., subject=..., **claims)
Json = Any


# -- the OpenAPI walker ---------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    spec: Mapping[str, Any] = field(repr=False, compare=False, hash=False)
    doc: Mapping[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def name(self) -> str:
        return f"{self.service} {self.method.upper()} {self.path}"

    @property
    def is_write(self) -> bool:
        return self.method in WRITES

    @property
    def parameters(self) -> list[Mapping[str, Any]]:
        return list(self.spec.get("parameters", []))

    def parameter(self, name: str) -> Mapping[str, Any] | None:
        return next((p for p in self.parameters if p["name"] == name), None)

    @property
    def body_schema(self) -> Mapping[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        return None if schema is None else self.resolve(schema)

    @property
    def body_required(self) -> bool:
        return bool(self.spec.get("requestBody", {}).get("required"))

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """`schema` with a top-level $ref followed (and an optional body's null dropped)."""
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            schema = self.doc["components"]["schemas"][name]
        options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
        if len(options) == 1 and "properties" not in schema:
            return self.resolve(options[0])
        return schema


def load_specs(platform: Platform) -> dict[str, dict[str, Any]]:
    """Each running service's OpenAPI document, read from the service itself."""
    specs = {}
    for name in SERVICES:
        response = httpx.get(f"{platform.processes[name].url}/openapi.json", timeout=30)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        specs[name] = response.json()
    return specs


def operations(specs: Mapping[str, Mapping[str, Any]], prefix: str = "/v1") -> list[Operation]:
    found = []
    for service, doc in specs.items():
        for path, item in doc["paths"].items():
            if not path.startswith(prefix):
                continue
            for method, spec in item.items():
                if method in METHODS:
                    found.append(Operation(service, method, path, spec, doc))
    return found


# -- a valid instance of a JSON schema ------------------------------------------------------


class Instances:
    """Valid request bodies: deterministic where the schema says enough (examples, defaults,
    enums, formats, bounds), otherwise one example of the pattern from hypothesis."""

    def __init__(self, world: World) -> None:
        self.world = world

    def body(self, op: Operation, *, optional: frozenset[str] = frozenset()) -> Json:
        """A valid body of `op` with the world's ids; optional properties named in `optional`
        are given too."""
        schema = op.body_schema
        if schema is None:
            return None
        fields = self.world.by_field()
        return self.world.with_ids(self.instance(op, schema, "", optional, fields), fields)

    def instance(
        self,
        op: Operation,
        schema: Mapping[str, Any],
        name: str,
        optional: frozenset[str],
        fields: Mapping[str, Any],
    ) -> Json:
        schema = op.resolve(schema)
        title = schema.get("title", "")
        special = self.world.special_body(title, fields)
        if special is not None:
            return special
        if name in fields:
            return fields[name]
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        if "x-megp-money" in schema:
            return _money_example(schema)
        if "examples" in schema:
            return schema["examples"][0]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            required = set(schema.get("required", []))
            return {
                key: self.instance(op, sub, key, optional, fields)
                for key, sub in schema.get("properties", {}).items()
                if key in required or key in optional
            }
        if kind == "array":
            count = max(1, int(schema.get("minItems", 1)))
            return [
                self.instance(op, schema["items"], name, optional, fields) for _ in range(count)
            ]
        if kind == "string":
            return _string(schema, self.world.today)
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return schema.get("minimum", 1)
        if kind == "boolean":
            return False
        raise AssertionError(f"no instance for {op.name} field {name!r}: {schema}")


def _money_example(schema: Mapping[str, Any]) -> str:
    for example in schema.get("examples", []):
        return str(example)
    return "100.00"


def _string(schema: Mapping[str, Any], today: date) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return today.isoformat()
    if fmt == "date-time":
        return datetime(today.year, today.month, today.day, 12, tzinfo=UTC).isoformat()
    if "pattern" in schema:
        return _pattern_example(schema["pattern"], int(schema.get("maxLength", 64)))
    return "x" * max(int(schema.get("minLength", 1)), 8)


_PATTERN_EXAMPLES: dict[str, str] = {}


_PATTERN_LOCK = threading.Lock()  # hypothesis runs one test at a time (each_at_once's threads)


def _pattern_example(pattern: str, max_length: int) -> str:
    with _PATTERN_LOCK:
        return _pattern_example_once(pattern, max_length)


def _pattern_example_once(pattern: str, max_length: int) -> str:
    if pattern not in _PATTERN_EXAMPLES:
        found: list[str] = []

        @settings(max_examples=30, database=None, suppress_health_check=list(HealthCheck))
        @given(st.from_regex(pattern, fullmatch=True).filter(lambda s: 0 < len(s) <= max_length))
        def pick(text: str) -> None:
            found.append(text)

        pick()
        _PATTERN_EXAMPLES[pattern] = min(found, key=len)
    return _PATTERN_EXAMPLES[pattern]


# -- sending many requests --------------------------------------------------------------------

#: requests in flight at once when a test sends many that do not depend on each other
IN_FLIGHT = 4

T = TypeVar("T")


def each_at_once(calls: Iterable[Callable[[], T]]) -> list[T]:
    """Every call's result in the calls' order, up to `IN_FLIGHT` of them running at once: the
    matrix's requests (refusals and reads of a world each test then checks unchanged) do not
    depend on one another, and one at a time the suite waited on every round trip in turn."""
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        return list(pool.map(lambda call: call(), calls))


# -- the world --------------------------------------------------------------------------------


def uid(prefix: str) -> str:
    return f"{prefix}-{random.getrandbits(48):012x}"


_LATER = object()
_CLIENTS_LOCK = threading.Lock()


class _ByField(dict[str, Any]):
    """A world's fields by name whose values marked `_LATER` are computed when first read."""

    def __init__(self, later: Callable[[], Any], values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self._later = later

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if value is _LATER:
            value = self._later()
            self[key] = value
        return value


@dataclass
class World:
    """One state-09 programme: a project and its active group with five members, an ODF and a
    board representative, a Support Committee with a member and a candidate, two business
    plans, the group's fund with a grant and a temporary contribution, a credit line, a loan
    (applied for, not decided), a lease, a product on sale with an order reserving a unit, a
    shop chain's purchase order waiting for the ODF's decision, a purchasing round whose quote
    was chosen and whose shares the ODF asked credit to finance (a pending financing request in
    credit), and two members' invention disclosure with its counsellor, a session and an open
    review; and a trade center of the group's ODF and the day's USD rate."""

    platform: Platform
    header: Header
    drive: Driver
    today: date
    group: dict[str, Any]
    members: list[str]
    ids: dict[str, str]
    frozen_at: datetime
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    # -- who is who

    @property
    def rep(self) -> str:
        return self.members[0]

    @property
    def member(self) -> str:
        """A member with a business plan, a fund share and a lease."""
        return self.members[1]

    @property
    def other(self) -> str:
        return self.members[2]

    @property
    def sitting(self) -> str:
        """The member who sits on the Support Committee."""
        return self.members[4]

    @property
    def odf_id(self) -> str:
        return self.ids["odf_id"]

    def as_(
        self, *roles: Role | str, states: tuple[str, ...] = (STATE,), **claims: Any
    ) -> dict[str, str]:
        subject = claims.pop("subject", None) or "-".join(str(r) for r in roles) + "-" + uid("s")
        return self.header(*roles, states=states, subject=subject, **claims)

    @property
    def supervisor(self) -> dict[str, str]:
        return self.header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject="world-reader")

    def url(self, service: str) -> str:
        return self.platform.processes[service].url

    def client(self, service: str) -> httpx.Client:
        with _CLIENTS_LOCK:  # one client per service, whichever of each_at_once's threads asks
            if service not in self.clients:
                self.clients[service] = httpx.Client(
                    base_url=self.url(service),
                    timeout=60,
                    event_hooks={"request": [key_writes]},
                    # idle connections dropped before uvicorn's keep-alive (5 s) closes them:
                    # a request sent on one it is closing gets no answer (seen with several
                    # connections per service in flight)
                    limits=httpx.Limits(keepalive_expiry=2.0),
                )
            return self.clients[service]

    def close(self) -> None:
        for c in self.clients.values():
            c.close()
        self.drive.client.close()

    # -- filling requests

    @property
    def clock_instant(self) -> str:
        """A move of the shared clock (a minute on: nothing falls due if it is wrongly taken)."""
        now = _clock_now(self.url("enrollment"), self.supervisor)
        return (now + timedelta(minutes=1)).isoformat()

    def by_field(self) -> dict[str, Any]:
        """Body fields that name something of the world, by name (wherever they are nested).
        The clock's `instant` is read from enrollment only when a body names it (it was one
        more GET for every request with a body)."""
        return _ByField(
            lambda: self.clock_instant,
            {
                "group_id": self.ids["group_id"],
                "participant_id": self.member,
                "borrower_id": self.odf_id,
                "lessee_id": self.member,
                "to_participant_id": self.other,
                "candidate_id": self.ids["candidate_id"],
                "project_id": self.ids["project_id"],
                "state_code": STATE,
                "start_date": self.ids["period_start"],
                "period_start": self.ids["period_start"],
                "first_due": self.ids["first_due"],
                "rfc": random_company_rfc(random.Random()),
                "trust_bank": TRUST_BANK,
                "letter_of_commitment": Driver.letter(),
                "functions": ["production"],
                "instant": _LATER,
                "return_due_on": (self.today + timedelta(days=90)).isoformat(),
                "product_id": self.ids["product_id"],
                "group_ids": [self.ids["group_id"]],
                "quote_id": self.ids["quote_id"],
                "closes_at": (self.frozen_at + timedelta(days=14)).isoformat(),
                "valid_until": (self.today + timedelta(days=60)).isoformat(),
                "deliver_on": (self.today + timedelta(days=30)).isoformat(),
                "counsellor_id": self.ids["counsellor_id"],
                "disclosure_id": self.ids["disclosure_id"],
                "states": [STATE],
                "odf_ids": [self.odf_id],
            },
        )

    def with_ids(self, value: Json, ids: Mapping[str, Any] | None = None) -> Json:
        """`value` with every id-like field replaced by the world's, recursively."""
        ids = self.by_field() if ids is None else ids
        if isinstance(value, dict):
            return {
                k: ids[k] if k in ids and not isinstance(v, dict) else self.with_ids(v, ids)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.with_ids(v, ids) for v in value]
        return value

    def special_body(self, title: str, fields: Mapping[str, Any]) -> Json | None:
        """Whole sub-schemas whose validity depends on more than their fields' shapes."""
        if title == "ParticipantCreate":
            return self.drive.participant_body()
        if title == "ProjectCreate":
            return self.drive.project_body()
        if title == "ClockUpdate":
            return {"instant": fields["instant"], "frozen": True}
        return None

    def path_values(self) -> dict[str, str]:
        return {
            "group_id": self.ids["group_id"],
            "participant_id": self.member,
            "project_id": self.ids["project_id"],
            "committee_id": self.ids["committee_id"],
            "member_id": self.ids["member_id"],
            "fund_id": self.ids["group_id"],
            "loan_id": self.ids["loan_id"],
            "lease_id": self.ids["lease_id"],
            "entry_id": self.ids["entry_id"],
            "inflow_entry_id": self.ids["inflow_entry_id"],
            "seat_id": self.ids["seat_id"],
            "period_start": self.ids["period_start"],
            "number": "1",
            "version": "1",  # the fund's reconciliation of the world's first day
            "bank": TRUST_BANK,
            "lender": LENDER,  # the world's line's lender (its creditworthiness view)
            "product_id": self.ids["product_id"],
            "order_id": self.ids["order_id"],
            # the world's order is unpaid, so it has no return: a decision on this one is a
            # 404 to its ODF, and a 403 or 404 to everyone else (what the matrix checks)
            "return_id": "no-such-return",
            "round_id": self.ids["round_id"],
            "purchase_order_id": self.ids["purchase_order_id"],
            "disclosure_id": self.ids["disclosure_id"],
            "review_id": self.ids["review_id"],
            "counsellor_id": self.ids["counsellor_id"],
            "request_id": self.ids["request_id"],
            "subscription_id": self.ids["subscription_id"],
            # the world's subscription has no delivery: a replay is a 404 to its bank, a 403 or
            # 404 to everyone else
            "delivery_id": "no-such-delivery",
            "licence_id": self.ids["licence_id"],
            "report_id": self.ids["report_id"],
            "channel_id": self.ids["channel_id"],
            "currency": "USD",
            "rate_date": self.ids["rate_date"],
            "filing_id": self.ids["filing_id"],
            "spending_request_id": self.ids["spending_request_id"],
            "association_id": self.ids["association_id"],
            "donation_id": self.ids["donation_id"],
            "programme_id": self.ids["programme_id"],
            "pledge_id": self.ids["pledge_id"],
            "period": self.ids["period_start"][:7],
        }

    def path_of(self, op: Operation) -> str:
        values = self.path_values()
        names = re.findall(r"{(\w+)}", op.path)
        missing = [n for n in names if n not in values]
        assert not missing, f"{op.name}: the world has no value for {missing}; add one"
        return op.path.format(**{n: values[n] for n in names})

    def query_of(self, op: Operation) -> dict[str, str]:
        """Query parameters that name the world's records (a filter an outsider might try)."""
        values = self.path_values() | {"state_code": STATE}
        return {
            p["name"]: values[p["name"]]
            for p in op.parameters
            if p["in"] == "query" and p["name"] in values
        }

    def headers_of(self, op: Operation) -> dict[str, str]:
        """If-Match for the routes that take it: the record's current ETag."""
        if op.parameter("If-Match") is None:
            return {}
        current = self.client(op.service).get(self.path_of(op), headers=self.supervisor)
        assert current.status_code == 200, f"{op.name}: {current.text}"
        return {"If-Match": current.headers["ETag"]}

    def authorized(self, op: Operation) -> dict[str, str]:
        """A token in state 09 with the role that performs `op` (its natural caller)."""
        path = op.path
        if op.service == "donors":
            return self.donors_caller(path)
        if path.endswith("/contributions"):  # a gift that came by no portal
            return self.as_(Role.PROGRAMME_SUPERVISOR)
        if path.endswith("/competition-spends") or "/board/" in path or "/spending-" in path:
            return self.as_(Role.BOARD_REPRESENTATIVE, participant_id=self.rep)
        if path.endswith("/withdrawals") or path.endswith("/transfer"):
            return self.as_(Role.PARTICIPANT, participant_id=self.member)
        if "/rents/" in path or path.endswith("/purchase"):
            return self.as_(Role.PARTICIPANT, participant_id=self.member)
        if path.endswith("/candidates"):
            return self.as_(Role.COMMITTEE_MEMBER)
        if path.startswith("/v1/purchase-orders") and path.endswith(
            ("/purchase-orders", "/withdrawal")
        ):
            return self.as_(Role.PARTICIPANT, organization=CHAIN, subject="world-chain")
        if path.endswith(("/bank-statements", "/bank-deposits", "/bank-deposit-notifications")):
            return self.as_(Role.PARTNER_BANK, organization=TRUST_BANK)  # the fund's trust bank
        if path.startswith(("/v1/subscriptions", "/v1/notices")):  # a bank's own, national
            return self.header(
                Role.PARTNER_BANK, states=NATIONAL, organization=LENDER, subject=uid("bank")
            )
        if path.endswith("/takeover"):  # a partner bank offers to take the line over
            return self.as_(Role.PARTNER_BANK, organization=TAKEOVER_BANK)
        if path.endswith(("/lender-approval", "/disbursement", "/consent", "/takeover/refusal")):
            return self.as_(Role.PARTNER_BANK, organization=LENDER)
        if path.endswith(("/board-approval", "/rejection")):
            return self.as_(Role.BOARD_REPRESENTATIVE, participant_id=self.rep)
        if path.startswith("/v1/licences"):  # the inventors record their licences
            return self.as_(Role.PARTICIPANT, participant_id=self.members[2], subject=uid("inv"))
        if path.endswith("/reversal") or path in ("/v1/admin/clock", "/v1/exchange-rates"):
            return self.header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject=uid("sup"))
        return self.as_(Role.ODF_STAFF)

    def donors_caller(self, path: str) -> dict[str, str]:
        """The world association's portal gives and refunds, its co-funder confirms and pays,
        a national supervisor registers associations and opens programmes."""
        if path.startswith("/v1/pledges/"):
            return self.header(
                Role.PROGRAMME_SUPERVISOR, states=NATIONAL, organization=DONORS_COFUNDER
            )
        if path.startswith("/v1/donations"):
            return self.as_(Role.DONOR_PORTAL, organization=self.ids["association_id"])
        return self.header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject=uid("sup"))

    # -- what must not change

    def snapshot_urls(self) -> list[tuple[str, str]]:
        g, pid, c = self.ids["group_id"], self.member, self.ids["committee_id"]
        urls = [
            ("enrollment", f"/v1/groups/{g}"),
            ("enrollment", f"/v1/groups/{g}/members"),
            ("webhooks", f"/v1/subscriptions/{self.ids['subscription_id']}"),
            ("enrollment", f"/v1/groups/{g}/board"),
            ("enrollment", f"/v1/projects/{self.ids['project_id']}"),
            ("enrollment", f"/v1/committees/{c}"),
            ("enrollment", f"/v1/committees/{c}/members"),
            ("enrollment", f"/v1/committees/{c}/candidates"),
            ("enrollment", f"/v1/groups/{g}/business-plans"),
            ("enrollment", f"/v1/groups/{g}/business-plans/{pid}/periods"),
            ("enrollment", f"/v1/participants?state_code={STATE}&group_id={g}"),
            ("enrollment", f"/v1/groups/{g}/periods/{self.ids['period_start']}"),
            ("funds", f"/v1/funds/{g}"),
            ("funds", f"/v1/funds/{g}/journal?limit=200"),
            ("funds", f"/v1/funds/{g}/obligations"),
            ("funds", f"/v1/funds/{g}/debts"),
            ("funds", f"/v1/funds/{g}/notices"),
            ("credit", f"/v1/lines/{g}"),
            ("credit", f"/v1/loans/{self.ids['loan_id']}"),
            ("credit", f"/v1/leases/{self.ids['lease_id']}"),
            ("trade", f"/v1/products/{self.ids['product_id']}"),
            ("trade", f"/v1/orders/{self.ids['order_id']}"),
            ("trade", f"/v1/purchasing-rounds/{self.ids['round_id']}"),
            ("trade", f"/v1/purchase-orders/{self.ids['purchase_order_id']}"),
            ("trade", f"/v1/purchase-orders?group_id={g}"),
            ("ip-counsel", f"/v1/disclosures/{self.ids['disclosure_id']}"),
            ("ip-counsel", f"/v1/disclosures/{self.ids['disclosure_id']}/sessions"),
            ("ip-counsel", f"/v1/licences/{self.ids['licence_id']}"),
            ("ip-counsel", f"/v1/disclosures/{self.ids['disclosure_id']}/access-log"),
            (
                "ip-counsel",
                f"/v1/disclosures/{self.ids['disclosure_id']}/reviews/{self.ids['review_id']}",
            ),
            ("credit", f"/v1/financing-requests/{self.ids['request_id']}"),
            ("trade", f"/v1/channels/{self.ids['channel_id']}"),
            ("ip-counsel", f"/v1/filings/{self.ids['filing_id']}"),
            ("funds", f"/v1/funds/{g}/spending-requests"),
            ("donors", f"/v1/associations/{self.ids['association_id']}"),
            ("donors", f"/v1/donations/{self.ids['donation_id']}"),
            ("donors", f"/v1/pledges/{self.ids['pledge_id']}"),
        ]
        urls += [("enrollment", f"/v1/participants/{m}") for m in self.members]
        return urls

    def snapshot(self) -> dict[str, Any]:
        """The seeded records as their owners show them (versions, ETags, the journal)."""
        shot: dict[str, Any] = {}
        for service, path in self.snapshot_urls():
            r = self.client(service).get(path, headers=self.supervisor)
            assert r.status_code == 200, f"{service} {path}: {r.status_code} {r.text}"
            shot[f"{service} {path}"] = (r.headers.get("ETag"), r.json())
        return shot

    def settled_snapshot(self, timeout_s: float = 30.0) -> dict[str, Any]:
        """A snapshot that stays the same for a second: the events of the last writes have
        reached every consumer."""
        deadline = time.monotonic() + timeout_s
        last = self.snapshot()
        while True:
            time.sleep(1.0)
            now = self.snapshot()
            if now == last:
                return now
            assert time.monotonic() < deadline, "the world never settled"
            last = now

    def assert_unchanged(self, before: Mapping[str, Any]) -> None:
        after = self.snapshot()
        changed = [k for k in before if before[k] != after.get(k)]
        assert not changed, "the world changed: " + "; ".join(
            f"{k}: {before[k]} -> {after.get(k)}" for k in changed
        )
        journal = f"funds /v1/funds/{self.ids['group_id']}/journal?limit=200"
        assert len(after[journal][1]["items"]) == len(before[journal][1]["items"])


def _clock_now(url: str, header: dict[str, str]) -> datetime:
    return datetime.fromisoformat(httpx.get(f"{url}/v1/admin/clock", headers=header).json()["now"])


def _freeze_clock(platform: Platform, header: dict[str, str]) -> datetime:
    """Freeze the shared clock (a little ahead, never backwards) so nothing falls due."""
    url = platform.processes["enrollment"].url
    instant = _clock_now(url, header) + timedelta(minutes=1)
    r = httpx.put(
        f"{url}/v1/admin/clock",
        json={"instant": instant.isoformat(), "frozen": True},
        headers=header,
    )
    assert r.status_code == 200, r.text
    version = r.json()["version"]
    deadline = time.monotonic() + 20
    for name in ("funds", "credit"):
        other = platform.processes[name].url
        while httpx.get(f"{other}/v1/admin/clock", headers=header).json()["version"] < version:
            assert time.monotonic() < deadline, f"{name} did not see the clock move"
            time.sleep(0.1)
    return _clock_now(url, header)


def _eventually(fetch: Callable[[], httpx.Response], what: str, timeout_s: float = 30.0) -> Json:
    deadline = time.monotonic() + timeout_s
    while True:
        r = fetch()
        if r.status_code == 200:
            return r.json()
        assert time.monotonic() < deadline, f"{what}: {r.status_code} {r.text}"
        time.sleep(0.2)


async def _publish_line(kafka: str, world_ids: Mapping[str, str], today: date) -> None:
    """What funds publishes when a fund's first three months close: credit opens the line."""
    g = world_ids["group_id"]
    bus = KafkaBus(kafka, service="matrix-e2e")
    await bus.start()
    try:
        payload = fnd.FundInitialPeriodClosed(
            fund_id=g,
            group_id=g,
            state_code=STATE,
            odf_id=world_ids["odf_id"],
            period_start=today - timedelta(days=91),
            period_end=today - timedelta(days=1),
            total_deposited=Decimal("50000.00"),
            other_inflows=Decimal("0"),
            closed_at=datetime.now(UTC),
        )
        envelope = make_event(
            payload, source="/megp/funds", key=g, time=datetime.now(UTC), state=STATE
        )
        await bus.publish_many(
            [OutgoingRecord("funds.events", g, envelope.to_json(), payload.event_type)]
        )
    finally:
        await bus.stop()


def build_world(platform: Platform, header: Header, kafka: str) -> World:
    national = header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject="world-builder")
    frozen_at = _freeze_clock(platform, national)
    today = frozen_at.date()
    drive = Driver(platform.processes["enrollment"].url, header, state=STATE)
    group, members = drive.active_group(members=5)
    gid = group["id"]
    staff = drive.staff
    board = f"/groups/{gid}/board"
    # the group appoints its first representative (a member decides, not staff)
    ok(
        drive.client.post(
            f"{board}/representatives",
            json={"participant_id": members[0]},
            headers=drive.as_("participant", participant_id=members[1]),
        ),
        201,
    )
    seat = ok(drive.client.get(board, headers=staff))["representatives"][0]["seat_id"]
    committee = ok(
        drive.client.post(
            "/committees",
            json={"kind": "support", "name": "Comité de apoyo", "project_id": group["project_id"]},
            headers=staff,
        ),
        201,
    )
    seated = ok(
        drive.client.post(
            f"/committees/{committee['id']}/members",
            json={
                "name": "Cámara de Comercio",
                "role": "local",
                "participant_id": members[4],
                "supports": ["purchase_orders", "propose_director_general"],
            },
            headers=staff,
        ),
        201,
    )
    candidate = ok(
        drive.client.post(
            f"/committees/{committee['id']}/candidates",
            json={"position": "special_member", "name": "Ing. Rosa", "profile": "twenty years"},
            headers=drive.as_("committee_member", subject="world-cm"),
        ),
        201,
    )
    start = today.replace(day=1)  # the plans' first period has begun: income is recorded
    for pid in members[1:3]:
        drive.agree_plan(gid, pid, start, key=uid("plan"))
    ok(
        drive.client.post(
            f"/groups/{gid}/business-plans/{members[1]}/periods/{start.isoformat()}/income",
            json={"income": "12000.00"},
            headers=staff,
        )
    )

    funds = platform.processes["funds"].url
    fund_path = f"{funds}/v1/funds/{gid}"
    fund = _eventually(lambda: httpx.get(fund_path, headers=national), "the fund never opened")
    donor = header(Role.PROGRAMME_SUPERVISOR, states=(STATE,), subject="world-donor")
    grant = {"donor": "Club Zacatecano", "source": "immigrant_association", "amount": "20000.00"}
    posted = httpx.post(
        f"{fund_path}/contributions", json=grant, headers=donor | {"Idempotency-Key": uid("g")}
    )
    assert posted.status_code == 201, posted.text
    temporary = grant | {
        "amount": "3000.00",
        "return_due_on": (today + timedelta(days=60)).isoformat(),
    }
    lent = httpx.post(
        f"{fund_path}/contributions", json=temporary, headers=donor | {"Idempotency-Key": uid("t")}
    )
    assert lent.status_code == 201, lent.text
    # the trust bank reconciles its statement of the day: the fund's reconciliation 1
    bank = header(Role.PARTNER_BANK, states=(STATE,), organization=TRUST_BANK, subject="world-bank")
    day = {"from": today.isoformat(), "to": today.isoformat(), "format": "camt053"}
    camt = httpx.get(f"{fund_path}/bank-statement", params=day, headers=bank)
    assert camt.status_code == 200, camt.text
    upload = httpx.post(
        f"{fund_path}/bank-statements",
        json={"document": camt.text},
        headers=bank | {"Idempotency-Key": uid("camt")},
    )
    assert upload.status_code == 201 and upload.json()["version"] == 1, upload.text

    ids = {
        "group_id": gid,
        "project_id": group["project_id"],
        "odf_id": fund.get("odf_id") or group["odf"]["odf_id"],
        "committee_id": committee["id"],
        "member_id": seated["id"] if "id" in seated else seated["member_id"],
        "candidate_id": candidate["candidate_id"],
        "seat_id": seat,
        "period_start": start.isoformat(),
        "first_due": Driver.first_of_next_month(Driver.first_of_next_month(today)).isoformat(),
        "entry_id": posted.json()["id"],
        "inflow_entry_id": lent.json()["id"],
    }
    asyncio.run(_publish_line(kafka, ids, today))
    credit = platform.processes["credit"].url
    _eventually(lambda: httpx.get(f"{credit}/v1/lines/{gid}", headers=national), "no line")
    odf_staff = header(Role.ODF_STAFF, states=(STATE,), subject="world-odf")
    loan = httpx.post(
        f"{credit}/v1/loans",
        json={
            "group_id": gid,
            "borrower_kind": "odf",
            "borrower_id": ids["odf_id"],
            "amount": "1000.00",
            "purpose": "a kiln",
            "term_months": 3,
        },
        headers=odf_staff | {"Idempotency-Key": uid("loan")},
    )
    assert loan.status_code == 201, loan.text
    lease = httpx.post(
        f"{credit}/v1/leases",
        json={
            "group_id": gid,
            "asset": "a potter's wheel",
            "lessee_id": members[1],
            "rent": "100.00",
            "term_months": 2,
            "first_due": ids["first_due"],
            "purchase_price": "1.00",
        },
        headers=odf_staff | {"Idempotency-Key": uid("lease")},
    )
    assert lease.status_code == 201, lease.text
    ids |= {"loan_id": loan.json()["id"], "lease_id": lease.json()["id"]}
    ids |= _trade_world(platform, header, gid, members[1])
    ids |= _purchasing_world(platform, header, gid, members[1:3])
    # the round above closed a minute on: the clock stays frozen there
    frozen_at = _freeze_clock(platform, national)
    ids |= _purchasing_choice(platform, header, gid, ids)
    ids |= _ip_counsel_world(platform, header, drive, group, members[2:4])
    ids |= _fee_asked_of_the_fund(platform, kafka, ids, members[2], national)
    ids |= _purchasing_financing(platform, header, ids)
    ids |= _webhooks_world(platform, header)
    ids |= _donors_world(platform, header, gid, frozen_at)
    return World(platform, header, drive, today, group, members, ids, frozen_at)


def _webhooks_world(platform: Platform, header: Header) -> dict[str, str]:
    """The lender's subscription to its loans' events (nothing listens there)."""
    made = httpx.post(
        f"{platform.processes['webhooks'].url}/v1/subscriptions",
        json={"url": "https://bank.example/megp-hooks", "event_types": ["credit.LoanApproved"]},
        headers=header(Role.PARTNER_BANK, states=NATIONAL, organization=LENDER)
        | {"Idempotency-Key": uid("subscription")},
    )
    assert made.status_code == 201, made.text
    return {"subscription_id": made.json()["id"]}


DONORS_COFUNDER = "world-federal"


def _donors_world(platform: Platform, header: Header, gid: str, now: datetime) -> dict[str, str]:
    """An association of the state's emigrants, a matching programme of the state, and a peso
    donation to the world's group inside it, booked by funds and receipted."""
    donors = platform.processes["donors"].url
    national = header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject="world-donors")
    made = httpx.post(
        f"{donors}/v1/associations",
        json={
            "name": "Club Capitalino",
            "country": "US",
            "city": "Houston",
            "origin_state_code": STATE,
        },
        headers=national | {"Idempotency-Key": uid("association")},
    )
    assert made.status_code == 201, made.text
    association = made.json()["id"]
    portal = header(Role.DONOR_PORTAL, states=(STATE,), organization=association)
    _eventually(
        lambda: httpx.get(f"{donors}/v1/projects/{gid}", headers=portal), "donors never saw it"
    )
    programme = httpx.post(
        f"{donors}/v1/matching-programmes",
        json={
            "name": "1x1 CDMX",
            "cofunders": [
                {"id": DONORS_COFUNDER, "name": "Federal", "tier": "federal", "ratio": "1"}
            ],
            "caps": {"programme": "1000000.00"},
            "eligible_states": [STATE],
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=3650)).isoformat(),
        },
        headers=national | {"Idempotency-Key": uid("programme")},
    )
    assert programme.status_code == 201, programme.text
    gift = {
        "portal_donation_id": uid("donation"),
        "group_id": gid,
        "amount": "1000.00",
        "currency": "MXN",
        "programme_id": programme.json()["id"],
    }

    def given() -> httpx.Response:
        return httpx.post(
            f"{donors}/v1/donations", json=gift, headers=portal | {"Idempotency-Key": uid("d")}
        )

    donation = given()
    assert donation.status_code == 201, donation.text
    path = f"{donors}/v1/donations/{donation.json()['id']}/receipt"
    _eventually(lambda: httpx.get(path, headers=portal), "the donation was never receipted")
    return {
        "association_id": association,
        "programme_id": programme.json()["id"],
        "donation_id": donation.json()["id"],
        "pledge_id": donation.json()["pledges"][0]["id"],
    }


def _fee_asked_of_the_fund(
    platform: Platform, kafka: str, ids: Mapping[str, str], inventor: str, national: dict[str, str]
) -> dict[str, str]:
    """What ip-counsel publishes when the inventors ask the Competition Sub-Fund to pay a fee
    of their filing: funds keeps a pending spending request, which only the board approves."""
    g, filing = ids["group_id"], ids["filing_id"]
    asked = ipc.FeeFinancingRequested(
        filing_id=filing,
        disclosure_id=ids["disclosure_id"],
        group_id=g,
        state_code=STATE,
        deadline_id="world-fee",
        kind="grant",
        amount=Decimal("900.00"),
        due_on=date.fromisoformat(ids["period_start"]) + timedelta(days=400),
        source="competition_fund",
        purpose="scientific_technological_research",
        requested_by=inventor,
        requested_on=date.fromisoformat(ids["period_start"]),
    )

    async def publish() -> None:
        bus = KafkaBus(kafka, service="matrix-e2e")
        await bus.start()
        try:
            made = make_event(
                asked, source="/megp/ip-counsel", key=g, time=datetime.now(UTC), state=STATE
            )
            await bus.publish_many(
                [OutgoingRecord("ip-counsel.events", g, made.to_json(), asked.event_type)]
            )
        finally:
            await bus.stop()

    asyncio.run(publish())
    funds = platform.processes["funds"].url
    request_id = f"impi-fee-{filing}-world-fee"
    deadline = time.monotonic() + 30
    while True:
        found = httpx.get(f"{funds}/v1/funds/{g}/spending-requests", headers=national).json()
        if any(r["id"] == request_id for r in found):
            return {"spending_request_id": request_id}
        assert time.monotonic() < deadline, f"funds never recorded the world's fee: {found}"
        time.sleep(0.2)


def _ip_counsel_world(
    platform: Platform, header: Header, drive: Driver, group: dict[str, Any], inventors: list[str]
) -> dict[str, str]:
    """Two members become inventors; the project gets an Innovation Committee (a professor);
    a counsellor is registered and assigned to their disclosure, counsels once, and the
    committee's review of it is open with the professor's score."""
    for pid in inventors:
        etag = drive.client.get(f"/participants/{pid}", headers=drive.staff).headers["ETag"]
        ok(
            drive.client.patch(
                f"/participants/{pid}",
                json={"inventor": True},
                headers=drive.staff | {"If-Match": etag},
            )
        )
    committee, professor, _, _ = innovation_committee(drive, group["project_id"], inventors[1])
    ip = platform.processes["ip-counsel"].url
    counsellor_id, subject = register_counsellor(ip, header)
    circle = Circle(
        ip=ip,
        header=header,
        state=STATE,
        group_id=group["id"],
        project_id=group["project_id"],
        inventors=inventors,
        member="",
        committee_id=committee,
        professor=professor,
        student="",
        coordinator="",
        counsellor_id=counsellor_id,
        counsellor_subject=subject,
        words=secret_words(random.Random()),
    )
    disclose(circle)
    assign_counsellor(circle)
    session = {"held_on": _clock_now(ip, circle.supervisor).date().isoformat(), "advice": "x"}
    r = httpx.post(
        f"{ip}/v1/disclosures/{circle.disclosure_id}/sessions",
        json=session,
        headers=circle.counsellor() | {"Idempotency-Key": uid("session")},
    )
    assert r.status_code == 201, r.text
    open_review(circle)
    marks = dict.fromkeys(("secrecy", "originality", "excellence", "authenticity", "market_fit"), 4)
    r = httpx.post(
        f"{ip}/v1/disclosures/{circle.disclosure_id}/reviews/{circle.review_id}/scores",
        json={"scores": marks},
        headers=circle.reviewer() | {"Idempotency-Key": uid("score")},
    )
    assert r.status_code == 200, r.text
    licence_id, report_id = license_and_report(circle)
    return {
        "licence_id": licence_id,
        "report_id": report_id,
        "disclosure_id": circle.disclosure_id,
        "review_id": circle.review_id,
        "counsellor_id": counsellor_id,
        "innovation_committee_id": committee,
        "filing_id": file_patent(circle)[1],
    }


def _trade_world(platform: Platform, header: Header, gid: str, producer: str) -> dict[str, str]:
    """A product of the group's member, listed by its ODF once trade has learnt the group, and
    an order of one unit by a buyer of the state (reserved, not paid), and a shop chain's
    purchase order of two units that the ODF has not decided on."""
    trade = platform.processes["trade"].url
    staff = header(Role.ODF_STAFF, states=(STATE,), subject="world-odf")
    body = {
        "group_id": gid,
        "producer_id": producer,
        "name": "jarro de barro",
        "category": "pottery",
        "niche": "fair-trade shops",
        "unit": "piece",
        "price_mxn": "150.00",
        "stock": 20,
    }
    listed = _eventually(
        lambda: _created(
            httpx.post(
                f"{trade}/v1/products",
                json=body,
                headers=staff | {"Idempotency-Key": uid("product")},
            )
        ),
        "trade never learnt the group",
    )
    buyer = header(Role.PARTICIPANT, states=(STATE,), subject="world-buyer")
    order = httpx.post(
        f"{trade}/v1/orders",
        json={"lines": [{"product_id": listed["id"], "quantity": 1}]},
        headers=buyer | {"Idempotency-Key": uid("order")},
    )
    assert order.status_code == 201, order.text
    today = _clock_now(trade, header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject="w"))
    chain = header(Role.PARTICIPANT, states=(STATE,), subject="world-chain", organization=CHAIN)
    po = httpx.post(
        f"{trade}/v1/purchase-orders",
        json={
            "group_id": gid,
            "buyer_kind": "chain",
            "lines": [
                {
                    "product_id": listed["id"],
                    "quantity": 2,
                    "deliver_on": (today.date() + timedelta(days=30)).isoformat(),
                    "unit_price": "140.00",
                }
            ],
        },
        headers=chain | {"Idempotency-Key": uid("po")},
    )
    assert po.status_code == 201, po.text
    center = httpx.post(
        f"{trade}/v1/channels",
        json={
            "kind": "trade_center",
            "name": "Casa de las Artesanías",
            "fee_rate": "0.08",
            "logistics_rate": "0.04",
            "states": [STATE],
            "odf_ids": [listed["odf_id"]],
        },
        headers=staff | {"Idempotency-Key": uid("channel")},
    )
    assert center.status_code == 201, center.text
    national = header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject="world-rates")
    rate_day = _clock_now(trade, national).date().isoformat()
    rate = httpx.post(
        f"{trade}/v1/exchange-rates",
        json={"currency": "USD", "on": rate_day, "exchange_rate": "17.250000"},
        headers=national | {"Idempotency-Key": uid("rate")},
    )
    assert rate.status_code in (201, 409), rate.text  # 409: recorded already, at another rate
    return {
        "product_id": listed["id"],
        "order_id": order.json()["id"],
        "purchase_order_id": po.json()["id"],
        "channel_id": center.json()["id"],
        "rate_date": rate_day,
    }


def _purchasing_world(
    platform: Platform, header: Header, gid: str, buyers: list[str]
) -> dict[str, str]:
    """A collective purchasing round of the group's ODF, closing 30 s on, two members'
    demand and a supplier's quote (closed and chosen once the clock moved, see below)."""
    trade = platform.processes["trade"].url
    staff = header(Role.ODF_STAFF, states=(STATE,), subject="world-odf")
    now = _clock_now(trade, header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject="w"))
    opened = httpx.post(
        f"{trade}/v1/purchasing-rounds",
        json={
            "group_ids": [gid],
            "item": "barro rojo",
            "kind": "raw_material",
            "unit": "kg",
            "closes_at": (now + timedelta(seconds=30)).isoformat(),
        },
        headers=staff | {"Idempotency-Key": uid("round")},
    )
    assert opened.status_code == 201, opened.text
    round_id = opened.json()["id"]
    for buyer, quantity in zip(buyers, (7, 3), strict=True):
        demand = httpx.post(
            f"{trade}/v1/purchasing-rounds/{round_id}/demands",
            json={"participant_id": buyer, "group_id": gid, "quantity": quantity},
            headers=staff | {"Idempotency-Key": uid("demand")},
        )
        assert demand.status_code == 200, demand.text
    quoted = httpx.post(
        f"{trade}/v1/purchasing-rounds/{round_id}/quotes",
        json={
            "supplier_id": "world-supplier",
            "supplier_name": "Barros del Centro",
            "tiers": [
                {"min_quantity": 1, "unit_price": "12.3333"},
                {"min_quantity": 10, "unit_price": "10.0001"},
            ],
            "delivery_charge": "40.00",
        },
        headers=staff | {"Idempotency-Key": uid("quote")},
    )
    assert quoted.status_code == 201, quoted.text
    return {"round_id": round_id, "quote_id": quoted.json()["quotes"][0]["quote_id"]}


def _purchasing_choice(
    platform: Platform, header: Header, gid: str, ids: Mapping[str, str]
) -> dict[str, str]:
    """The round closes (the clock moved past its date) and the ODF's staff choose the quote."""
    trade = platform.processes["trade"].url
    staff = header(Role.ODF_STAFF, states=(STATE,), subject="world-odf")
    rounds = f"{trade}/v1/purchasing-rounds/{ids['round_id']}"

    def closed() -> httpx.Response:
        # trade follows the shared clock a moment after the move
        return httpx.post(f"{rounds}/closing", headers=staff | {"Idempotency-Key": uid("close")})

    _eventually(closed, "the round never closed")
    chosen = httpx.post(
        f"{rounds}/choice",
        json={"quote_id": ids["quote_id"], "group_id": gid},
        headers=staff | {"Idempotency-Key": uid("choice")},
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["status"] == "allocated", chosen.text
    return {}


def _purchasing_financing(
    platform: Platform, header: Header, ids: Mapping[str, str]
) -> dict[str, str]:
    """The ODF asks for the round's (unpaid) shares to be financed; credit records the pending
    request from trade's event (completed by nobody: the matrix checks no outsider does)."""
    trade, credit = platform.processes["trade"].url, platform.processes["credit"].url
    staff = header(Role.ODF_STAFF, states=(STATE,), subject="world-odf")
    asked = httpx.post(
        f"{trade}/v1/purchasing-rounds/{ids['round_id']}/financing",
        headers=staff | {"Idempotency-Key": uid("financing")},
    )
    assert asked.status_code == 200, asked.text
    request_id = asked.json()["financing"]["financing_id"]
    reader = header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject="w")
    _eventually(
        lambda: httpx.get(f"{credit}/v1/financing-requests/{request_id}", headers=reader),
        "credit never recorded the round's financing request",
    )
    return {"request_id": request_id}


def _created(r: httpx.Response) -> httpx.Response:
    """A 201 read as the 200 `_eventually` waits for (a 404 until the group is known)."""
    if r.status_code == 201:
        r.status_code = 200
    return r


def every_id(world: World) -> set[str]:
    """The world's identifiers an outsider must never see."""
    # a product and a channel are in the public catalogue, a day's rate is public: their ids
    # (not a product's group or producer, not a trade center's owners) are no secret; nor is a
    # counsellor's, in the programme's register of IP professionals
    skip = {"period_start", "first_due", "product_id", "channel_id", "rate_date", "counsellor_id"}
    return {v for k, v in world.ids.items() if k not in skip} | set(world.members)


def mentions(body: Json, needles: set[str]) -> set[str]:
    text = str(body)
    return {n for n in needles if n in text}


def walk(value: Json) -> Iterator[Json]:
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def documented_max(schema: Mapping[str, Any]) -> str:
    """The documented maximum of a money field: its description's bound, else the kind's."""
    found = re.search(r"to (-?[0-9.]+)", schema.get("description", ""))
    if found:
        return found.group(1)
    return f"{AMOUNT_LIMITS[schema['x-megp-money']]:.2f}"


# -- one world per test session ---------------------------------------------------------------

_WORLD: list[World] = []
_SPECS: list[dict[str, dict[str, Any]]] = []


def shared_world(platform: Platform, header: Header, kafka: str) -> World:
    """The session's world, built on first use (both test modules share it)."""
    national = header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject="world-reader")
    if _WORLD and _clock_now(platform.processes["enrollment"].url, national) != _WORLD[0].frozen_at:
        _WORLD.pop().close()  # another test moved the clock: things may fall due; build anew
    if not _WORLD:
        _WORLD.append(build_world(platform, header, kafka))
    return _WORLD[0]


def shared_specs(platform: Platform) -> dict[str, dict[str, Any]]:
    if not _SPECS:
        _SPECS.append(load_specs(platform))
    return _SPECS[0]
