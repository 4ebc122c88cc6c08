"""The bodies of the requests that tests and the national simulation send to the services.

One builder per request, so the e2e driver and the simulation send the same shapes and a change
to a service's request schema is made here once. The builders draw nothing at random: callers
pass every value (the simulation's figures depend on the order in which it draws them). Money
goes in as `Decimal` and travels as its decimal string; dates as ISO `YYYY-MM-DD`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from megp_common.contracts.enrollment import UNDERTAKINGS

Body = dict[str, Any]

#: The six ratings of a project proposal, each 0..3.
PROJECT_CRITERIA: tuple[str, ...] = (
    "marginalized_community",
    "replicable_pilot",
    "short_term_results",
    "import_substitution",
    "short_term_viability",
    "local_raw_materials",
)

# -- enrollment ---------------------------------------------------------------------------------


def random_criteria(rng: random.Random) -> dict[str, int]:
    """A rating of 0..3 for each criterion, drawn in `PROJECT_CRITERIA` order."""
    return {name: rng.randint(0, 3) for name in PROJECT_CRITERIA}


def participant(
    *,
    curp: str,
    given_names: str,
    first_surname: str,
    birth_date: date,
    female: bool,
    state_code: str,
    municipality: str,
    functions: Sequence[str],
    **extra: Any,
) -> Body:
    """`POST /participants`, and one line of a registration sheet."""
    return {
        "curp": curp,
        "given_names": given_names,
        "first_surname": first_surname,
        "birth_date": birth_date.isoformat(),
        "gender": "female" if female else "male",
        "state_code": state_code,
        "municipality": municipality,
        "functions": list(functions),
    } | extra


def registration_sheet(participants: Iterable[Body]) -> Body:
    """`POST /participants/registration-sheets`."""
    return {"participants": list(participants)}


def project(
    *,
    name: str,
    branch_of_activity: str,
    state_code: str,
    municipality: str,
    description: str,
    criteria: Mapping[str, int],
    definition: str = "branch",
) -> Body:
    """`POST /projects`."""
    return {
        "name": name,
        "definition": definition,
        "branch_of_activity": branch_of_activity,
        "state_code": state_code,
        "municipality": municipality,
        "description": description,
        "criteria": dict(criteria),
    }


def letter_of_commitment(on: date | None = None) -> list[dict[str, str]]:
    """All six undertakings, accepted on `on` (or, without it, on the service's today)."""
    return [
        {"undertaking": u} | ({"accepted_on": on.isoformat()} if on else {}) for u in UNDERTAKINGS
    ]


def membership(participant_id: str, business_reason: str, on: date | None = None) -> Body:
    """`POST /groups/{id}/members`, and one line of an intake sheet."""
    return {
        "participant_id": participant_id,
        "business_reason": business_reason,
        "letter_of_commitment": letter_of_commitment(on),
    }


def intake_sheet(participant_ids: Iterable[str], business_reason: str) -> Body:
    """`POST /groups/{id}/intake-sheets`: every member's signed letter in one command."""
    return {"members": [membership(pid, business_reason) for pid in participant_ids]}


def development_organization(legal_name: str, rfc: str, trust_bank: str) -> Body:
    """`POST /groups/{id}/development-organization`."""
    return {"legal_name": legal_name, "rfc": rfc, "trust_bank": trust_bank}


def board_representative(participant_id: str) -> Body:
    """`POST /groups/{id}/board/representatives`."""
    return {"participant_id": participant_id}


def committee(kind: str, name: str, project_id: str) -> Body:
    """`POST /committees`."""
    return {"kind": kind, "name": name, "project_id": project_id}


def business_plan(
    participant_id: str, baseline_income: Decimal, target_increase: Decimal, start_date: date
) -> Body:
    """`POST /groups/{id}/business-plans`, and one line of a plan sheet."""
    return {
        "participant_id": participant_id,
        "baseline_income": str(baseline_income),
        "target_increase": str(target_increase),
        "start_date": start_date.isoformat(),
    }


def plan_sheet(plans: Iterable[Body]) -> Body:
    """`POST /groups/{id}/business-plan-sheets`."""
    return {"plans": list(plans)}


def period_closing(period_start: date, incomes: Mapping[str, Decimal]) -> Body:
    """`POST /groups/{id}/period-closings`: each member's income for the period."""
    return {
        "period_start": period_start.isoformat(),
        "incomes": [{"participant_id": p, "income": str(v)} for p, v in incomes.items()],
    }


# -- funds --------------------------------------------------------------------------------------


def deposit_sheet(deposits: Iterable[tuple[str, Decimal]]) -> Body:
    """`POST /funds/{id}/deposit-sheets`: (participant, amount) pairs."""
    return {"deposits": [{"participant_id": p, "amount": str(a)} for p, a in deposits]}


def contribution(
    donor: str,
    source: str,
    amount: Decimal,
    *,
    currency: str | None = None,
    exchange_rate: Decimal | None = None,
) -> Body:
    """`POST /funds/{id}/contributions`: a grant in MXN, or in a foreign currency at a rate."""
    body: Body = {"donor": donor, "source": source, "amount": str(amount)}
    if currency is not None:
        body["currency"] = currency
    if exchange_rate is not None:
        body["exchange_rate"] = str(exchange_rate)
    return body


def withdrawal(purpose: str, amount: Decimal) -> Body:
    """`POST /funds/{id}/members/{pid}/withdrawals`."""
    return {"purpose": purpose, "amount": str(amount)}


def replenishment(borrower_id: str, amount: Decimal) -> Body:
    """`POST /funds/{id}/replenishments`: paying back what the fund paid for a borrower."""
    return {"borrower_id": borrower_id, "amount": str(amount)}


# -- credit -------------------------------------------------------------------------------------


def loan_application(
    *,
    group_id: str,
    borrower_kind: str,
    borrower_id: str,
    amount: Decimal,
    purpose: str,
    term_months: int,
) -> Body:
    """`POST /loans`."""
    return {
        "group_id": group_id,
        "borrower_kind": borrower_kind,
        "borrower_id": borrower_id,
        "amount": str(amount),
        "purpose": purpose,
        "term_months": term_months,
    }


def payment(amount: Decimal) -> Body:
    """`POST /loans/{id}/instalments/{n}/payment`: a direct payment."""
    return {"amount": str(amount)}


def lease(
    *,
    group_id: str,
    asset: str,
    lessee_id: str,
    rent: Decimal,
    term_months: int,
    first_due: date,
    purchase_price: Decimal,
) -> Body:
    """`POST /leases`."""
    return {
        "group_id": group_id,
        "asset": asset,
        "lessee_id": lessee_id,
        "rent": str(rent),
        "term_months": term_months,
        "first_due": first_due.isoformat(),
        "purchase_price": str(purchase_price),
    }


def lease_transfer(to_participant_id: str) -> Body:
    """`POST /leases/{id}/transfer`: another member takes a defaulted lease over."""
    return {"to_participant_id": to_participant_id}
