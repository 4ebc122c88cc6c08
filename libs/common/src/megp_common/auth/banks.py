"""A partner bank's token is scoped to its bank [¶75-¶78, ¶83, ¶90]: one mechanism for every
service.

A token carrying the `partner_bank` role, whatever other roles it carries (a bank's interest
never rides on a staff or supervisor token, as ¶55 keeps lenders out of the group's decisions),
reaches only the routes declared open to banks, and on them only its own bank's records, its bank
being the token's `organization` claim:

1. a route opens itself with ``openapi_extra=open_to_banks(BankAccess.TRUST_BANK)`` (or
   ``LENDER``, ``OWN``); the declaration is the OpenAPI extension ``x-partner-bank`` of the
   operation, which the generated test `tests/e2e/test_partner_bank_scope.py` reads;
2. `megp_common.auth.fastapi.get_principal` refuses a bank token (403 ``not-this-bank``) on
   every route without the declaration, and a bank token that names no bank anywhere, before
   the route's own checks run: a new route is closed to banks until it says otherwise;
3. the open route checks the record it loads with `check_bank` (the fund's trust bank, the loan's
   or line's lender, the subscription's bank), or confines a listing with `bank_filter`.

The state scope still applies on top (`check_state`): a bank that operates in every state where
it holds funds or lends has a national token (``"*"``); a state-scoped bank token (a regional
office) reaches its bank's records in its states only, and a bank's national records (its
subscriptions, which cover all its funds) need the national token.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from megp_common.auth.principal import Principal, Role
from megp_common.refusals import NotThisBank

#: The OpenAPI extension of an operation open to partner banks; its value is a `BankAccess`.
PARTNER_BANK_EXTENSION: Final = "x-partner-bank"


class BankAccess(StrEnum):
    """Which of a bank's records an open route serves (its holder is checked by `check_bank`)."""

    #: the funds the bank holds in trust (the fund's `trust_bank`)
    TRUST_BANK = "trust_bank"
    #: the loans and lines the bank lends (the lender of record)
    LENDER = "lender"
    #: the bank's own records: its subscriptions, its list of funds
    OWN = "own"


def open_to_banks(access: BankAccess) -> dict[str, Any]:
    """The route's ``openapi_extra``: open to a partner bank for its own `access` records."""
    return {PARTNER_BANK_EXTENSION: access.value}


def declared_access(openapi_extra: Mapping[str, Any] | None) -> BankAccess | None:
    """What an operation declares open to banks (None: closed to them)."""
    value = (openapi_extra or {}).get(PARTNER_BANK_EXTENSION)
    return None if value is None else BankAccess(value)


def is_bank(principal: Principal) -> bool:
    """True for a token carrying the `partner_bank` role, alone or with others."""
    return principal.has_role(Role.PARTNER_BANK)


def admit_bank(principal: Principal, openapi_extra: Mapping[str, Any] | None) -> None:
    """The gate `get_principal` applies: a bank token passes only a route declared open to
    banks, and only when it names its bank. Other tokens always pass."""
    if not is_bank(principal):
        return
    if not principal.organization:
        raise NotThisBank("a partner bank's token must name its bank (the 'organization' claim)")
    if declared_access(openapi_extra) is None:
        raise NotThisBank(
            "a partner bank reads only the funds it holds in trust and the loans it lends; "
            "this route is not open to banks",
            bank=principal.organization,
        )


def check_bank(principal: Principal, holder: str | None, *, what: str = "record") -> None:
    """A bank token reaches a record only if its bank is the record's `holder` (trust bank,
    lender, subscriber); NotThisBank (403) otherwise. Other tokens: no check here."""
    if not is_bank(principal):
        return
    if holder is None or principal.organization != holder:
        raise NotThisBank(
            f"this {what} is not one of {principal.organization}'s", bank=principal.organization
        )


def bank_filter(principal: Principal) -> str | None:
    """The bank a listing is confined to: the token's bank for a bank token, else None (the
    listing's other scopes apply)."""
    return principal.organization if is_bank(principal) else None
