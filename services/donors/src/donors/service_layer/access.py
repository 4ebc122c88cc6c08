"""Who may do what in the donors service [¶55]: a donor portal acts for its own association
only (its token's `organization` is the association id, its states include the community of
origin's), and never decides anything for a group; a national programme supervisor registers
associations and matching programmes; a co-funder (a programme supervisor's token whose
`organization` is the co-funder's id) confirms and pays its own pledges. Every read passes the
state scope check (`check_state`)."""

from __future__ import annotations

from donors.domain.association import Association
from donors.domain.errors import NotAllowed, Unknown
from donors.service_layer.container import Services
from megp_common.auth import Principal, Role, check_state
from megp_common.auth.donors import is_donor_portal


def supervising(who: Principal) -> bool:
    """A programme supervisor reading as one: never on a portal's token, whose other roles lift
    nothing of its association's scope (the donor gate's rule, `megp_common.auth.donors`)."""
    return who.has_role(Role.PROGRAMME_SUPERVISOR) and not is_donor_portal(who)


def national_supervisor(who: Principal, what: str) -> None:
    if not who.has_role(Role.PROGRAMME_SUPERVISOR):
        raise NotAllowed(f"a national programme supervisor {what}")
    check_state(who, None)


async def association_of(services: Services, who: Principal, association_id: str) -> Association:
    """The association a caller reads: its own portal's, or any in a supervisor's states."""
    found = await services.associations.find(association_id)
    if found is None:
        raise Unknown(f"no association {association_id}")
    if who.has_role(Role.DONOR_PORTAL) and who.organization == association_id:
        check_state(who, found.origin_state)
        return found
    if supervising(who):
        check_state(who, found.origin_state)
        return found
    raise Unknown(f"no association {association_id}")


async def portal_of(services: Services, who: Principal) -> Association:
    """The association a donor portal's token acts for."""
    if not who.has_role(Role.DONOR_PORTAL) or not who.organization:
        raise NotAllowed("an association's donor portal token (organization = its id) gives")
    found = await services.associations.find(who.organization)
    if found is None:
        raise Unknown(f"no association {who.organization}: a national supervisor registers it")
    check_state(who, found.origin_state)
    return found
