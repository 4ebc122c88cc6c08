"""Approvals for board representatives: what waits for the board's decision on their groups,
each with the rule that applies beside it. Loans at board level (credit), fees asked of the
Competition Sub-Fund (funds' spending requests), the Support Committee's candidates for the
board's special members and Director General (enrollment), and the board itself: appointing a
member representative from the group's active members and removing a seat, with its reason
(enrollment's board routes). Only a person
who decides for a board sees the decision buttons [¶55]; the console's POST routes refuse
anybody else, and each service checks the board again on every decision."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.adapters.api import Caller
from console.domain.errors import ServiceRefused
from console.domain.problems import N_, plain
from console.domain.rights import Person
from console.entrypoints.web.deps import CurrentSeat, Seat, require
from console.screens import MenuItem, Screen
from console.service_layer.queries import Section, sections

router = APIRouter()
Id = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
GroupQuery = Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9_:-]*$")]
Key = Annotated[str, Form(min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]
CandidateId = Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_:-]+$")]
ParticipantId = Annotated[str, Form(max_length=64)]
Reason = Annotated[str, Form(max_length=500)]
Position = Literal["special-members", "director-general"]

BOARD_ONLY = (
    "¶55",
    N_(
        "Only the group's board representatives decide; committee members, donors and "
        "lenders never do."
    ),
)
#: the rules shown beside each kind of decision (RULES.md)
LOAN_RULES = (
    BOARD_ONLY,
    (
        "¶79",
        N_(
            "A loan on the group's line goes to its Development Organization or to one of "
            "its active members, within what is available on the line."
        ),
    ),
)
SPENDING_RULES = (
    BOARD_ONLY,
    (
        "¶72",
        N_(
            "The Competition Sub-Fund pays only for its listed purposes; the spend is posted "
            "when the board approves it."
        ),
    ),
)
APPOINTMENT_RULES = (
    BOARD_ONLY,
    (
        "¶54",
        N_(
            "The Support Committee only proposes candidates for special members and the "
            "Director General; the board appoints them."
        ),
    ),
)

#: beside the board's own seats: who appoints member representatives, and who removes a seat
BOARD_RULES = (
    BOARD_ONLY,
    ("¶49", N_("The group appoints its member representatives from its active members.")),
    (
        "¶54",
        N_(
            "Special members and the Director General come from the Support Committee's "
            "candidates; the board appoints and removes them."
        ),
    ),
)


#: beside the appointment of a board's first member representatives, offered to its members
FOUNDING_RULES = (
    (
        "¶49",
        N_(
            "While the board has no member representatives, an active member of the group "
            "appoints the first ones for the group; after that, the board's representatives do."
        ),
    ),
    ("¶55", N_("Committee members, donors and lenders never decide.")),
)


async def board_of(caller: Caller, person: Person, group_id: str) -> dict[str, Any]:
    """The board's seats, the active members who hold no representative seat (the choices for
    a new member representative), whether the board has no representatives yet (then an active
    member appoints the first [¶49]) and whether this person is offered the appointment."""
    board = await caller.get("enrollment", f"/groups/{group_id}/board")
    try:
        members = await caller.get("enrollment", f"/groups/{group_id}/members", limit=200)
    except ServiceRefused:
        members = {"items": []}  # a reader who may see the board but not its members
    seated = {s["participant_id"] for s in board["representatives"] if s.get("participant_id")}
    choices = [
        m
        for m in members["items"]
        if m.get("status") == "active" and m["participant_id"] not in seated
    ]
    seats = [*board["representatives"], *board["special_members"]]
    if board["director_general"]:
        seats.append(board["director_general"])
    active = [m["participant_id"] for m in members["items"] if m.get("status") == "active"]
    return {
        "seats": seats,
        "choices": choices,
        "founding": not seated,
        "appoints": person.appoints_representatives(seated, active),
    }


async def candidates_of(caller: Caller, group_id: str) -> dict[str, Any]:
    """The Support Committee's candidates for the group's board, and who sits on it now."""
    group = await caller.get("enrollment", f"/groups/{group_id}")
    committees = await caller.get(
        "enrollment", "/committees", project_id=group["project_id"], kind="support"
    )
    board = await caller.get("enrollment", f"/groups/{group_id}/board")
    seated = {
        s.get("candidate_id")
        for s in [*board["special_members"], board["director_general"] or {}]
        if s.get("candidate_id")
    }
    found: list[dict[str, Any]] = []
    for committee in committees["items"]:
        listed = await caller.get(
            "enrollment", f"/committees/{committee['id']}/candidates", limit=200
        )
        found.extend(c for c in listed["items"] if c["candidate_id"] not in seated)
    return {"candidates": found, "board": board}


@router.get("/approvals", response_class=HTMLResponse)
async def approvals(seat: CurrentSeat, group: GroupQuery = None) -> HTMLResponse:
    require(seat.person.reads_groups, "reading groups")
    groups = sorted({*seat.person.group_ids, *([group] if group else [])})
    api = seat.caller
    calls: dict[str, Any] = {}
    for i, g in enumerate(groups):
        calls[f"loans{i}"] = api.get("credit", "/loans", group_id=g, status="applied", limit=200)
        calls[f"spending{i}"] = api.get(
            "funds", f"/funds/{g}/spending-requests", status="pending", limit=200
        )
        calls[f"candidates{i}"] = candidates_of(api, g)
        calls[f"board{i}"] = board_of(api, seat.person, g)
    found = await sections(**calls)
    waiting = [
        (g, found[f"loans{i}"], found[f"spending{i}"], found[f"candidates{i}"], found[f"board{i}"])
        for i, g in enumerate(groups)
    ]
    return seat.page(
        "approvals/approvals.html",
        waiting=waiting,
        rules=LOAN_RULES,
        spending_rules=SPENDING_RULES,
        appointment_rules=APPOINTMENT_RULES,
        board_rules=BOARD_RULES,
        founding_rules=FOUNDING_RULES,
        group=group or "",
        new_key=lambda: str(uuid.uuid4()),
    )


async def _decide(
    seat: Seat,
    target: str,
    service: str,
    path: str,
    body: dict[str, Any],
    key: str,
    done: str,
    *,
    allowed: bool | None = None,
) -> Response:
    require(seat.person.decides_for_boards if allowed is None else allowed, "board decisions")
    try:
        section = Section(data=await seat.caller.post(service, path, body, key=key))
    except ServiceRefused as refused:
        section = Section(problem=plain(refused.problem, refused.status_code))
    if seat.request.headers.get("HX-Request"):
        group = seat.request.path_params.get("group_id", "")
        return seat.page(
            "approvals/_decided.html", target=target, decided=section, done=done, group=group
        )
    if section.problem is None:
        return RedirectResponse("/approvals", status_code=303)
    return seat.page("problem.html", status=section.problem.status, problem=section.problem)


@router.post("/approvals/loans/{loan_id}/board-approval")
async def approve_loan(loan_id: Id, seat: CurrentSeat, key: Key) -> Response:
    return await _decide(
        seat,
        f"loan-{loan_id}",
        "credit",
        f"/loans/{loan_id}/board-approval",
        {},
        key,
        N_("Approved by the board."),
    )


@router.post("/approvals/funds/{fund_id}/spending-requests/{request_id}/approval")
async def approve_spending(fund_id: Id, request_id: Id, seat: CurrentSeat, key: Key) -> Response:
    return await _decide(
        seat,
        f"spending-{request_id}",
        "funds",
        f"/funds/{fund_id}/spending-requests/{request_id}/approval",
        {},
        key,
        N_("Approved by the board; the spend is posted."),
    )


@router.post("/approvals/groups/{group_id}/board/representatives")
async def appoint_representative(
    group_id: Id, seat: CurrentSeat, key: Key, participant_id: ParticipantId = ""
) -> Response:
    return await _decide(
        seat,
        f"representative-{group_id}",
        "enrollment",
        f"/groups/{group_id}/board/representatives",
        {"participant_id": participant_id},
        key,
        N_("Appointed a member representative."),
        # a board with no representatives yet: an active member appoints them [¶49]
        allowed=seat.person.decides_for_boards or seat.person.may_act_for_a_group,
    )


@router.post("/approvals/groups/{group_id}/board/{position}")
async def appoint(
    group_id: Id, position: Position, seat: CurrentSeat, key: Key, candidate_id: CandidateId
) -> Response:
    return await _decide(
        seat,
        f"candidate-{candidate_id}",
        "enrollment",
        f"/groups/{group_id}/board/{position}",
        {"candidate_id": candidate_id},
        key,
        N_("Appointed by the board."),
    )


@router.post("/approvals/groups/{group_id}/board/seats/{seat_id}/removal")
async def remove_seat(
    group_id: Id, seat_id: Id, seat: CurrentSeat, key: Key, reason: Reason = ""
) -> Response:
    return await _decide(
        seat,
        f"seat-{seat_id}",
        "enrollment",
        f"/groups/{group_id}/board/seats/{seat_id}/removal",
        {"reason": reason},
        key,
        N_("Removed from the board."),
    )


screen = Screen(
    name="approvals",
    router=router,
    menu=(MenuItem(N_("Approvals"), "/approvals", lambda p: p.decides_for_boards),),
)
