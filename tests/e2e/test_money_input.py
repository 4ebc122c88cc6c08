"""Every money field of every request, found in each running service's OpenAPI by its marker
(`x-megp-money`, `x-megp-rate`, `x-megp-currency`), refuses every malformed value with a 422
problem naming the field, and takes its documented bounds (issue 18)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest

from megp_common.launcher import Platform

from .openapi_world import (
    Instances,
    Operation,
    World,
    documented_max,
    each_at_once,
    operations,
    shared_specs,
    shared_world,
)

pytestmark = pytest.mark.e2e

MARKERS = ("x-megp-money", "x-megp-rate", "x-megp-currency")
#: Words that make a request field money-like (split on "_"): such a field must be marked.
MONEY_WORDS = frozenset(
    {
        "amount",
        "rent",
        "price",
        "income",
        "increase",
        "rate",
        "currency",
        "cost",
        "fee",
        "total",
        "principal",
        "interest",
        "balance",
        "baseline",
        "salary",
        "budget",
        "payment",
        "deposit",
    }
)
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class MoneyField:
    op: Operation
    path: tuple[str | int, ...]
    schema: Mapping[str, Any]
    required: bool

    @property
    def name(self) -> str:
        return str(self.path[-1])

    @property
    def marker(self) -> str:
        return next(m for m in MARKERS if m in self.schema)

    @property
    def signed(self) -> bool:
        return str(self.schema.get("x-megp-money-min", "0")).startswith("-")

    def __str__(self) -> str:
        return f"{self.op.name} {'.'.join(map(str, self.path))}"


def marked(op: Operation, schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    options: list[Mapping[str, Any]] = [schema, *schema.get("anyOf", [])]
    for option in options:
        if any(m in option for m in MARKERS):
            return option
    return None


def fields_of(
    op: Operation, schema: Mapping[str, Any], path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Mapping[str, Any], bool, Mapping[str, Any] | None]]:
    """Every property of a body (nested in objects and arrays): its path, its schema, whether
    it is required, and its money marker's schema if it has one."""
    schema = op.resolve(schema)
    required = set(schema.get("required", []))
    for key, sub in schema.get("properties", {}).items():
        here = (*path, key)
        yield here, sub, key in required, marked(op, sub)
        inner = op.resolve(sub)
        if inner.get("type") == "array":
            inner, here = op.resolve(inner["items"]), (*here, 0)
        if "properties" in inner:
            yield from fields_of(op, inner, here)


def money_fields(ops: list[Operation]) -> list[MoneyField]:
    found = []
    for op in ops:
        if op.body_schema is None:
            continue
        for path, _, required, marker in fields_of(op, op.body_schema):
            if marker is not None:
                found.append(MoneyField(op, path, marker, required))
    return found


@pytest.fixture(scope="module")
def world(platform: Platform, tokens: Any, infra: Any) -> World:
    return shared_world(platform, tokens.header, infra.kafka)


@pytest.fixture(scope="module")
def ops(platform: Platform) -> list[Operation]:
    return operations(shared_specs(platform))


@pytest.fixture(scope="module")
def fields(ops: list[Operation]) -> list[MoneyField]:
    return money_fields(ops)


def test_every_money_like_request_field_is_marked(ops: list[Operation]) -> None:
    unmarked = []
    for op in ops:
        if op.body_schema is None:
            continue
        for path, _, _, marker in fields_of(op, op.body_schema):
            name = str(path[-1])
            if marker is None and set(name.split("_")) & MONEY_WORDS:
                unmarked.append(f"{op.name} {'.'.join(map(str, path))}")
    assert not unmarked, "money-like fields without a money marker:\n" + "\n".join(unmarked)


def test_the_money_fields_are_found(fields: list[MoneyField]) -> None:
    kinds = {f.marker for f in fields}
    services = {f.op.service for f in fields}
    print(f"\nmoney fields: {len(fields)} in {len({f.op for f in fields})} operations")
    for f in fields:
        print(f"  {f} [{f.schema.get(f.marker)}]")
    assert kinds == set(MARKERS)
    assert services == {"enrollment", "funds", "credit", "trade", "ip-counsel", "donors"}
    assert len(fields) >= 15


# -- the table of bad values ------------------------------------------------------------------

BAD_AMOUNTS: list[Any] = [
    "1e30",
    "1e400",
    "1E-9",
    "1" * 26,
    "9" * 1_000_000,
    "1.005",
    "0.001",
    " 5.00",
    "5.00 ",
    "\uff15",  # full-width 5
    "1_000",
    "1,000.00",
    "+5",
    "NaN",
    "Infinity",
    5.5,
    5,
    True,
    "",
]
BAD_RATES: list[Any] = [v for v in BAD_AMOUNTS if v not in ("1.005", "0.001")] + [
    "0",
    "-1",
    "1e9",
    "1000001",
]
BAD_CURRENCIES: list[Any] = ["XYZ", "usd", "US", "MXNN", 5, True, ""]


