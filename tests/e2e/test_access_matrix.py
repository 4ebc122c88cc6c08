"""The authorization matrix, generated from every running service's OpenAPI: every /v1
operation with no token and bad tokens, with an out-of-state token for each role and for
mixed-role tokens, the decision rights of ¶55 with mixed roles in the world's own state, and the
Idempotency-Key every POST requires, never replayed to another caller (issue 18)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import jwt
import pytest

from megp_common.auth import AuthConfig, Role, mint_token
from megp_common.launcher import Platform
from megp_common.testing.keys import UNKEYED

from .openapi_world import (
    LENDER,
    OTHER_STATE,
    SERVICES,
    STATE,
    Instances,
    Operation,
    World,
    each_at_once,
    every_id,
    mentions,
    operations,
    shared_specs,
    shared_world,
    uid,
)

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def world(platform: Platform, tokens: Any, infra: Any) -> World:
    return shared_world(platform, tokens.header, infra.kafka)


@pytest.fixture(scope="module")
def ops(platform: Platform) -> list[Operation]:
    found = operations(shared_specs(platform))
    assert {op.service for op in found} == set(SERVICES)
    return found


def send(
    world: World,
    op: Operation,
    headers: dict[str, str],
    *,
    body: Any = None,
    with_body: bool = True,
) -> httpx.Response:
    instances = Instances(world)
    payload = body if body is not None else (instances.body(op) if with_body else None)
    return world.client(op.service).request(
        op.method.upper(),
        world.path_of(op),
        params=world.query_of(op),
        json=payload,
        headers=world.headers_of(op) | headers,
    )


def send_each(
    world: World, ops: list[Operation], headers: Callable[[Operation], dict[str, str]]
) -> dict[Operation, httpx.Response]:
    """Each operation's answer to a request with `headers(op)`, several in flight at once
    (`each_at_once`)."""
    answers = each_at_once(partial(send, world, op, headers(op)) for op in ops)
    return dict(zip(ops, answers, strict=True))


def _slug(r: httpx.Response) -> str:
    return str(r.json().get("type", "")).rsplit("/", 1)[-1]


def is_problem(r: httpx.Response, status: int | tuple[int, ...]) -> bool:
    wanted = (status,) if isinstance(status, int) else status
    return r.status_code in wanted and r.headers.get("content-type", "").startswith(PROBLEM)


def test_the_world_is_what_the_paths_name(world: World, ops: list[Operation]) -> None:
    """The control of the matrix: every read, filled from the world, answers a national
    supervisor with 200, so a 404 below is a refusal and not a wrong id."""
    reads = [op for op in ops if not op.is_write]
    missing = []
    answers = each_at_once(partial(send, world, op, world.supervisor) for op in reads)
    for op, r in zip(reads, answers, strict=True):
        if r.status_code != 200:
            missing.append(f"{op.name}: {r.status_code} {r.text[:200]}")
    assert len(reads) >= 40
    assert not missing, "\n".join(missing)


# -- (a) no token, bad tokens -----------------------------------------------------------------


def bad_tokens(tokens: Any) -> dict[str, dict[str, str]]:
    cfg: AuthConfig = tokens.config
    roles = [Role.PROGRAMME_SUPERVISOR]
    wrong_audience = AuthConfig(issuer=cfg.issuer, audience="someone-else", secret=cfg.secret)
    wrong_key = AuthConfig(issuer=cfg.issuer, audience=cfg.audience, secret="x" * 64)
    # long past the verifier's leeway (30 s)
    now = int(time.time())
    expired = jwt.encode(
        {
            "iss": cfg.issuer,
            "aud": cfg.audience,
            "sub": "late",
            "iat": now - 7200,
            "exp": now - 3600,
            "roles": ["programme_supervisor"],
            "states": ["*"],
        },
        cfg.secret or "",
        algorithm=cfg.algorithm,
    )
    return {
        "none": {},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "not bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
        "expired": {"Authorization": f"Bearer {expired}"},
        "wrong audience": {
            "Authorization": f"Bearer {mint_token(wrong_audience, 's', roles, ['*'])}"
        },
        "wrong key": {"Authorization": f"Bearer {mint_token(wrong_key, 's', roles, ['*'])}"},
    }


def test_every_operation_wants_a_valid_token(
    world: World, ops: list[Operation], tokens: Any
) -> None:
    before = world.settled_snapshot()
    wrong: list[str] = []
    tried = 0
    for label, header in bad_tokens(tokens).items():
        for op, r in zip(
            ops, each_at_once(partial(send, world, op, header) for op in ops), strict=True
        ):
            tried += 1
            if not is_problem(r, 401):
                wrong.append(f"{op.name} [{label}]: {r.status_code} {r.text[:160]}")
    world.assert_unchanged(before)
    print(f"\nbad tokens: {tried} requests over {len(ops)} operations")
    assert tried >= 6 * 80
    assert not wrong, "\n".join(wrong)


def test_the_refusals_the_matrix_sees_are_documented(ops: list[Operation]) -> None:
    """Every /v1 operation answers 401 without a token, every write 403 out of scope: both
    are in its OpenAPI as problem documents."""
    undocumented = []
    for op in ops:
        responses = op.spec.get("responses", {})
        for code in ("401", "403") if op.is_write else ("401",):
            content = responses.get(code, {}).get("content", {})
            if PROBLEM not in content:
                undocumented.append(f"{op.name}: {code}")
    assert not undocumented, "refusals not documented:\n" + "\n".join(undocumented)


# -- (b) out of state -------------------------------------------------------------------------

MIXED: list[tuple[Role, ...]] = [
    (Role.BOARD_REPRESENTATIVE, Role.COMMITTEE_MEMBER),
    (Role.ODF_STAFF, Role.DONOR_PORTAL),
    (Role.ODF_STAFF, Role.PARTNER_BANK),
    (Role.PARTICIPANT, Role.BOARD_REPRESENTATIVE),
    (Role.PROGRAMME_SUPERVISOR, Role.ODF_STAFF),
    tuple(Role),
]


def outsider(world: World, roles: tuple[Role, ...]) -> dict[str, str]:
    """A token scoped to another state that otherwise names the world's people: the
    representative, the lender, the group's bank."""
    return world.as_(*roles, states=(OTHER_STATE,), participant_id=world.rep, organization=LENDER)


