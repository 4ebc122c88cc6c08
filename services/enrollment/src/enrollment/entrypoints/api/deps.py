"""Dependencies of the routes: the use cases' container, the caller as an Actor, role checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from enrollment.domain.actor import Actor
from enrollment.service_layer.container import Services
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import CurrentPrincipal, require_roles
from megp_common.errors import Forbidden
from megp_common.web import app_state

_services = app_state("container", Services)


def actor_of(principal: Principal) -> Actor:
    return Actor(
        subject=principal.subject,
        roles=frozenset(r.value for r in principal.roles),
        states=frozenset(principal.states),
        participant_id=principal.participant_id,
    )


async def _anyone(principal: CurrentPrincipal) -> Actor:
    return actor_of(principal)


def acting_as(*roles: Role) -> Callable[[Principal], Awaitable[Actor]]:
    check = require_roles(*roles)

    async def dependency(principal: CurrentPrincipal) -> Actor:
        return actor_of(await check(principal))

    return dependency


STAFF = (Role.ODF_STAFF, Role.PROGRAMME_SUPERVISOR)
STAFF_ROLES = frozenset(r.value for r in STAFF)


def require_self_or_staff(actor: Actor, participant_id: str, *extra: Role) -> None:
    """Staff act for anyone in their states; a participant only for themselves."""
    if actor.has(*STAFF_ROLES, *(r.value for r in extra)):
        return
    if actor.is_participant(participant_id) and actor.has(
        Role.PARTICIPANT.value, Role.BOARD_REPRESENTATIVE.value
    ):
        return
    raise Forbidden(
        "only the participant themselves or ODF staff / programme supervisors may do this",
        extensions={"participant_id": participant_id},
    )


ServicesDep = Annotated[Services, Depends(_services)]
AnyActor = Annotated[Actor, Depends(_anyone)]
StaffActor = Annotated[Actor, Depends(acting_as(*STAFF))]
StaffOrServiceActor = Annotated[Actor, Depends(acting_as(*STAFF, Role.SERVICE))]
ParticipantOrStaffActor = Annotated[
    Actor, Depends(acting_as(*STAFF, Role.PARTICIPANT, Role.BOARD_REPRESENTATIVE, Role.SERVICE))
]
ProposerActor = Annotated[Actor, Depends(acting_as(*STAFF, Role.PARTICIPANT))]
CandidateProposerActor = Annotated[
    Actor, Depends(acting_as(Role.COMMITTEE_MEMBER, Role.PROGRAMME_SUPERVISOR))
]
# (no partner bank: a bank reads only its trust funds and its loans, `megp_common.auth.banks`;
# no donor portal: it sees its own community's groups only, through the donors service's public
# view, never another community's figures)
ReportReader = Annotated[Actor, Depends(acting_as(*STAFF, Role.BOARD_REPRESENTATIVE, Role.SERVICE))]
