"""Who is calling: roles and the Mexican states the caller may act in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from megp_common.refusals import OutOfScope

#: Wildcard state scope: the principal may act in every state (national scope).
ALL_STATES: Final = "*"
_STATE_CODE_RE: Final = re.compile(r"^(0[1-9]|[12][0-9]|3[0-2])$")


class Role(StrEnum):
    PARTICIPANT = "participant"
    ODF_STAFF = "odf_staff"
    BOARD_REPRESENTATIVE = "board_representative"
    COMMITTEE_MEMBER = "committee_member"
    PROGRAMME_SUPERVISOR = "programme_supervisor"
    PARTNER_BANK = "partner_bank"
    DONOR_PORTAL = "donor_portal"
    #: an intellectual property professional registered by the programme (ip-counsel)
    IP_COUNSELLOR = "ip_counsellor"
    SERVICE = "service"


def is_state_code(code: str) -> bool:
    """True for INEGI state codes "01" to "32"."""
    return bool(_STATE_CODE_RE.match(code))


def parse_states(states: Iterable[str]) -> frozenset[str]:
    """Validate a state scope: INEGI codes or the ``"*"`` wildcard."""
    result = frozenset(states)
    invalid = sorted(s for s in result if s != ALL_STATES and not is_state_code(s))
    if invalid:
        raise ValueError(f"invalid state codes: {invalid}")
    return result


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    roles: frozenset[Role]
    states: frozenset[str]
    participant_id: str | None = None
    group_ids: frozenset[str] = field(default_factory=frozenset)
    organization: str | None = None

    @property
    def is_national(self) -> bool:
        return ALL_STATES in self.states

    def has_role(self, *roles: Role) -> bool:
        """True if the principal holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    def can_act_in_state(self, code: str | None) -> bool:
        """National scope acts anywhere; a state scope only on records of its states (a
        record with no state is national and needs national scope)."""
        return self.is_national or (code is not None and code in self.states)

    def role_names(self) -> frozenset[str]:
        return frozenset(role.value for role in self.roles)


def check_state(principal: Principal, state_code: str | None) -> None:
    """The platform's one state-scope check: OutOfScope (403) unless `principal` may act on a
    record of `state_code`. Every route that reads or changes a record passes through it."""
    if principal.can_act_in_state(state_code):
        return
    raise OutOfScope(
        f"the caller's scope does not include state {state_code}"
        if state_code
        else "this national record needs a national scope",
        state=state_code,
    )


def state_filter(
    principal: Principal, state_code: str | None = None, *, field: str = "state"
) -> dict[str, Any]:
    """The store filter of the records a listing may show `principal`: those of `state_code`
    when one is asked for (checked by `check_state`: a state outside the scope is a 403, never an
    empty page), else every record for a national scope, else those of the caller's states.
    The one place a listing's state scope is written, as `check_state` is for one record."""
    if state_code is not None:
        check_state(principal, state_code)
        return {field: state_code}
    return {} if principal.is_national else {field: {"$in": sorted(principal.states)}}
