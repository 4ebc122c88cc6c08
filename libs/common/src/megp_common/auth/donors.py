"""A donor portal's token is scoped to its association [¶53, ¶55]: one mechanism for every
service, built like the partner banks' (`megp_common.auth.banks`).

A token carrying the `donor_portal` role, whatever other roles it carries (a donation gives no
decision right however large, and a staff or participant hat on a portal's token does not lift
its scope), reaches only the routes declared open to portals, its association being the token's
`organization` claim (the association's id in the donors service, whose state of origin the
token's states include):

1. a route opens itself with ``openapi_extra=open_to_donors(DonorAccess.ASSOCIATION)`` (or
   ``COMMUNITY``, ``CHANNEL``), which says what the route checks the record it serves against;
   the declaration is the OpenAPI extension ``x-donor-portal`` of the operation, which the
   generated test `tests/e2e/test_donor_portal_scope.py` reads;
2. `megp_common.auth.fastapi.get_principal` refuses a portal's token (403
   ``not-for-donor-portals``) on every route without the declaration, and a portal's token
   that names no association on the routes with it, before the route's own checks run: a new
   route is closed to portals until it says otherwise, and a refused write says ¶55 (a portal
   never approves, appoints, votes or changes a plan);
3. the open route checks the record it loads against what it declared: the association's own
   records by the token's `organization`, a group by the association's community of origin
   (state and municipality, in donors), an order by the association's channel (trade's
   ``buyer_organization``).

Nothing of enrollment, funds, credit or ip-counsel is open to portals: a portal sees its
community through donors' public view (no CURP, birth date or named person's income).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from megp_common.auth.principal import Principal, Role
from megp_common.refusals import NotForDonors

#: The OpenAPI extension of an operation open to donor portals; its value is a `DonorAccess`.
DONOR_PORTAL_EXTENSION: Final = "x-donor-portal"


class DonorAccess(StrEnum):
    """What an open route checks a portal's request against."""

    #: the association's own records: itself, its notices, donations, refunds, receipts,
    #: reports, pledges and webhook subscriptions (the token's `organization`)
    ASSOCIATION = "association"
    #: the groups of the association's community of origin, public data only (its state and
    #: municipality of origin): projects, a donation's group, matching programmes of the state
    COMMUNITY = "community"
    #: the association's own trade channel (an `association_abroad` channel whose
    #: `buyer_organization` is the association) and the orders placed through it [¶53]
    CHANNEL = "channel"


def open_to_donors(access: DonorAccess) -> dict[str, Any]:
    """The route's ``openapi_extra``: open to a donor portal, checked against `access`.
    Combine with the banks' declaration by ``|``."""
    return {DONOR_PORTAL_EXTENSION: access.value}


def declared_donor_access(openapi_extra: Mapping[str, Any] | None) -> DonorAccess | None:
    """What an operation declares open to donor portals (None: closed to them)."""
    value = (openapi_extra or {}).get(DONOR_PORTAL_EXTENSION)
    return None if value is None else DonorAccess(value)


def is_donor_portal(principal: Principal) -> bool:
    """True for a token carrying the `donor_portal` role, alone or with others."""
    return principal.has_role(Role.DONOR_PORTAL)


def admit_donor_portal(
    principal: Principal, openapi_extra: Mapping[str, Any] | None, *, write: bool
) -> None:
    """The gate `get_principal` applies: a portal's token passes only a route declared open to
    portals, and only when it names its association. Other tokens always pass. A route not
    open is refused first, so a write not open says ¶55 whatever the token names."""
    if not is_donor_portal(principal):
        return
    if declared_donor_access(openapi_extra) is not None:
        if not principal.organization:
            raise NotForDonors(
                "a donor portal's token must name its association (the 'organization' claim)"
            )
        return
    if write:
        raise NotForDonors(
            "a donation gives no decision right [¶55]: a donor portal gives, refunds and orders "
            "for its own association only, and this route is not open to portals",
            rule="¶55",
            association=principal.organization,
        )
    raise NotForDonors(
        "a donor portal reads its own association's records and the public view of its "
        "community of origin; this route is not open to portals",
        association=principal.organization,
    )


def association_of(principal: Principal) -> str | None:
    """The association a portal's token acts for (None for any other token): the one place a
    route reads which association a portal is."""
    return principal.organization if is_donor_portal(principal) else None
