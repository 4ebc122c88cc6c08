"""A donor portal's token is scoped to its association (issue 16, Associations and Decision
rights [¶53, ¶55]): generated from every running service's OpenAPI, so a route added tomorrow
is covered by itself.

An operation is open to portals only when it says so, with the `x-donor-portal` extension
(`megp_common.auth.donors`): `association` (the association's own records), `community` (the
groups of its community of origin, public data) or `channel` (orders through its association's
trade channel). Walked with every operation of every service:

(a) the declarations: nothing of enrollment, funds, credit or ip-counsel is open to portals, and
    the writes open to them are exactly giving, refunding, ordering through its channel and its
    own webhook subscriptions (a write opened to portals is a decision-rights question: it is
    added to `PORTAL_WRITES` on purpose, never by accident);
(b) the world's own association's portal: every operation not declared open is the gate's 403
    (`not-for-donor-portals`, a write with rule ¶55), so a new route is refused by itself; the
    declared writes are admitted (then the 428 of their missing Idempotency-Key: nothing is
    written); every declared read of donors answers 200, the others 200 or 403/404 (another
    buyer's order, a bank's subscription); no 2xx body holds a CURP, a name or a birth date of
    the world's participants, a member's id, or an income beside a person's id;
(c) an association of another state, and one of the same state supporting another municipality
    (also with a supervisor's and a staff hat on its portal's token): every declared route
    naming the world's group, fund, association, donation, pledge or order is a 403/404, every
    2xx holds none of the world's ids (the same-state club reads the state-wide records of its
    state: trade's catalogue and the state's matching programmes), nothing is written, and the
    undeclared are the gate's 403.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from megp_common.auth import DonorAccess, Role
from megp_common.auth.donors import declared_donor_access
from megp_common.launcher import Platform
from megp_common.testing.keys import UNKEYED

from .openapi_world import (
    NATIONAL,
    OTHER_STATE,
    SERVICES,
    STATE,
    Operation,
    World,
    every_id,
    mentions,
    operations,
    shared_specs,
    shared_world,
    uid,
    walk,
)
from .test_access_matrix import is_problem, send_each
from .test_partner_bank_scope import PERSONAL_KEYS, body_of, personal_data

pytestmark = pytest.mark.e2e

#: the only writes a portal's token is let through to: giving and refunding (donors), ordering
#: through its association's channel (trade) and its own webhook subscriptions
PORTAL_WRITES = frozenset(
    {
        "donors POST /v1/donations",
        "donors POST /v1/donations/{donation_id}/refund",
        "trade POST /v1/orders",
        "trade POST /v1/orders/{order_id}/payment",
        "trade POST /v1/orders/{order_id}/cancellation",
        "webhooks POST /v1/subscriptions",
        "webhooks POST /v1/subscriptions/{subscription_id}/disable",
        "webhooks POST /v1/subscriptions/{subscription_id}/enable",
        "webhooks POST /v1/subscriptions/{subscription_id}/secret-rotation",
        "webhooks POST /v1/subscriptions/{subscription_id}/deliveries/{delivery_id}/replay",
    }
)
#: the services a portal never calls: it sees its community through donors' public view
CLOSED = ("enrollment", "funds", "credit", "ip-counsel")
#: keys naming a person beside which an income would be a named person's income
PERSON_KEYS = frozenset({"participant_id", "member_id", "producer_id", "curp", "person_id"})
#: a municipality of the world's state that is not its group's
ELSEWHERE = "Milpa Alta"


@pytest.fixture(scope="module")
def world(platform: Platform, tokens: Any, infra: Any) -> World:
    return shared_world(platform, tokens.header, infra.kafka)


@pytest.fixture(scope="module")
def ops(platform: Platform) -> list[Operation]:
    found = operations(shared_specs(platform))
    assert {op.service for op in found} == set(SERVICES)
    return found


def portal(world: World, association: str, states: tuple[str, ...] = (STATE,)) -> dict[str, str]:
    return world.header(
        Role.DONOR_PORTAL, states=states, organization=association, subject=uid("portal")
    )


def is_gate(r: httpx.Response, op: Operation) -> bool:
    if not is_problem(r, 403) or not str(r.json().get("type", "")).endswith(
        "/not-for-donor-portals"
    ):
        return False
    return r.json().get("rule") == "¶55" if op.is_write else True


def leaks(body: Any, anywhere: set[str], whole: set[str]) -> list[str]:
    """Personal data in a portal's answer: the world's CURPs, names and member ids anywhere,
    its birth dates as whole values, personal keys, and an income beside a person's id."""
    found = sorted(mentions(body, anywhere))
    for value in walk(body):
        if isinstance(value, dict):
            found += sorted(k for k in value if k in PERSONAL_KEYS)
            if PERSON_KEYS & value.keys():
                found += sorted(f"{k} of a person" for k in value if "income" in k)
        elif isinstance(value, str) and value in whole:
            found.append(value)
    return found


