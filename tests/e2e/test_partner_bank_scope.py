"""A partner bank's token is scoped to its bank (issue 15, Access): generated from every running
service's OpenAPI, so a route added tomorrow is covered by itself.

An operation is open to banks only when it says so, with the `x-partner-bank` extension
(`megp_common.auth.banks`): `trust_bank` (the funds the bank holds in trust), `lender` (the
loans and lines it lends) or `own` (its own records: subscriptions, its list of funds). Walked
with every operation of every service:

(a) another bank, of national scope: every answer is a 403/404, or a list holding none of the
    world's ids; every operation not declared open is the gate's 403 (`not-this-bank`);
(b) the world's own trust bank (Banorte) and lender (NAFIN): only the operations declared open
    for what that bank is in the world answer 2xx (a write: admitted, then the 428 of its missing
    Idempotency-Key, so nothing is written), the declared ones of another bank's records are
    403/404, everything else the gate's 403; no 2xx body holds a CURP, a birth date, an income,
    a name or a contact of the world's participants;
(c) a state-scoped token of the trust bank: its state's token reaches what the national token
    reaches, never more (the bank's national records, its subscriptions, need the national
    token); another state's token reaches nothing of the world.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from megp_common.auth import BankAccess, Role
from megp_common.auth.banks import declared_access
from megp_common.launcher import Platform
from megp_common.testing.keys import UNKEYED

from .openapi_world import (
    LENDER,
    NATIONAL,
    OTHER_STATE,
    SERVICES,
    STATE,
    TRUST_BANK,
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

pytestmark = pytest.mark.e2e

#: a partner bank of the programme that holds nothing and lends nothing in the world
OTHER_BANK = "BBVA México"
#: the bank that owns a record named by a path parameter of an `own` route
OWNER_OF = {"subscription_id": LENDER, "bank": TRUST_BANK, "lender": LENDER}
#: keys a body open to a bank never carries, whatever their value
PERSONAL_KEYS = frozenset(
    {
        "curp",
        "birth_date",
        "given_names",
        "first_surname",
        "second_surname",
        "phone",
        "email",
        "address",
    }
)


@pytest.fixture(scope="module")
def world(platform: Platform, tokens: Any, infra: Any) -> World:
    return shared_world(platform, tokens.header, infra.kafka)


@pytest.fixture(scope="module")
def ops(platform: Platform) -> list[Operation]:
    found = operations(shared_specs(platform))
    assert {op.service for op in found} == set(SERVICES)
    return found


def bank(world: World, organization: str, states: tuple[str, ...] = NATIONAL) -> dict[str, str]:
    return world.header(
        Role.PARTNER_BANK, states=states, organization=organization, subject=uid("bank")
    )


def holder(op: Operation, access: BankAccess) -> str | None:
    """The bank that holds the world's record `op` names (None: the caller's own list)."""
    if access is BankAccess.TRUST_BANK:
        return TRUST_BANK
    if access is BankAccess.LENDER:
        return LENDER
    named = [OWNER_OF[p["name"]] for p in op.parameters if p["name"] in OWNER_OF]
    return named[0] if named else None


def is_gate(r: httpx.Response) -> bool:
    return is_problem(r, 403) and str(r.json().get("type", "")).endswith("/not-this-bank")


def body_of(r: httpx.Response) -> Any:
    if r.headers.get("content-type", "").startswith("application/json"):
        return r.json()
    return r.text  # camt.053 XML


def personal_data(world: World) -> tuple[set[str], set[str]]:
    """The world's participants' personal values: (found anywhere in a text, equal to a whole
    value): CURPs and names as text, birth dates as whole values. An income is a peso amount
    that a fund's balances may equal by chance, so it is looked for by its field's name (as a
    contact would be: the participant record has none today), see `leaks`."""
    enrollment = world.client("enrollment")
    anywhere: set[str] = set()
    whole: set[str] = set()
    for pid in world.members:
        p = enrollment.get(f"/v1/participants/{pid}", headers=world.supervisor).json()
        anywhere |= {p["curp"], p["given_names"], p["first_surname"]}
        anywhere |= {p["second_surname"]} - {None}
        whole.add(p["birth_date"])
    return anywhere, whole


def leaks(body: Any, anywhere: set[str], whole: set[str]) -> list[str]:
    found = sorted(mentions(body, anywhere))
    for value in walk(body):
        if isinstance(value, dict):
            found += sorted(k for k in value if k in PERSONAL_KEYS or "income" in k)
        elif isinstance(value, str) and value in whole:
            found.append(value)
    return found


def test_banks_are_declared_on_routes_of_their_own_records(ops: list[Operation]) -> None:
    declared = Counter(str(declared_access(op.spec)) for op in ops if declared_access(op.spec))
    print(f"\nopen to banks: {dict(declared)} of {len(ops)} operations")
    assert set(declared) == {a.value for a in BankAccess}
    opened = {op.name for op in ops if declared_access(op.spec)}
    assert "funds GET /v1/partner-banks/{bank}/funds" in opened
    # nothing of a participant, a product, an invention or a report is open to a bank
    for op in ops:
        if op.service in ("enrollment", "trade", "ip-counsel"):
            assert op.name not in opened, op.name


def test_another_bank_reaches_nothing_of_the_world(world: World, ops: list[Operation]) -> None:
    before = world.settled_snapshot()
    secrets = every_id(world)
    header = bank(world, OTHER_BANK)
    wrong: list[str] = []
    answers: Counter[str] = Counter()

    def own(op: Operation) -> bool:
        access = declared_access(op.spec)
        return op.is_write and access is not None and holder(op, access) is None

    sent = send_each(world, ops, lambda op: header | (UNKEYED if own(op) else {}))
    for op in ops:
        access = declared_access(op.spec)
        own_list = access is not None and holder(op, access) is None
        if own_list and op.is_write:  # its own records (a subscription): admitted, unkeyed
            r = sent[op]
            if not is_problem(r, 428):
                wrong.append(f"{op.name}, unkeyed: {r.status_code} {r.text[:300]}")
            continue
        r = sent[op]
        answers[f"{op.method.upper()} {r.status_code}"] += 1
        if access is None:
            if not is_gate(r):
                wrong.append(f"{op.name}: not open to banks, {r.status_code} {r.text[:300]}")
        elif op.is_write or r.status_code >= 300:
            if not is_problem(r, (403, 404)):
                wrong.append(f"{op.name}: {r.status_code} {r.text[:300]}")
        elif seen := mentions(body_of(r), secrets):
            wrong.append(f"{op.name}: {r.status_code} shows {sorted(seen)}")
    world.assert_unchanged(before)
    print(f"\nanother bank over {len(ops)} operations: {dict(sorted(answers.items()))}")
    assert not wrong, f"{len(wrong)} wrong:\n" + "\n".join(wrong)


@pytest.mark.parametrize("organization", [TRUST_BANK, LENDER])
def test_the_worlds_bank_reads_only_its_own_records(
    world: World, ops: list[Operation], organization: str
) -> None:
    before = world.settled_snapshot()
    secrets = every_id(world)
    anywhere, whole = personal_data(world)
    assert anywhere and whole, "the world has participants with names and birth dates"
    header = bank(world, organization)
    wrong: list[str] = []
    opened: list[str] = []

    def mine_write(op: Operation) -> bool:
        access = declared_access(op.spec)
        return op.is_write and access is not None and holder(op, access) in (None, organization)

    sent = send_each(world, ops, lambda op: header | (UNKEYED if mine_write(op) else {}))
    for op in ops:
        access = declared_access(op.spec)
        mine = access is not None and holder(op, access) in (None, organization)
        if access is None:
            r = sent[op]
            if not is_gate(r):
                wrong.append(f"{op.name}: not open to banks, {r.status_code} {r.text[:300]}")
        elif not mine:
            r = sent[op]
            if op.is_write or r.status_code >= 300:
                if not is_problem(r, (403, 404)):
                    wrong.append(f"{op.name}, another bank's: {r.status_code} {r.text[:300]}")
            elif seen := mentions(body_of(r), secrets):
                wrong.append(f"{op.name}, another bank's: shows {sorted(seen)}")
        elif op.is_write:  # admitted, then asked for its key: nothing is written
            r = sent[op]
            if not is_problem(r, 428):
                wrong.append(f"{op.name}, unkeyed: {r.status_code} {r.text[:300]}")
            opened.append(op.name)
        else:
            r = sent[op]
            if r.status_code != 200:
                wrong.append(f"{op.name}: open to its bank, {r.status_code} {r.text[:300]}")
            elif found := leaks(body_of(r), anywhere, whole):
                wrong.append(f"{op.name}: the body holds personal data {found}")
            opened.append(op.name)
    world.assert_unchanged(before)
    print(f"\n{organization} reaches {len(opened)} of {len(ops)} operations:")
    print("  " + "\n  ".join(opened))
    assert len(opened) >= (10 if organization == TRUST_BANK else 8)
    assert not wrong, f"{len(wrong)} wrong:\n" + "\n".join(wrong)


def test_a_state_scoped_bank_token_narrows_and_never_widens(
    world: World, ops: list[Operation]
) -> None:
    """Decision: a bank that operates in every state where it holds funds has a national
    token; a state-scoped token of the bank (a regional office) reaches its bank's records in
    its states only, and the bank's national records (its subscriptions) not at all."""
    before = world.settled_snapshot()
    secrets = every_id(world)
    national = bank(world, TRUST_BANK)
    here = bank(world, TRUST_BANK, states=(STATE,))
    elsewhere = bank(world, TRUST_BANK, states=(OTHER_STATE,))
    wrong: list[str] = []

    def extra(op: Operation) -> dict[str, str]:
        return UNKEYED if op.is_write and declared_access(op.spec) is not None else {}

    wides = send_each(world, ops, lambda op: national | extra(op))
    narrows = send_each(world, ops, lambda op: here | extra(op))
    aways = send_each(world, ops, lambda op: elsewhere)
    for op in ops:
        wide, narrow, away = wides[op], narrows[op], aways[op]
        if narrow.status_code != wide.status_code and not is_problem(narrow, 403):
            wrong.append(f"{op.name} @{STATE}: {narrow.status_code}, national {wide.status_code}")
        # the world's fund is of state 09: its state's token reads it as the national one
        in_fund = op.service == "funds" and "{fund_id}" in op.path
        if in_fund and wide.status_code == 200 and narrow.status_code != 200:
            wrong.append(f"{op.name} @{STATE}: {narrow.status_code} {narrow.text[:200]}")
        if op.is_write or away.status_code >= 300:
            if not is_problem(away, (403, 404)):
                wrong.append(f"{op.name} @{OTHER_STATE}: {away.status_code} {away.text[:300]}")
        elif seen := mentions(body_of(away), secrets):
            wrong.append(f"{op.name} @{OTHER_STATE}: shows {sorted(seen)}")
    funds = world.client("funds")
    listed = f"/v1/partner-banks/{TRUST_BANK}/funds"
    rows = funds.get(listed, headers=here).json()
    assert rows and {row["state_code"] for row in rows} == {STATE}, rows
    away_rows = funds.get(listed, headers=elsewhere).json()
    assert STATE not in {row["state_code"] for row in away_rows}, away_rows
    subscriptions = world.client("webhooks").get("/v1/subscriptions", headers=here)
    assert is_problem(subscriptions, 403), subscriptions.text
    world.assert_unchanged(before)
    assert not wrong, f"{len(wrong)} wrong:\n" + "\n".join(wrong)


def test_a_bank_reads_only_its_own_list_of_funds(world: World) -> None:
    funds = world.client("funds")
    listed = f"/v1/partner-banks/{TRUST_BANK}/funds"
    own = funds.get(listed, headers=bank(world, TRUST_BANK))
    assert own.status_code == 200 and any(r["state_code"] == STATE for r in own.json()), own.text
    for caller in (
        bank(world, OTHER_BANK),
        bank(world, LENDER),
        # a supervisor's hat does not lift a bank token's scope
        world.header(
            Role.PARTNER_BANK,
            Role.PROGRAMME_SUPERVISOR,
            states=NATIONAL,
            organization=OTHER_BANK,
            subject=uid("hat"),
        ),
    ):
        r = funds.get(listed, headers=caller)
        assert is_problem(r, 403), r.text
    assert funds.get(listed, headers=world.supervisor).status_code == 200