def test_no_role_reaches_across_states(world: World, ops: list[Operation]) -> None:
    before = world.settled_snapshot()
    secrets = every_id(world)
    callers = [(r,) for r in Role] + MIXED
    wrong: list[str] = []
    covered: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    for roles in callers:
        header = outsider(world, roles)
        for op, r in zip(
            ops, each_at_once(partial(send, world, op, header) for op in ops), strict=True
        ):
            covered[op.service] += 1
            answers[f"{op.method.upper()} {r.status_code}"] += 1
            label = f"{op.name} as {'+'.join(roles)}@{OTHER_STATE}"
            if op.is_write or r.status_code >= 300:
                if not is_problem(r, (403, 404)):
                    wrong.append(f"{label}: {r.status_code} {r.text[:500]}")
            elif seen := mentions(r.json(), secrets):
                wrong.append(f"{label}: 200 shows {sorted(seen)}")
    world.assert_unchanged(before)
    total = sum(covered.values())
    print(f"\nout of state: {len(ops)} operations x {len(callers)} callers = {total}")
    print(f"  by service: {dict(covered)}\n  answers: {dict(sorted(answers.items()))}")
    assert len(ops) >= 80 and len(callers) >= 14 and total == len(ops) * len(callers)
    assert not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong)


def test_a_state_supervisor_does_not_move_the_national_clock(
    world: World, ops: list[Operation]
) -> None:
    clocks = [op for op in ops if op.method == "put" and op.path == "/v1/admin/clock"]
    assert len(clocks) == len(SERVICES)
    for op in clocks:
        for states in ((STATE,), (OTHER_STATE,)):
            header = world.as_(Role.PROGRAMME_SUPERVISOR, states=states)
            r = send(world, op, header)
            assert is_problem(r, 403), f"{op.name} with states {states}: {r.status_code} {r.text}"
        reader = world.client(op.service).get("/v1/admin/clock")
        assert is_problem(reader, 401), f"{op.service} clock read without a token"


# -- (c) decision rights with mixed roles, in the world's own state --------------------------

NOT_ALONE = (Role.COMMITTEE_MEMBER, Role.DONOR_PORTAL, Role.PARTNER_BANK)


