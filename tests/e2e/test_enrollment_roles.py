"""Who may call what: each role against the routes that change things, and state scopes."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok

pytestmark = pytest.mark.e2e


@dataclass
class World:
    drive: Driver
    group: dict[str, Any]
    members: list[str]
    committee: dict[str, Any]


@pytest.fixture(scope="module")
def world(platform: Platform, tokens: Any) -> World:
    drive = Driver(
        platform.processes["enrollment"].url, tokens.header, state=f"{random.randint(1, 32):02d}"
    )
    group, members = drive.active_group()
    committee = ok(
        drive.client.post(
            "/committees",
            headers=drive.staff,
            json={"kind": "support", "name": "Apoyo", "project_id": group["project_id"]},
        ),
        201,
    )
    return World(drive, group, members, committee)


Call = Callable[[World, dict[str, str]], Any]


def _post(path: Callable[[World], str], body: Callable[[World], dict[str, Any]]) -> Call:
    def call(w: World, headers: dict[str, str]) -> Any:
        return w.drive.client.post(
            path(w), json=body(w), headers=headers | {"Idempotency-Key": "k-" + str(id(w))}
        )

    return call


ROUTES: dict[str, Call] = {
    "enroll": _post(lambda w: "/participants", lambda w: w.drive.participant_body()),
    "form group": _post(lambda w: f"/projects/{w.drive.propose()['id']}/group", lambda w: {}),
    "register odf": _post(
        lambda w: f"/groups/{w.group['id']}/development-organization",
        lambda w: {"legal_name": "X", "rfc": "CAM1503021A3", "trust_bank": "Banorte"},
    ),
    "form committee": _post(
        lambda w: "/committees",
        lambda w: {"kind": "volunteer", "name": "V", "state_code": w.drive.state},
    ),
    "add committee member": _post(
        lambda w: f"/committees/{w.committee['id']}/members",
        lambda w: {"name": "N", "role": "local", "supports": ["recommendations"]},
    ),
    "agree plan": _post(
        lambda w: f"/groups/{w.group['id']}/business-plans",
        lambda w: {
            "participant_id": w.members[0],
            "baseline_income": "1.00",
            "target_increase": "1.00",
            "start_date": "2031-01-01",
        },
    ),
    "close group period": _post(
        lambda w: f"/groups/{w.group['id']}/period-closings",
        lambda w: {"period_start": "2031-01-01", "incomes": []},
    ),
    "close member period": _post(
        lambda w: f"/groups/{w.group['id']}/business-plans/{w.members[0]}/periods/2031-01-01/close",
        lambda w: {},
    ),
}
OUTSIDERS = ["donor_portal", "partner_bank", "committee_member", "board_representative"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", OUTSIDERS)
def test_staff_routes_refuse_other_roles(world: World, route: str, role: str) -> None:
    headers = world.drive.as_(role, participant_id=world.members[1])
    response = ROUTES[route](world, headers)
    assert response.status_code == 403, response.text
    if role == "partner_bank":  # refused before the route's roles: no group route is open to banks
        assert response.json()["type"].endswith("/not-this-bank"), response.text
    elif role == "donor_portal":  # nor to donor portals (`megp_common.auth.donors`)
        assert response.json()["type"].endswith("/not-for-donor-portals"), response.text
    else:
        assert response.json()["required_roles"]


def test_a_participant_acts_only_for_themselves(world: World) -> None:
    drive, m = world.drive, world.members
    own = drive.as_("participant", participant_id=m[0])
    assert drive.client.get(f"/participants/{m[0]}", headers=own).status_code == 200
    assert drive.client.get(f"/participants/{m[1]}", headers=own).status_code == 403
    leave = drive.client.post(
        f"/groups/{world.group['id']}/members/{m[1]}/leave",
        json={"reason": "not mine to say"},
        headers=own,
    )
    assert leave.status_code == 403
    listed = drive.client.get("/participants", headers=own)
    assert listed.status_code == 403


def test_a_state_scope_stops_at_its_border(world: World) -> None:
    drive = world.drive
    other = f"{int(drive.state) % 32 + 1:02d}"
    elsewhere = drive.as_("odf_staff", states=(other,))
    body = drive.participant_body()
    refused = drive.client.post("/participants", json=body, headers=elsewhere)
    assert refused.status_code == 403 and refused.json()["state"] == drive.state
    assert drive.client.get(f"/groups/{world.group['id']}", headers=elsewhere).status_code == 403
    mine = ok(drive.client.get("/groups", params={"limit": 200}, headers=elsewhere))
    assert all(g["state_code"] == other for g in mine["items"])
    assert (
        drive.client.get(
            "/groups", params={"state_code": drive.state}, headers=elsewhere
        ).status_code
        == 403
    )


def test_anonymous_callers_are_refused(world: World) -> None:
    response = world.drive.client.get("/federal-entities")
    assert response.status_code == 401
    entities = ok(world.drive.client.get("/federal-entities", headers=world.drive.staff))
    assert len(entities) == 32 and entities[8] == {"code": "09", "name": "Ciudad de México"}
    assert date.fromisoformat(world.group["opened_at"][:10])