def register(world: World, name: str, state: str, municipality: str | None = None) -> str:
    body: dict[str, Any] = {"name": name, "country": "US", "city": "Chicago"}
    body |= {"origin_state_code": state}
    if municipality is not None:
        body["origin_municipality"] = municipality
    made = world.client("donors").post(
        "/v1/associations",
        json=body,
        headers=world.header(Role.PROGRAMME_SUPERVISOR, states=NATIONAL, subject=uid("sup"))
        | {"Idempotency-Key": uid("association")},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_portals_are_declared_on_the_routes_a_portal_needs(ops: list[Operation]) -> None:
    declared = {op.name: declared_donor_access(op.spec) for op in ops}
    opened = {name for name, access in declared.items() if access is not None}
    by_service = Counter(name.split(" ", 1)[0] for name in opened)
    print(f"\nopen to donor portals: {dict(by_service)} of {len(ops)} operations")
    assert {str(a) for a in declared.values() if a is not None} == {a.value for a in DonorAccess}
    assert not [name for name in opened if name.split(" ", 1)[0] in CLOSED]
    writes = {op.name for op in ops if op.is_write and op.name in opened}
    assert writes == PORTAL_WRITES, (
        f"opened: {sorted(writes - PORTAL_WRITES)}; closed: {sorted(PORTAL_WRITES - writes)}"
    )
    # what a portal reads of its association and its community
    for name in (
        "donors GET /v1/associations/{association_id}",
        "donors GET /v1/associations/{association_id}/projects",
        "donors GET /v1/projects/{group_id}",
        "donors GET /v1/donations/{donation_id}/receipt",
        "donors GET /v1/donations/{donation_id}/impact",
        "donors GET /v1/associations/{association_id}/reports/{period}",
        "trade GET /v1/products",
        "webhooks GET /v1/subscriptions",
    ):
        assert name in opened, name
    # the co-funder's and the supervisors' routes stay closed
    for name in (
        "donors POST /v1/pledges/{pledge_id}/confirmation",
        "donors POST /v1/pledges/{pledge_id}/payment",
        "donors POST /v1/associations",
        "donors POST /v1/matching-programmes",
        "donors GET /v1/matching-programmes/{programme_id}/pledges",
    ):
        assert name in declared and name not in opened, name


def test_the_worlds_portal_reaches_only_what_is_declared(
    world: World, ops: list[Operation]
) -> None:
    before = world.settled_snapshot()
    anywhere, whole = personal_data(world)
    anywhere |= set(world.members)
    assert anywhere and whole, "the world has participants with names and birth dates"
    header = portal(world, world.ids["association_id"])
    wrong: list[str] = []
    opened: list[str] = []
    answers: Counter[str] = Counter()
    sent = send_each(
        world,
        ops,
        lambda op: (
            header | (UNKEYED if declared_donor_access(op.spec) is not None and op.is_write else {})
        ),
    )
    for op in ops:
        access = declared_donor_access(op.spec)
        if access is None:
            r = sent[op]
            if not is_gate(r, op):
                wrong.append(f"{op.name}: not open to portals, {r.status_code} {r.text[:300]}")
        elif op.is_write:  # admitted, then asked for its key: nothing is written
            r = sent[op]
            if not is_problem(r, 428):
                wrong.append(f"{op.name}, unkeyed: {r.status_code} {r.text[:300]}")
            opened.append(op.name)
        else:
            r = sent[op]
            if r.status_code == 200:
                if found := leaks(body_of(r), anywhere, whole):
                    wrong.append(f"{op.name}: the body holds personal data {found}")
                opened.append(op.name)
            elif op.service == "donors" or not is_problem(r, (403, 404)):
                # every donors read names the world association's own records
                wrong.append(f"{op.name}: open to portals, {r.status_code} {r.text[:300]}")
        answers[f"{op.method.upper()} {r.status_code}"] += 1
    world.assert_unchanged(before)
    print(f"\nthe world's portal reaches {len(opened)} of {len(ops)} operations:")
    print("  " + "\n  ".join(opened))
    print(f"  answers: {dict(sorted(answers.items()))}")
    assert len(opened) >= 20
    assert not wrong, f"{len(wrong)} wrong:\n" + "\n".join(wrong)


#: the state-wide records a club of the world's state reads, whatever municipality it supports
STATE_WIDE = frozenset(
    {
        "trade GET /v1/products",
        "trade GET /v1/products/{product_id}",
        "donors GET /v1/matching-programmes/{programme_id}",
    }
)


@pytest.mark.parametrize(
    "where", ["another state", "another municipality", "another municipality, supervisor's hat"]
)
def test_another_association_reaches_nothing_of_the_world(
    world: World, ops: list[Operation], where: str
) -> None:
    if where == "another state":
        club, states = register(world, "Club Mexiquense", OTHER_STATE), (OTHER_STATE,)
    else:
        club, states = register(world, "Club Milpa Alta", STATE, ELSEWHERE), (STATE,)
    header = portal(world, club, states)
    if where.endswith("hat"):  # another role on a portal's token lifts nothing of its scope
        header = world.header(
            Role.DONOR_PORTAL,
            Role.PROGRAMME_SUPERVISOR,
            Role.ODF_STAFF,
            states=states,
            organization=club,
            subject=uid("portal"),
        )
    before = world.settled_snapshot()
    secrets = every_id(world)
    wrong: list[str] = []
    answers: Counter[str] = Counter()

    def creates_its_own(op: Operation) -> bool:
        access = declared_donor_access(op.spec)
        return op.is_write and access is DonorAccess.ASSOCIATION and "{" not in op.path

    sent = send_each(world, ops, lambda op: header | (UNKEYED if creates_its_own(op) else {}))
    for op in ops:
        access = declared_donor_access(op.spec)
        own_creation = op.is_write and access is DonorAccess.ASSOCIATION and "{" not in op.path
        if own_creation:  # its own subscription, naming nothing of the world: admitted, unkeyed
            r = sent[op]
            if not is_problem(r, 428):
                wrong.append(f"{op.name}, unkeyed: {r.status_code} {r.text[:300]}")
            continue
        r = sent[op]
        answers[f"{op.method.upper()} {r.status_code}"] += 1
        if access is None:
            if not is_gate(r, op):
                wrong.append(f"{op.name}: not open to portals, {r.status_code} {r.text[:300]}")
        elif op.is_write or r.status_code >= 300:
            if not is_problem(r, (403, 404)):
                wrong.append(f"{op.name}: {r.status_code} {r.text[:300]}")
        elif where.startswith("another municipality") and op.name in STATE_WIDE:
            continue
        elif seen := mentions(body_of(r), secrets):
            wrong.append(f"{op.name}: {r.status_code} shows {sorted(seen)}")
    world.assert_unchanged(before)
    print(f"\na club of {where} over {len(ops)} operations: {dict(sorted(answers.items()))}")
    assert not wrong, f"{len(wrong)} wrong:\n" + "\n".join(wrong)


def test_a_portal_gives_to_its_community_only(world: World) -> None:
    """The donation's own scope check, beside the gate: the world's group is of the world's
    community; a club of another municipality of the state gives it nothing (403, nothing
    written), the world's club is admitted (its unkeyed try asks for its key)."""
    elsewhere = portal(world, register(world, "Club Milpa Alta II", STATE, ELSEWHERE))
    gift = {
        "portal_donation_id": uid("donation"),
        "group_id": world.ids["group_id"],
        "amount": "10.00",
        "currency": "MXN",
    }
    donors = world.client("donors")
    before = world.settled_snapshot()
    refused = donors.post(
        "/v1/donations", json=gift, headers=elsewhere | {"Idempotency-Key": uid("d")}
    )
    assert is_problem(refused, 403), refused.text
    own = portal(world, world.ids["association_id"])
    assert is_problem(donors.post("/v1/donations", json=gift, headers=own | UNKEYED), 428)
    world.assert_unchanged(before)