def deciding(world: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    g, loan, seat = world.ids["group_id"], world.ids["loan_id"], world.ids["seat_id"]
    board = f"/v1/groups/{g}/board"
    candidate = {"candidate_id": world.ids["candidate_id"]}
    return [
        ("enrollment", f"{board}/representatives", {"participant_id": world.members[3]}),
        ("enrollment", f"{board}/special-members", candidate),
        ("enrollment", f"{board}/director-general", candidate),
        ("enrollment", f"{board}/seats/{seat}/removal", {"reason": "no longer trusted"}),
        (
            "funds",
            f"/v1/funds/{g}/competition-spends",
            {
                "purpose": "market_studies",
                "amount": "10.00",
                "payee": "Estudios SC",
                "description": "a market study",
            },
        ),
        (
            "funds",
            f"/v1/funds/{g}/spending-requests/{world.ids['spending_request_id']}/approval",
            None,
        ),
        ("credit", f"/v1/loans/{loan}/board-approval", None),
        ("credit", f"/v1/loans/{loan}/rejection", {"reason": "the plan is too thin"}),
    ]


def test_a_representative_with_another_hat_decides_nothing(world: World) -> None:
    before = world.settled_snapshot()
    wrong: list[str] = []
    routes = deciding(world)
    for extra in NOT_ALONE:
        header = world.as_(Role.BOARD_REPRESENTATIVE, extra, participant_id=world.rep)
        for service, path, body in routes:
            r = world.client(service).post(path, json=body, headers=header)
            # a bank's token is refused before ¶55 is asked: no group route is open to banks; a
            # portal's by the donor gate, saying ¶55 (no group decision is open to portals)
            why = "not-this-bank" if extra is Role.PARTNER_BANK else "¶55"
            gate = "not-for-donor-portals" if extra is Role.DONOR_PORTAL else _slug(r)
            if (
                not is_problem(r, 403)
                or why not in (r.json().get("rule"), _slug(r))
                or _slug(r) != gate
            ):
                wrong.append(
                    f"{service} POST {path} as rep+{extra}: {r.status_code} {r.text[:200]}"
                )
    world.assert_unchanged(before)
    assert not wrong, "\n".join(wrong)


def test_a_donor_portal_decides_nothing_in_donors(world: World) -> None:
    """A donation gives no decision right [¶55]: the world association's own portal, alone or
    with another hat, confirms and pays no co-funder's pledge, registers no association and
    opens no matching programme (its own gifts and refunds are its only writes): the donor gate
    refuses each, since none declares itself open to portals (`megp_common.auth.donors`)."""
    before = world.settled_snapshot()
    pledge = world.ids["pledge_id"]
    routes: list[tuple[str, Any]] = [
        (f"/v1/pledges/{pledge}/confirmation", None),
        (f"/v1/pledges/{pledge}/payment", None),
        (
            "/v1/associations",
            {"name": "Club", "country": "US", "city": "X", "origin_state_code": STATE},
        ),
        ("/v1/matching-programmes", {"name": "x"}),
    ]
    wrong: list[str] = []
    for extra in ((), (Role.ODF_STAFF,), (Role.COMMITTEE_MEMBER,), (Role.PARTICIPANT,)):
        header = world.as_(Role.DONOR_PORTAL, *extra, organization=world.ids["association_id"])
        for path, body in routes:
            r = world.client("donors").post(path, json=body, headers=header)
            if not is_problem(r, 403) or _slug(r) != "not-for-donor-portals":
                wrong.append(f"POST {path} as portal+{extra}: {r.status_code} {r.text[:200]}")
    world.assert_unchanged(before)
    assert not wrong, "\n".join(wrong)


def test_odf_staff_with_another_hat_does_not_agree_or_revise_plans(world: World) -> None:
    before = world.settled_snapshot()
    g = world.ids["group_id"]
    plans = f"/v1/groups/{g}/business-plans"
    new_plan = {
        "participant_id": world.members[3],
        "baseline_income": "9000.00",
        "target_increase": "1000.00",
        "start_date": world.ids["period_start"],
    }
    client = world.client("enrollment")
    etag = client.get(f"{plans}/{world.member}", headers=world.supervisor).headers["ETag"]
    wrong: list[str] = []
    for extra in NOT_ALONE:
        header = world.as_(Role.ODF_STAFF, extra)
        agreed = client.post(plans, json=new_plan, headers=header)
        revised = client.patch(
            f"{plans}/{world.member}",
            json={"target_increase": "2000.00"},
            headers=header | {"If-Match": etag},
        )
        for what, r in (("agreement", agreed), ("revision", revised)):
            if not is_problem(r, 403):
                wrong.append(f"plan {what} as odf_staff+{extra}: {r.status_code} {r.text[:200]}")
    world.assert_unchanged(before)
    assert not wrong, "\n".join(wrong)


def test_the_lenders_name_without_its_role_is_not_the_lender(world: World) -> None:
    before = world.settled_snapshot()
    loan = world.ids["loan_id"]
    wrong: list[str] = []
    callers = [
        (Role.ODF_STAFF,),
        (Role.PARTICIPANT,),
        (Role.BOARD_REPRESENTATIVE,),  # not on the board: only the name of the lender
        (Role.PROGRAMME_SUPERVISOR,),
        (Role.DONOR_PORTAL,),
    ]
    for roles in callers:
        header = world.as_(*roles, organization=LENDER, participant_id=world.other)
        for action, body in (
            ("lender-approval", None),
            ("rejection", {"reason": "not our risk"}),
            ("disbursement", None),
        ):
            r = world.client("credit").post(f"/v1/loans/{loan}/{action}", json=body, headers=header)
            if not is_problem(r, 403):
                wrong.append(
                    f"{action} as {'+'.join(roles)} of {LENDER}: {r.status_code} {r.text[:200]}"
                )
    world.assert_unchanged(before)
    assert not wrong, "\n".join(wrong)


# -- (d) the Idempotency-Key ------------------------------------------------------------------


def test_every_post_requires_its_idempotency_key(world: World, ops: list[Operation]) -> None:
    before = world.settled_snapshot()
    posts = [op for op in ops if op.method == "post"]
    wrong: list[str] = []
    unkeyed = each_at_once(partial(send, world, op, world.authorized(op) | UNKEYED) for op in posts)
    for op, r in zip(posts, unkeyed, strict=True):
        declared = op.parameter("Idempotency-Key")
        if declared is None or declared["in"] != "header":
            wrong.append(f"{op.name}: the Idempotency-Key header is not declared")
        if "428" not in op.spec.get("responses", {}):
            wrong.append(f"{op.name}: 428 is not documented")
        if not is_problem(r, 428):
            wrong.append(f"{op.name} without a key: {r.status_code} {r.text[:200]}")
    world.assert_unchanged(before)
    print(f"\nIdempotency-Key: {len(posts)} POST operations")
    assert len(posts) >= 40
    assert not wrong, f"{len(wrong)} wrong:\n" + "\n".join(wrong)


def creations(world: World) -> list[tuple[str, str, dict[str, Any], tuple[Role, ...], str]]:
    g = world.ids["group_id"]
    return [
        ("enrollment", "/v1/projects", world.drive.project_body(), (Role.ODF_STAFF,), "id"),
        (
            "funds",
            f"/v1/funds/{g}/contributions",
            {"donor": "Fundación", "source": "local", "amount": "10.00"},
            (Role.PROGRAMME_SUPERVISOR,),
            "id",
        ),
        (
            "credit",
            "/v1/loans",
            {
                "group_id": g,
                "borrower_kind": "odf",
                "borrower_id": world.odf_id,
                "amount": "10.00",
                "purpose": "a scale",
                "term_months": 2,
            },
            (Role.ODF_STAFF,),
            "id",
        ),
    ]


def test_a_stored_answer_is_never_given_to_another_caller(world: World) -> None:
    for service, path, body, roles, id_field in creations(world):
        key = {"Idempotency-Key": uid("shared-key")}
        first_caller = world.as_(*roles, subject=uid("first")) | key
        second_caller = world.as_(*roles, subject=uid("second")) | key
        client = world.client(service)
        first = client.post(path, json=body, headers=first_caller)
        assert first.status_code == 201, f"{service} {path}: {first.text}"
        replay = client.post(path, json=body, headers=first_caller)
        assert replay.json() == first.json(), f"{service}: the first caller's own retry"
        second = client.post(path, json=body, headers=second_caller)
        assert second.status_code < 500, second.text
        if second.status_code < 300:
            assert second.json()[id_field] != first.json()[id_field], (
                f"{service} {path}: the second caller got the first caller's {first.json()}"
            )
        # the case: a caller of another state reusing the key
        stranger = world.as_(*roles, states=(OTHER_STATE,), subject=uid("stranger")) | key
        third = client.post(path, json=body, headers=stranger)
        assert is_problem(third, (403, 404)), f"{service} {path}: {third.status_code} {third.text}"
        print(
            f"\n{service} {path}: first 201, second {second.status_code}, stranger "
            f"{third.status_code}"
        )
