"""Enrollment over HTTP against the real store: participants, projects, groups, ODFs."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
import pytest

from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.keys import UNKEYED

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"


@pytest.fixture
def drive(platform: Platform, tokens: Any) -> Driver:
    return Driver(
        platform.processes["enrollment"].url, tokens.header, state=f"{random.randint(1, 32):02d}"
    )


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def by_curp(drive: Driver, curp: str) -> list[dict[str, Any]]:
    page = ok(drive.client.get("/participants", params={"curp": curp}, headers=drive.staff))
    return page["items"]


def test_enroll_read_and_derive(drive: Driver) -> None:
    body = drive.participant_body(
        female=True,
        age=24,
        functions=["production", "acquisition"],
        declared_programmes=["women", "popular_art"],
        indigenous=True,
    )
    created = drive.client.post("/participants", json=body, headers=drive.staff)
    p = ok(created, 201)
    assert created.headers["ETag"] == '"v1"'
    assert created.headers["Location"] == f"/v1/participants/{p['id']}"
    assert p["member_type"] == "micro_producer"
    assert p["programmes"] == ["popular_art", "women", "young"]
    assert p["state_name"] and p["group_id"] is None
    fetched = drive.client.get(f"/participants/{p['id']}", headers=drive.staff)
    assert ok(fetched) == p and fetched.headers["ETag"] == '"v1"'


def test_a_curp_enrolls_once(drive: Driver) -> None:
    body = drive.participant_body()
    first = drive.enroll(**body)
    again = problem(
        drive.client.post(
            "/participants", json=body | {"given_names": "Otra"}, headers=drive.staff
        ),
        409,
    )
    assert again["participant_id"] == first["id"] and first["id"] in again["detail"]
    assert [p["id"] for p in by_curp(drive, body["curp"])] == [first["id"]]


async def test_the_curp_claim_is_what_lookups_read_and_it_heals(drive: Driver, infra: Any) -> None:
    """A participant whose claim is missing (enrolled before claims, or a crash between the
    two writes) still refuses a second enrollment through the unique index, and the claim is
    written back; a claim left by an enrollment that never completed does not block the CURP."""
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo)
    claims = client["megp_enrollment"]["curps"]
    try:
        body = drive.participant_body()
        first = drive.enroll(**body)
        assert (await claims.find_one({"_id": body["curp"]}))["participant_id"] == first["id"]
        await claims.delete_one({"_id": body["curp"]})
        assert by_curp(drive, body["curp"]) == []  # lookups read the claim only
        again = problem(drive.client.post("/participants", json=body, headers=drive.staff), 409)
        assert again["participant_id"] == first["id"]
        assert [p["id"] for p in by_curp(drive, body["curp"])] == [first["id"]]  # healed

        orphan = drive.participant_body()
        await claims.insert_one({"_id": orphan["curp"], "participant_id": "never-written"})
        assert by_curp(drive, orphan["curp"]) == []
        created = drive.enroll(**orphan)
        assert [p["id"] for p in by_curp(drive, orphan["curp"])] == [created["id"]]
    finally:
        await client.close()


def test_an_idempotency_key_replays_and_refuses_another_body(drive: Driver) -> None:
    body, key = drive.participant_body(), str(uuid.uuid4())
    headers = drive.staff | {"Idempotency-Key": key}
    first = ok(drive.client.post("/participants", json=body, headers=headers), 201)
    replay = drive.client.post("/participants", json=body, headers=headers)
    assert ok(replay, 201) == first
    other = drive.participant_body()
    assert (
        "already used"
        in problem(drive.client.post("/participants", json=other, headers=headers), 422)["detail"]
    )
    assert by_curp(drive, other["curp"]) == []
    bad_key = drive.client.post(
        "/participants", json=other, headers=drive.staff | {"Idempotency-Key": "no spaces"}
    )
    problem(bad_key, 422)


async def test_a_registration_sheet_enrolls_everyone_or_nobody(drive: Driver, infra: Any) -> None:
    url = "/participants/registration-sheets"
    first = drive.participant_body()
    enrolled = drive.enroll(**first)
    good = [drive.participant_body() for _ in range(6)]
    wrong_digit = good[0]["curp"][:-1] + str((int(good[0]["curp"][-1]) + 1) % 10)
    there = f"{(int(drive.state) % 32) + 1:02d}"
    bad = [
        good[0],
        good[1] | {"curp": wrong_digit},  # the check digit fails
        good[2] | {"birth_date": "1950-01-01"},  # not the CURP's birth date
        good[3] | {"state_code": there},  # outside the caller's states
        good[4],
        good[4] | {"given_names": "Otra"},  # the same CURP twice
        first | {"given_names": "Otra"},  # enrolled already
    ]

    def post(lines: list[dict[str, Any]], key: str | None) -> httpx.Response:
        headers = drive.staff | ({"Idempotency-Key": key} if key else UNKEYED)
        return drive.client.post(url, json={"participants": lines}, headers=headers)

    refused = problem(post(bad, f"sheet-{uuid.uuid4()}"), 422)
    assert "nobody was enrolled" in refused["detail"]
    assert [p["line"] for p in refused["problems"]] == [2, 3, 4, 6, 7]
    assert "line 5" in refused["problems"][3]["problem"]
    assert refused["problems"][4]["participant_id"] == enrolled["id"]
    assert all(by_curp(drive, b["curp"]) == [] for b in good)
    assert post(good, None).status_code == 428
    problem(drive.client.post(url, json={"participants": []}, headers=drive.staff), 422)

    key = f"sheet-{uuid.uuid4()}"
    created = ok(post(good, key), 201)
    assert created["enrolled"] == 6
    assert [(r["line"], r["curp"]) for r in created["participants"]] == [
        (n, b["curp"]) for n, b in enumerate(good, start=1)
    ]
    for row, body in zip(created["participants"], good, strict=True):
        person = ok(drive.client.get(f"/participants/{row['id']}", headers=drive.staff))
        assert person["curp"] == body["curp"] and person["state_code"] == drive.state
        assert [p["id"] for p in by_curp(drive, body["curp"])] == [row["id"]]
    assert ok(post(good, key), 201) == created  # replayed
    assert "already used" in problem(post(good[:5], key), 422)["detail"]
    # the same sheet under another key: every line is somebody enrolled already
    assert len(problem(post(good, f"sheet-{uuid.uuid4()}"), 422)["problems"]) == 6

    # a crash after the writes but before the answer was kept: the retry completes the sheet
    # with the same ids instead of refusing its own lines or enrolling anyone twice
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo)
    try:
        kept = client["megp_enrollment"]["idempotency"]
        gone = await kept.delete_many({"_id": {"$regex": f":{key}$"}})
        assert gone.deleted_count == 1
    finally:
        await client.close()
    assert ok(post(good, key), 201) == created
    assert all(len(by_curp(drive, b["curp"])) == 1 for b in good)
    other_state = drive.as_("odf_staff", states=(there,))
    refused_scope = drive.client.post(
        url,
        json={"participants": [drive.participant_body()]},
        headers=other_state | {"Idempotency-Key": f"sheet-{uuid.uuid4()}"},
    )
    # out of the caller's scope is a 403 (every route refuses an out-of-state write as scope;
    # tests/e2e/test_access_matrix.py walks them all), still naming the line
    assert problem(refused_scope, 403)["problems"][0]["line"] == 1


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (lambda b: b | {"curp": b["curp"][:-1] + str((int(b["curp"][-1]) + 1) % 10)}, "CURP"),
        (lambda b: b | {"birth_date": "1950-01-01"}, "birth date"),
        (lambda b: b | {"gender": "male" if b["gender"] == "female" else "female"}, "gender"),
        (lambda b: b | {"state_code": "33"}, None),
        (lambda b: b | {"functions": []}, None),
        (lambda b: b | {"functions": ["cooking"]}, None),
        (lambda b: b | {"declared_programmes": ["young"]}, "birth date"),
        (lambda b: b | {"declared_programmes": ["disabled"]}, "disabled"),
        (lambda b: b | {"unknown_field": 1}, None),
        (lambda b: {k: v for k, v in b.items() if k != "municipality"}, None),
        (lambda b: b | {"birth_date": "not a date"}, None),
    ],
)
def test_bad_input_is_a_422_and_writes_nothing(
    drive: Driver, change: Any, expect: str | None
) -> None:
    body = drive.participant_body(female=False)
    bad = change(body)
    body_out = problem(drive.client.post("/participants", json=bad, headers=drive.staff), 422)
    if expect:
        assert expect in body_out["detail"]
    assert by_curp(drive, body["curp"]) == []


def test_update_needs_the_current_etag(drive: Driver) -> None:
    p = drive.enroll()
    url = f"/participants/{p['id']}"
    change = {"municipality": "Tlacolula de Matamoros", "functions": ["administration"]}
    problem(drive.client.patch(url, json=change, headers=drive.staff), 428)
    problem(drive.client.patch(url, json=change, headers=drive.staff | {"If-Match": "v1"}), 422)
    problem(drive.client.patch(url, json=change, headers=drive.staff | {"If-Match": '"v9"'}), 412)
    updated = drive.client.patch(url, json=change, headers=drive.staff | {"If-Match": '"v1"'})
    assert ok(updated)["member_type"] == "micro_entrepreneur"
    assert updated.headers["ETag"] == '"v2"'
    problem(drive.client.patch(url, json=change, headers=drive.staff | {"If-Match": '"v1"'}), 412)
    problem(
        drive.client.patch(
            url, json={"curp": p["curp"]}, headers=drive.staff | {"If-Match": '"v2"'}
        ),
        422,
    )


def test_lists_page_with_a_cursor_and_filter(drive: Driver) -> None:
    town = f"Municipio {uuid.uuid4().hex[:8]}"
    ids = [drive.enroll(municipality=town, female=i < 2)["id"] for i in range(5)]
    seen: list[str] = []
    params: dict[str, Any] = {"state_code": drive.state, "municipality": town, "limit": 2}
    pages = 0
    while True:
        page = ok(drive.client.get("/participants", params=params, headers=drive.staff))
        seen += [p["id"] for p in page["items"]]
        pages += 1
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == sorted(ids) and pages == 3
    women = ok(
        drive.client.get(
            "/participants",
            headers=drive.staff,
            params={"state_code": drive.state, "municipality": town, "programme": "women"},
        )
    )
    assert women["items"] == []  # nobody declared the women's programme
    problem(drive.client.get("/participants", params={"cursor": "!!"}, headers=drive.staff), 422)
    problem(drive.client.get("/participants", params={"limit": 0}, headers=drive.staff), 422)


def test_projects_rank_by_priority_score(drive: Driver) -> None:
    town = f"Municipio {uuid.uuid4().hex[:8]}"
    top = {n: 3 for n in drive.project_body()["criteria"]}
    low = dict.fromkeys(top, 0) | {"local_raw_materials": 1}
    mid = dict.fromkeys(top, 0) | {"marginalized_community": 3}
    made = [drive.propose(municipality=town, criteria=c) for c in (low, top, mid)]
    assert [p["priority_score"] for p in made] == [4, 100, 22]
    order: list[tuple[int, str]] = []
    params: dict[str, Any] = {"state_code": drive.state, "limit": 50}
    while True:
        page = ok(drive.client.get("/projects/ranking", params=params, headers=drive.staff))
        order += [(p["priority_score"], p["id"]) for p in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert [s for s, _ in order] == sorted((s for s, _ in order), reverse=True)
    mine = [i for _, i in order if i in {p["id"] for p in made}]
    assert mine == [made[1]["id"], made[2]["id"], made[0]["id"]]
    bad = drive.project_body(criteria=top | {"replicable_pilot": 4})
    problem(drive.client.post("/projects", json=bad, headers=drive.staff), 422)


def test_a_group_forms_activates_and_keeps_its_history(drive: Driver) -> None:
    project = drive.propose()
    group = drive.form_group(project["id"])
    assert group["id"] == project["group_id"] and group["status"] == "forming"
    problem(drive.client.post(f"/projects/{project['id']}/group", headers=drive.staff), 409)
    ids = [drive.enroll()["id"] for _ in range(5)]
    partial = {
        "participant_id": ids[0],
        "business_reason": "sell together",
        "letter_of_commitment": drive.letter()[:5],
    }
    refused = problem(
        drive.client.post(f"/groups/{group['id']}/members", json=partial, headers=drive.staff), 422
    )
    assert refused["rule"] == "¶49"
    assert ok(drive.client.get(f"/participants/{ids[0]}", headers=drive.staff))["group_id"] is None
    for pid in ids[:4]:
        assert ok(drive.join(group["id"], pid), 201)["status"] == "forming"
    problem(drive.register_odf(group["id"]), 422)
    assert ok(drive.join(group["id"], ids[4]), 201)["status"] == "active"
    problem(drive.join(group["id"], ids[4]), 409)
    assert (
        ok(drive.client.get(f"/participants/{ids[4]}", headers=drive.staff))["group_id"]
        == group["id"]
    )
    left = ok(
        drive.client.post(
            f"/groups/{group['id']}/members/{ids[0]}/leave",
            json={"reason": "moving the workshop"},
            headers=drive.staff,
        )
    )
    assert left["active_members"] == 4 and left["below_minimum"] is True
    assert ok(drive.client.get(f"/participants/{ids[0]}", headers=drive.staff))["group_id"] is None
    ok(drive.join(group["id"], ids[0]), 201)
    members = ok(
        drive.client.get(f"/groups/{group['id']}/members", headers=drive.staff, params={"limit": 3})
    )
    assert len(members["items"]) == 3 and members["next_cursor"]
    history = ok(drive.client.get(f"/groups/{group['id']}", headers=drive.staff))["history"]
    assert [h["movement"] for h in history if h["participant_id"] == ids[0]] == [
        "joined",
        "left",
        "joined",
    ]
    other = drive.form_group()
    taken = problem(drive.join(other["id"], ids[1]), 409)
    assert taken["group_id"] == group["id"]


def test_an_intake_sheet_joins_every_member_or_nobody(drive: Driver) -> None:
    group = drive.form_group()
    gid = group["id"]
    ids = [drive.enroll()["id"] for _ in range(6)]
    elsewhere = drive.form_group()
    ok(drive.join(elsewhere["id"], ids[5]), 201)
    there = f"{(int(drive.state) % 32) + 1:02d}"
    stranger = ok(
        drive.client.post(
            "/participants",
            json=drive.participant_body(state_code=there),
            headers=drive.as_("odf_staff", states=(there,)),
        ),
        201,
    )["id"]

    def line(pid: str, letter: list[dict[str, str]] | None = None) -> dict[str, Any]:
        return {
            "participant_id": pid,
            "business_reason": "sell together",
            "letter_of_commitment": letter or drive.letter(),
        }

    url = f"/groups/{gid}/intake-sheets"
    bad = {
        "members": [
            line(ids[0]),
            line(ids[1], drive.letter()[:5]),  # an undertaking missing
            line(ids[5]),  # in another group
            line(stranger),  # another state
            line("p-nobody"),
            line(ids[0]),  # twice
        ]
    }
    refused = problem(drive.client.post(url, json=bad, headers=drive.staff), 422)
    problems = {(p["participant_id"], p["problem"].split(";")[0][:20]) for p in refused["problems"]}
    assert {p for p, _ in problems} == {ids[0], ids[1], ids[5], stranger, "p-nobody"}
    assert ok(drive.client.get(f"/groups/{gid}", headers=drive.staff))["active_members"] == 0
    assert ok(drive.client.get(f"/participants/{ids[0]}", headers=drive.staff))["group_id"] is None

    sheet = {"members": [line(pid) for pid in ids[:5]]}
    key = {"Idempotency-Key": f"intake-{uuid.uuid4()}"}
    joined = ok(drive.client.post(url, json=sheet, headers=drive.staff | key), 201)
    assert joined["status"] == "active" and joined["active_members"] == 5
    assert ok(drive.client.post(url, json=sheet, headers=drive.staff | key), 201) == joined
    again = problem(drive.client.post(url, json=sheet, headers=drive.staff), 422)
    assert len(again["problems"]) == 5  # each is a member already
    for pid in ids[:5]:
        person = ok(drive.client.get(f"/participants/{pid}", headers=drive.staff))
        assert person["group_id"] == gid
    members = ok(drive.client.get(f"/groups/{gid}/members", headers=drive.staff))["items"]
    assert sorted(m["participant_id"] for m in members) == sorted(ids[:5])
    assert all(len(m["letter_of_commitment"]) == 6 for m in members)
    staff_only = drive.as_("participant", participant_id=ids[0])
    assert drive.client.post(url, json=sheet, headers=staff_only).status_code == 403


def test_a_plan_sheet_agrees_every_plan_or_none(drive: Driver) -> None:
    group, members = drive.active_group(members=5)
    gid = group["id"]
    start = drive.first_of_next_month(drive.today())
    drive.agree_plan(gid, members[4], start)  # agreed on its own before the sheet
    outsider = drive.enroll()["id"]

    def line(pid: str, baseline: str = "8000.00", day: str | None = None) -> dict[str, Any]:
        return {
            "participant_id": pid,
            "baseline_income": baseline,
            "target_increase": "1200.00",
            "start_date": day or start.isoformat(),
        }

    url = f"/groups/{gid}/business-plan-sheets"
    key = {"Idempotency-Key": f"sheet-{uuid.uuid4()}"}
    bad = {
        "plans": [
            line(members[0]),
            line(members[1], day=(start.replace(day=2)).isoformat()),  # not a first of month
            line(members[4]),  # has one
            line(outsider),
            line(members[0]),  # twice
        ]
    }
    refused = problem(drive.client.post(url, json=bad, headers=drive.staff | key), 422)
    assert {p["participant_id"] for p in refused["problems"]} == {
        members[0],
        members[1],
        members[4],
        outsider,
    }
    listed = ok(drive.client.get(f"/groups/{gid}/business-plans", headers=drive.staff))["items"]
    assert [p["participant_id"] for p in listed] == [members[4]]

    unkeyed = drive.staff | UNKEYED
    problem(drive.client.post(url, json={"plans": [line(members[0])]}, headers=unkeyed), 428)
    sheet = {"plans": [line(pid, baseline=f"{7000 + i}.00") for i, pid in enumerate(members[:4])]}
    key = {"Idempotency-Key": f"sheet-{uuid.uuid4()}"}
    agreed = ok(drive.client.post(url, json=sheet, headers=drive.staff | key), 201)["plans"]
    assert [(p["participant_id"], p["baseline_income"]) for p in agreed] == [
        (pid, f"{7000 + i}.00") for i, pid in enumerate(members[:4])
    ]
    assert all(p["target_income"] == f"{8200 + i}.00" for i, p in enumerate(agreed))
    replay = ok(drive.client.post(url, json=sheet, headers=drive.staff | key), 201)["plans"]
    assert replay == agreed
    listed = ok(drive.client.get(f"/groups/{gid}/business-plans", headers=drive.staff))["items"]
    assert sorted(p["participant_id"] for p in listed) == sorted(members)


async def test_a_plan_sheet_retried_after_its_writes_finds_its_own_plans(
    drive: Driver, infra: Any
) -> None:
    """A retry whose first attempt wrote the plans but kept no answer (a crash, or the first
    attempt still running in another process) answers with those plans; another sheet with the
    same lines is still refused, as the members have plans already."""
    group, members = drive.active_group(members=5)
    gid = group["id"]
    start = drive.first_of_next_month(drive.today()).isoformat()
    sheet = {
        "plans": [
            {
                "participant_id": pid,
                "baseline_income": "6000.00",
                "target_increase": "900.00",
                "start_date": start,
            }
            for pid in members
        ]
    }
    url, key = f"/groups/{gid}/business-plan-sheets", f"plans-{uuid.uuid4()}"
    headers = drive.staff | {"Idempotency-Key": key}
    agreed = ok(drive.client.post(url, json=sheet, headers=headers), 201)
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo)
    try:
        kept = client["megp_enrollment"]["idempotency"]
        assert (await kept.delete_many({"_id": {"$regex": f":{key}$"}})).deleted_count == 1
    finally:
        await client.close()
    assert ok(drive.client.post(url, json=sheet, headers=headers), 201) == agreed
    other = drive.staff | {"Idempotency-Key": f"plans-{uuid.uuid4()}"}
    refused = problem(drive.client.post(url, json=sheet, headers=other), 422)
    assert {p["participant_id"] for p in refused["problems"]} == set(members)
    listed = ok(drive.client.get(f"/groups/{gid}/business-plans", headers=drive.staff))["items"]
    assert sorted(p["participant_id"] for p in listed) == sorted(members)


def test_the_development_organization_is_registered_once_per_rfc(drive: Driver) -> None:
    group, _ = drive.active_group(odf=False)
    url = f"/groups/{group['id']}"
    problem(drive.register_odf(group["id"], rfc="CAM1503021A4"), 422)
    problem(drive.register_odf(group["id"], rfc="GODE561231GR8"), 422)
    problem(drive.register_odf(group["id"], trust_bank="Banco Inventado"), 422)
    assert ok(drive.client.get(url, headers=drive.staff))["development_organization"] is None
    response = drive.register_odf(group["id"])
    odf = ok(response, 201)
    assert odf["trust_bank"] == "Banorte"
    problem(drive.register_odf(group["id"]), 409)
    other, _ = drive.active_group(odf=False)
    taken = problem(drive.register_odf(other["id"], rfc=odf["rfc"]), 409)
    assert taken["group_id"] == group["id"]


def test_participation_report_counts_the_new_participants(drive: Driver) -> None:
    supervisor = drive.as_("programme_supervisor", states=("*",))
    params = {"state_code": drive.state}
    before = ok(drive.client.get("/reports/participation", params=params, headers=supervisor))
    drive.enroll(female=True, age=22, disabled=True)
    drive.enroll(female=False, age=65, indigenous=True, functions=["administration"])
    after = ok(drive.client.get("/reports/participation", params=params, headers=supervisor))
    assert after["participants"] == before["participants"] + 2
    assert after["by_gender"].get("female", 0) == before["by_gender"].get("female", 0) + 1
    assert after["by_programme"].get("young", 0) == before["by_programme"].get("young", 0) + 1
    assert after["by_programme"].get("elderly", 0) == before["by_programme"].get("elderly", 0) + 1
    assert (
        after["by_member_type"].get("micro_entrepreneur", 0)
        == before["by_member_type"].get("micro_entrepreneur", 0) + 1
    )
    assert 0 < float(after["equal_opportunity_shares"]["women"]) <= 1
    problem(
        drive.client.get(
            "/reports/participation", headers=drive.as_("participant", participant_id="x")
        ),
        403,
    )
