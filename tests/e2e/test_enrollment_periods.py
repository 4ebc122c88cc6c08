"""Business plans, period results and whole-group period sheets over HTTP."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.keys import UNKEYED

pytestmark = pytest.mark.e2e


@pytest.fixture
def drive(platform: Platform, tokens: Any) -> Driver:
    return Driver(
        platform.processes["enrollment"].url, tokens.header, state=f"{random.randint(1, 32):02d}"
    )


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def after(period_start: date, days: int = 1) -> date:
    """A day `days` after the end of the month starting on `period_start`."""
    return Driver.first_of_next_month(period_start) + timedelta(days=days - 1)


def test_a_plan_is_agreed_once_and_revised_with_if_match(drive: Driver) -> None:
    group, members = drive.active_group()
    start = drive.first_of_next_month(drive.today())
    url = f"/groups/{group['id']}/business-plans"
    body = {
        "participant_id": members[0],
        "baseline_income": "8000.00",
        "target_increase": "1000.00",
        "start_date": start.isoformat(),
    }
    problem(drive.client.post(url, json=body, headers=drive.staff | UNKEYED), 428)
    for bad in (
        {"baseline_income": 8000.5},
        {"start_date": (start + timedelta(1)).isoformat()},
        {"target_increase": "0.00"},
        {"baseline_income": "1.001"},
        {"participant_id": "not-a-member"},
        {"period_months": 5},
    ):
        problem(drive.client.post(url, json=body | bad, headers=drive.staff | key()), 422)
    headers = drive.staff | key()
    created = drive.client.post(url, json=body, headers=headers)
    plan = ok(created, 201)
    assert plan["target_income"] == "9000.00" and plan["period_months"] == 1
    assert ok(drive.client.post(url, json=body, headers=headers), 201) == plan  # replayed
    problem(drive.client.post(url, json=body, headers=drive.staff | key()), 409)
    plan_url = f"{url}/{members[0]}"
    problem(
        drive.client.patch(plan_url, json={"baseline_income": "7000.00"}, headers=drive.staff), 428
    )
    revised = drive.client.patch(
        plan_url,
        json={"baseline_income": "7000.00"},
        headers=drive.staff | {"If-Match": created.headers["ETag"]},
    )
    assert ok(revised)["revision"] == 2 and revised.headers["ETag"] == '"v2"'
    listed = ok(drive.client.get(url, headers=drive.staff))
    assert [p["participant_id"] for p in listed["items"]] == [members[0]]
    member = drive.as_("participant", participant_id=members[0])
    assert ok(drive.client.get(plan_url, headers=member))["baseline_income"] == "7000.00"
    problem(
        drive.client.get(plan_url, headers=drive.as_("participant", participant_id=members[1])), 403
    )


def test_a_member_period_closes_once_and_is_corrected_by_a_new_record(drive: Driver) -> None:
    group, members = drive.active_group()
    start = drive.first_of_next_month(drive.today())
    drive.agree_plan(group["id"], members[0], start, baseline="10000.00")
    period = f"/groups/{group['id']}/business-plans/{members[0]}/periods/{start.isoformat()}"
    problem(
        drive.client.post(f"{period}/income", json={"income": "1.00"}, headers=drive.staff | key()),
        422,
    )  # not begun yet
    drive.move_clock_to(start + timedelta(days=3))
    problem(
        drive.client.post(
            f"{period}/income", json={"income": "1.00"}, headers=drive.staff | UNKEYED
        ),
        428,
    )
    member = drive.as_("participant", participant_id=members[0])
    ok(drive.client.post(f"{period}/income", json={"income": "12345.67"}, headers=member | key()))
    problem(drive.client.post(f"{period}/close", headers=drive.staff | key()), 422)  # not ended
    drive.move_clock_to(after(start))
    closing = drive.staff | key()
    result = ok(drive.client.post(f"{period}/close", headers=closing), 201)
    assert (
        result["income"],
        result["incremental_income"],
        result["deposit_due"],
        result["odf_share"],
    ) == ("12345.67", "2345.67", "234.57", "586.42")
    assert ok(drive.client.post(f"{period}/close", headers=closing), 201) == result
    problem(drive.client.post(f"{period}/close", headers=drive.staff | key()), 409)
    problem(
        drive.client.post(f"{period}/income", json={"income": "1.00"}, headers=drive.staff | key()),
        409,
    )
    fix = drive.client.post(
        f"{period}/corrections",
        headers=drive.staff | key(),
        json={"income": "9000.00", "reason": "a sale was counted twice"},
    )
    corrected = ok(fix, 201)
    assert corrected["replaces"] == result["result_id"] and corrected["deposit_due"] == "0.00"
    periods = ok(drive.client.get(period.rsplit("/", 1)[0], headers=member))
    (row,) = [p for p in periods["items"] if p["period_start"] == start.isoformat()]
    assert [r["result_id"] for r in row["history"]] == [result["result_id"], corrected["result_id"]]
    assert row["result"]["income"] == "9000.00"


def test_a_group_sheet_is_accepted_whole_or_not_at_all(drive: Driver) -> None:
    group, members = drive.active_group()
    start = drive.first_of_next_month(drive.today())
    for i, pid in enumerate(members):
        drive.agree_plan(group["id"], pid, start, baseline=f"{1000 * (i + 1)}.00")
    url = f"/groups/{group['id']}/period-closings"
    incomes = [
        {"participant_id": pid, "income": f"{1200 * (i + 1)}.50"} for i, pid in enumerate(members)
    ]
    body = {"period_start": start.isoformat(), "incomes": incomes}
    problem(drive.client.post(url, json=body, headers=drive.staff | key()), 422)  # not ended
    drive.move_clock_to(after(start))
    problem(drive.client.post(url, json=body, headers=drive.staff | UNKEYED), 428)
    cases = [
        incomes[:4],
        [*incomes, incomes[0]],
        [*incomes[:4], {"participant_id": members[4], "income": "-5.00"}],
        [*incomes, {"participant_id": "stranger", "income": "5.00"}],
    ]
    for sheet in cases:
        refused = problem(
            drive.client.post(url, json=body | {"incomes": sheet}, headers=drive.staff | key()), 422
        )
        assert refused["problems"]
    period_url = f"/groups/{group['id']}/periods/{start.isoformat()}"
    problem(drive.client.get(period_url, headers=drive.staff), 404)  # nothing was written
    closing = drive.staff | key()
    closed = ok(drive.client.post(url, json=body, headers=closing), 201)
    assert closed["closed_at"] and len(closed["members"]) == 5
    first = next(m for m in closed["members"] if m["participant_id"] == members[0])["result"]
    assert (first["incremental_income"], first["deposit_due"], first["odf_share"]) == (
        "200.50",
        "20.05",
        "50.12",
    )  # 50.125 rounds half-even to 50.12
    assert ok(drive.client.post(url, json=body, headers=closing), 201) == closed
    problem(drive.client.post(url, json=body, headers=drive.staff | key()), 409)
    assert ok(drive.client.get(period_url, headers=drive.staff))["closed_at"] == closed["closed_at"]
    growth = ok(
        drive.client.get(
            "/reports/income-growth",
            params={"group_id": group["id"]},
            headers=drive.as_("programme_supervisor", states=("*",)),
        )
    )
    assert growth["members"] == 5 and growth["members_above_baseline"] == 5
    assert growth["total_baseline"] == "15000.00" and growth["total_income"] == "18002.50"
