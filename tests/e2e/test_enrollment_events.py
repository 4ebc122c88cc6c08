"""What enrollment publishes on `enrollment.events`: each event once, keyed by the project
group (or the participant outside a group), carrying what consumers need."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.events import EventTap, Published, distinct

pytestmark = pytest.mark.e2e
TOPIC = "enrollment.events"


@pytest.fixture
def drive(platform: Platform, tokens: Any) -> Driver:
    return Driver(
        platform.processes["enrollment"].url, tokens.header, state=f"{random.randint(1, 32):02d}"
    )


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def one(events: list[Published], kind: str) -> Published:
    found = [e for e in events if e.type == f"enrollment.{kind}"]
    assert len(found) == 1, f"{kind}: {len(found)} published"
    return found[0]


async def test_a_participant_outside_a_group_is_keyed_by_its_own_id(
    drive: Driver, infra: Any
) -> None:
    async with EventTap(infra.kafka, TOPIC) as tap:
        p = drive.enroll(female=True, age=70, declared_programmes=["women"])
        events = distinct(await tap.collect(lambda e: e.envelope["subject"] == p["id"], expect=1))
    enrolled = one(events, "ParticipantEnrolled")
    assert enrolled.key == p["id"] and enrolled.envelope["state"] == drive.state
    data = enrolled.data
    assert (data["participant_id"], data["curp"], data["birth_date"], data["gender"]) == (
        p["id"],
        p["curp"],
        p["birth_date"],
        "female",
    )
    assert data["state_code"] == drive.state and data["municipality"] == p["municipality"]
    assert data["programmes"] == ["elderly", "women"]
    assert data["member_type"] == "micro_producer"


async def test_a_group_s_life_is_published_once_each_under_its_key(
    drive: Driver, infra: Any
) -> None:
    async with EventTap(infra.kafka, TOPIC) as tap:
        group, members = drive.active_group(members=5)
        gid = group["id"]
        committee = ok(
            drive.client.post(
                "/committees",
                headers=drive.staff,
                json={"kind": "support", "name": "Apoyo", "project_id": group["project_id"]},
            ),
            201,
        )
        ok(
            drive.client.post(
                f"/committees/{committee['id']}/members",
                headers=drive.staff,
                json={"name": "Universidad", "role": "national", "supports": ["research_studies"]},
            ),
            201,
        )
        founder = drive.as_("participant", participant_id=members[0])
        ok(
            drive.client.post(
                f"/groups/{gid}/board/representatives",
                headers=founder,
                json={"participant_id": members[0]},
            ),
            201,
        )
        patched = drive.client.patch(
            f"/participants/{members[1]}",
            headers=drive.staff | {"If-Match": '"v2"'},
            json={"inventor": True},
        )
        ok(patched)
        start = drive.first_of_next_month(drive.today())
        for pid in members:
            drive.agree_plan(gid, pid, start, baseline="5000.00")
        drive.move_clock_to(drive.first_of_next_month(start) + timedelta(days=2))
        # the first member's period closes on its own; the sheet closes the other four
        alone = f"/groups/{gid}/business-plans/{members[0]}/periods/{start.isoformat()}"
        ok(
            drive.client.post(
                f"{alone}/income", json={"income": "6000.00"}, headers=drive.staff | key()
            )
        )
        ok(drive.client.post(f"{alone}/close", headers=drive.staff | key()), 201)
        closing = drive.staff | key()
        sheet = {
            "period_start": start.isoformat(),
            "incomes": [{"participant_id": pid, "income": "6000.00"} for pid in members[1:]],
        }
        url = f"/groups/{gid}/period-closings"
        ok(drive.client.post(url, json=sheet, headers=closing), 201)
        ok(drive.client.post(url, json=sheet, headers=closing), 201)  # replay: no new events
        assert drive.client.post(url, json=sheet, headers=drive.staff | key()).status_code == 409
        ok(
            drive.client.post(
                f"/groups/{gid}/members/{members[4]}/leave",
                json={"reason": "opening a shop elsewhere"},
                headers=drive.staff,
            )
        )
        mine = set(members) | {gid}
        events = distinct(await tap.collect(lambda e: e.key in mine, expect=28))

    counts = Counter(e.type.removeprefix("enrollment.") for e in events)
    assert counts == {
        "ParticipantEnrolled": 5,
        "ProjectProposed": 1,
        "ProjectGroupOpened": 1,
        "MemberJoinedGroup": 5,
        "ProjectGroupActivated": 1,
        "DevelopmentOrganizationRegistered": 1,
        "ProjectGroupFormed": 1,
        "CommitteeFormed": 1,
        "CommitteeMemberAdded": 1,
        "BoardMemberAppointed": 1,
        "BoardChanged": 1,
        "ParticipantUpdated": 1,
        "BusinessPlanAgreed": 5,
        "BusinessPeriodClosed": 1,  # the member closed alone; the sheet's are in the group's
        "GroupPeriodClosed": 1,
        "MemberLeftGroup": 1,
    }, counts
    outside = {e.type for e in events if e.key != gid}
    assert outside == {"enrollment.ParticipantEnrolled"}  # enrolled before joining
    assert all(e.envelope["state"] == drive.state for e in events)

    formed = one(events, "ProjectGroupFormed").data
    odf = group["development_organization"]
    assert (formed["group_id"], formed["project_id"], formed["state_code"]) == (
        gid,
        group["project_id"],
        drive.state,
    )
    assert (formed["odf_id"], formed["odf_legal_name"], formed["rfc"], formed["trust_bank"]) == (
        odf["odf_id"],
        odf["legal_name"],
        odf["rfc"],
        odf["trust_bank"],
    )
    assert sorted(formed["member_participant_ids"]) == sorted(members)
    assert formed["municipality"] == group["municipality"]
    assert one(events, "BoardChanged").data["representative_participant_ids"] == [members[0]]
    assert one(events, "ParticipantUpdated").data["group_id"] == gid
    assert one(events, "MemberLeftGroup").data["reason"] == "opening a shop elsewhere"

    closed = one(events, "GroupPeriodClosed").data
    assert closed["period_start"] == start.isoformat() and len(closed["results"]) == 5
    assert closed["total_deposit_due"] == "500.00" and closed["total_odf_share"] == "1250.00"
    per_member = [e.data for e in events if e.type == "enrollment.BusinessPeriodClosed"]
    assert [r["result"]["participant_id"] for r in per_member] == [members[0]]
    assert {r["participant_id"] for r in closed["results"]} == set(members)
    sample = per_member[0]["result"]
    assert sample == next(r for r in closed["results"] if r["participant_id"] == members[0])
    assert (
        sample["income"],
        sample["baseline"],
        sample["incremental_income"],
        sample["deposit_due"],
        sample["odf_share"],
        sample["currency"],
    ) == ("6000.00", "5000.00", "1000.00", "100.00", "250.00", "MXN")