def bad_values(f: MoneyField) -> list[Any]:
    if f.marker == "x-megp-currency":
        values = list(BAD_CURRENCIES)
    elif f.marker == "x-megp-rate":
        values = list(BAD_RATES)
    else:
        values = list(BAD_AMOUNTS) + ([] if f.signed else ["-0", "-5.00"])
        places = int(f.schema.get("x-megp-money-places", 2))
        if places > 2:  # a unit price to four decimals: one decimal too many instead
            finer = ("1." + "0" * places + "5", "0." + "0" * places + "1")
            values = [v for v in values if v not in ("1.005", "0.001")] + list(finer)
    return values + ([None] if f.required else [])


def put(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


def body_for(world: World, f: MoneyField) -> Any:
    # a currency goes with its rate where the body has one (a contribution in dollars): both
    # are given; a currency alone (an order's price list) is sent alone
    paired = f.marker in ("x-megp-rate", "x-megp-currency")
    optional = frozenset({f.name, "exchange_rate"} if paired else {f.name})
    body = Instances(world).body(f.op, optional=optional)
    parent = body
    for step in f.path[:-1]:
        parent = parent[step]
    if paired and "exchange_rate" in parent:
        parent["currency"], parent["exchange_rate"] = "USD", "17.2500"
    return body


def send(world: World, f: MoneyField, body: Any) -> httpx.Response:
    op = f.op
    return world.client(op.service).request(
        op.method.upper(),
        world.path_of(op),
        json=body,
        headers=world.headers_of(op) | world.authorized(op),
    )


def names_the_field(r: httpx.Response, f: MoneyField) -> bool:
    if r.status_code != 422 or not r.headers.get("content-type", "").startswith(PROBLEM):
        return False
    errors = r.json().get("errors") or []
    return any(e.get("loc") and e["loc"][-1] == f.name for e in errors)


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 40 else f"{text[:20]}...({len(text)} chars)"


def test_every_malformed_amount_is_a_422_naming_its_field(
    world: World, fields: list[MoneyField]
) -> None:
    before = world.settled_snapshot()
    wrong: list[str] = []
    sent = 0
    started = time.monotonic()
    cases = [(f, value) for f in fields for value in bad_values(f)]

    def attempt(f: MoneyField, value: Any) -> httpx.Response | httpx.HTTPError:
        try:
            return send(world, f, put(body_for(world, f), f.path, value))
        except httpx.HTTPError as exc:
            return exc

    answers = each_at_once(partial(attempt, f, value) for f, value in cases)
    for (f, value), r in zip(cases, answers, strict=True):
        if isinstance(r, httpx.HTTPError):
            wrong.append(f"{f} = {short(value)}: {type(r).__name__} {r}")
            continue
        sent += 1
        if not names_the_field(r, f):
            wrong.append(f"{f} = {short(value)}: {r.status_code} {r.text[:300]}")
    world.assert_unchanged(before)
    print(
        f"\nbad money values: {sent} requests over {len(fields)} fields in "
        f"{time.monotonic() - started:.1f}s"
    )
    assert sent >= 15 * 20
    assert not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong)


def boundaries(f: MoneyField) -> list[str]:
    if f.marker == "x-megp-currency":
        return ["USD", "MXN"]
    if f.marker == "x-megp-rate":
        return ["0.000001", "100000"]
    return [str(f.schema["x-megp-money-min"]), documented_max(f.schema)]


def test_the_documented_bounds_pass_the_parser(world: World, fields: list[MoneyField]) -> None:
    wrong: list[str] = []
    outcomes: list[str] = []
    for f in fields:
        for value in boundaries(f):
            r = send(world, f, put(body_for(world, f), f.path, value))
            outcomes.append(f"{f} = {value}: {r.status_code}")
            refused_by_parser = names_the_field(r, f) and not r.json().get("rule")
            if r.status_code >= 500 or refused_by_parser:
                wrong.append(f"{f} = {value}: {r.status_code} {r.text[:300]}")
    print("\n" + "\n".join(outcomes))
    assert not wrong, f"{len(wrong)} bounds refused:\n" + "\n".join(wrong)


def test_unknown_fields_are_refused_not_ignored(world: World, ops: list[Operation]) -> None:
    """A valid body with a field its model does not know (credit once took `"status"`) is a
    422 naming that field, on every operation that takes a body."""
    before = world.settled_snapshot()
    with_bodies = [op for op in ops if op.body_schema is not None]
    wrong: list[str] = []
    for op in with_bodies:
        assert op.body_schema is not None
        if op.body_schema.get("additionalProperties") is not False:
            wrong.append(f"{op.name}: the schema does not say additionalProperties: false")
        body = Instances(world).body(op) | {"status": "active"}
        r = world.client(op.service).request(
            op.method.upper(),
            world.path_of(op),
            json=body,
            headers=world.headers_of(op) | world.authorized(op),
        )
        errors = r.json().get("errors") or [] if r.status_code == 422 else []
        if not any(e.get("loc", [None])[-1] == "status" for e in errors):
            wrong.append(f"{op.name}: {r.status_code} {r.text[:300]}")
    world.assert_unchanged(before)
    assert len(with_bodies) >= 40
    assert not wrong, "\n".join(wrong)
