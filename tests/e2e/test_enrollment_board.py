"""Boards and committees over HTTP, and the decision rights of ¶55 route by route."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok

pytestmark = pytest.mark.e2e


@dataclass
class Board:
    drive: Driver
    group: dict[str, Any]
    members: list[str]
    committee: dict[str, Any]
    special: dict[str, Any]
    director: dict[str, Any]

    @property
    def url(self) -> str:
        return f"/groups/{self.group['id']}/board"

    def rep(self, pid: str, *extra: str) -> dict[str, str]:
        return self.drive.as_("board_representative", *extra, participant_id=pid)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


def support_committee(drive: Driver, project_id: str, sitting: str) -> dict[str, Any]:
    body = {"kind": "support", "name": "Comité de apoyo", "project_id": project_id}
    committee = ok(drive.client.post("/committees", json=body, headers=drive.staff), 201)
    member = {
        "name": "Cámara de Comercio",
        "role": "local",
        "participant_id": sitting,
        "supports": ["purchase_orders", "propose_director_general"],
    }
    ok(
        drive.client.post(
            f"/committees/{committee['id']}/members", json=member, headers=drive.staff
        ),
        201,
    )
    return committee


def propose(drive: Driver, committee_id: str, position: str, name: str) -> dict[str, Any]:
    body = {"position": position, "name": name, "profile": "twenty years in the trade"}
    return ok(
        drive.client.post(
            f"/committees/{committee_id}/candidates",
            json=body,
            headers=drive.as_("committee_member", subject="cm-1"),
        ),
        201,
    )


@pytest.fixture(scope="module")
def board(platform: Platform, tokens: Any) -> Board:
    drive = Driver(
        platform.processes["enrollment"].url, tokens.header, state=f"{random.randint(1, 32):02d}"
    )
    group, members = drive.active_group(members=6)
    committee = support_committee(drive, group["project_id"], sitting=members[5])
    special = propose(drive, committee["id"], "special_member", "Ing. Rosa Méndez")
    director = propose(drive, committee["id"], "director_general", "Lic. Juan Pérez")
    return Board(drive, group, members, committee, special, director)


def test_the_first_representative_is_appointed_by_the_group_itself(board: Board) -> None:
    drive, url, m = board.drive, board.url + "/representatives", board.members
    body = {"participant_id": m[0]}
    refused = problem(drive.client.post(url, json=body, headers=drive.staff), 403)
    assert refused["detail"].startswith("the first representatives")
    stranger = drive.as_("participant", participant_id="someone-else")
    problem(drive.client.post(url, json=body, headers=stranger), 403)
    sitting = drive.as_("participant", participant_id=m[5])  # on the Support Committee
    assert (
        "Support Committee"
        in problem(drive.client.post(url, json=body, headers=sitting), 403)["detail"]
    )
    founded = ok(
        drive.client.post(url, json=body, headers=drive.as_("participant", participant_id=m[1])),
        201,
    )
    assert [s["participant_id"] for s in founded["representatives"]] == [m[0]]
    later = drive.as_("participant", participant_id=m[1])
    problem(drive.client.post(url, json={"participant_id": m[1]}, headers=later), 403)
    second = ok(drive.client.post(url, json={"participant_id": m[1]}, headers=board.rep(m[0])), 201)
    assert {s["participant_id"] for s in second["representatives"]} == {m[0], m[1]}
    problem(drive.client.post(url, json={"participant_id": m[1]}, headers=board.rep(m[0])), 409)


DECISIONS = ["representatives", "special-members", "director-general", "removal"]
NOT_DECIDERS = [
    (("board_representative", "committee_member"), 0, "¶55"),
    (("board_representative", "donor_portal"), 0, "¶55"),
    # a bank's token is refused before ¶55 is asked: no group route is open to banks
    (("board_representative", "partner_bank"), 0, "not-this-bank"),
    (("board_representative", "programme_supervisor", "donor_portal"), 0, "¶55"),
    (("committee_member",), 5, "¶55"),
    (("donor_portal",), None, "¶55"),
    (("partner_bank",), None, "not-this-bank"),
    (("programme_supervisor",), None, "¶55"),
    (("odf_staff",), None, "¶55"),
    (("participant",), 0, "¶55"),
    (("board_representative",), 2, "¶55"),  # a member, but not on the board
    (("board_representative",), 5, "¶55"),  # sits on the Support Committee
]


@pytest.mark.parametrize("route", DECISIONS)
@pytest.mark.parametrize(("roles", "member", "rule"), NOT_DECIDERS)
def test_no_one_but_a_seated_representative_decides(
    board: Board, route: str, roles: tuple[str, ...], member: int | None, rule: str
) -> None:
    drive = board.drive
    if not ok(drive.client.get(board.url, headers=drive.staff))["representatives"]:
        test_the_first_representative_is_appointed_by_the_group_itself(board)
    pid = board.members[member] if member is not None else None
    headers = drive.as_(*roles, participant_id=pid)
    if route == "removal":
        seat = ok(drive.client.get(board.url, headers=drive.staff))["representatives"][0]
        response = drive.client.post(
            f"{board.url}/seats/{seat['seat_id']}/removal",
            json={"reason": "no longer trusted"},
            headers=headers,
        )
    else:
        target = {
            "representatives": {"participant_id": board.members[3]},
            "special-members": {"candidate_id": board.special["candidate_id"]},
            "director-general": {"candidate_id": board.director["candidate_id"]},
        }[route]
        response = drive.client.post(f"{board.url}/{route}", json=target, headers=headers)
    refused = problem(response, 403)
    assert rule in (refused.get("rule"), refused["type"].rsplit("/", 1)[-1]), refused
    assert ok(drive.client.get(board.url, headers=drive.staff))["director_general"] is None


def test_candidates_are_proposed_by_the_support_committee_and_appointed_by_the_board(
    board: Board,
) -> None:
    drive = board.drive
    if not ok(drive.client.get(board.url, headers=drive.staff))["representatives"]:
        test_the_first_representative_is_appointed_by_the_group_itself(board)
    rep = board.rep(board.members[0])
    staff_proposal = {"position": "special_member", "name": "X", "profile": "p"}
    problem(
        drive.client.post(
            f"/committees/{board.committee['id']}/candidates",
            json=staff_proposal,
            headers=drive.staff,
        ),
        403,
    )
    url = board.url
    wrong = {"candidate_id": board.director["candidate_id"]}
    problem(drive.client.post(f"{url}/special-members", json=wrong, headers=rep), 422)
    problem(
        drive.client.post(f"{url}/special-members", json={"candidate_id": "nobody"}, headers=rep),
        404,
    )
    special = ok(
        drive.client.post(
            f"{url}/special-members",
            json={"candidate_id": board.special["candidate_id"]},
            headers=rep,
        ),
        201,
    )
    assert special["special_members"][0]["name"] == "Ing. Rosa Méndez"
    dg = ok(drive.client.post(f"{url}/director-general", json=wrong, headers=rep), 201)
    assert dg["director_general"]["candidate_id"] == board.director["candidate_id"]
    successor = propose(drive, board.committee["id"], "director_general", "Mtra. Ana Ruiz")
    dg = ok(
        drive.client.post(
            f"{url}/director-general", json={"candidate_id": successor["candidate_id"]}, headers=rep
        ),
        201,
    )
    assert dg["director_general"]["name"] == "Mtra. Ana Ruiz"
    seat = dg["special_members"][0]["seat_id"]
    removed = ok(
        drive.client.post(f"{url}/seats/{seat}/removal", json={"reason": "term ended"}, headers=rep)
    )
    assert removed["special_members"] == []


def test_committees_of_every_kind(board: Board) -> None:
    drive = board.drive
    again = {"kind": "support", "name": "Otro", "project_id": board.group["project_id"]}
    problem(drive.client.post("/committees", json=again, headers=drive.staff), 409)
    supervisor = drive.as_("programme_supervisor", states=("*",))
    problem(
        drive.client.post(
            "/committees", json={"kind": "specialized", "name": "S"}, headers=supervisor
        ),
        422,
    )
    national = {"kind": "volunteer", "name": "Voluntarios nacionales"}
    assert (
        "national"
        in problem(drive.client.post("/committees", json=national, headers=drive.staff), 403)[
            "detail"
        ]
    )
    specialized = ok(
        drive.client.post(
            "/committees",
            headers=supervisor,
            json={
                "kind": "specialized",
                "name": "Financiamiento",
                "discipline": "financing",
                "level": "state",
                "state_code": drive.state,
            },
        ),
        201,
    )
    innovation = ok(
        drive.client.post(
            "/committees",
            headers=drive.staff,
            json={
                "kind": "innovation",
                "name": "Innovación",
                "project_id": board.group["project_id"],
            },
        ),
        201,
    )
    members = f"/committees/{innovation['id']}/members"
    problem(
        drive.client.post(
            members,
            headers=drive.staff,
            json={
                "name": "Coordinadora",
                "role": "group_coordinator",
                "participant_id": "outsider",
            },
        ),
        422,
    )
    for body in (
        {"name": "Coordinadora", "role": "group_coordinator", "participant_id": board.members[0]},
        {"name": "Estudiante", "role": "student"},
        {"name": "Diseñador", "role": "industrial_designer"},
    ):
        ok(drive.client.post(members, json=body, headers=drive.staff), 201)
    page = ok(drive.client.get(members, params={"limit": 2}, headers=drive.staff))
    rest = ok(
        drive.client.get(members, params={"cursor": page["next_cursor"]}, headers=drive.staff)
    )
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    gone = page["items"][0]["member_id"]
    ok(
        drive.client.post(
            f"{members}/{gone}/removal", json={"reason": "graduated"}, headers=drive.staff
        )
    )
    assert len(ok(drive.client.get(members, headers=drive.staff))["items"]) == 2
    assert (
        len(
            ok(drive.client.get(members, params={"include_removed": True}, headers=drive.staff))[
                "items"
            ]
        )
        == 3
    )
    volunteer = ok(
        drive.client.post(
            "/committees",
            headers=drive.staff,
            json={"kind": "volunteer", "name": "Voluntarios", "state_code": drive.state},
        ),
        201,
    )
    refused = problem(
        drive.client.post(
            f"/committees/{volunteer['id']}/candidates",
            json={"position": "special_member", "name": "X", "profile": "p"},
            headers=drive.as_("committee_member"),
        ),
        422,
    )
    assert refused["rule"] == "¶54"
    listed = ok(
        drive.client.get(
            "/committees", headers=drive.staff, params={"project_id": board.group["project_id"]}
        )
    )
    assert {c["kind"] for c in listed["items"]} == {"support", "innovation"}
    assert specialized["level"] == "state"
