from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from credit.domain.delinquency import Exposure, bucket, portfolio_at_risk
from credit.domain.errors import NotAuthorized
from credit.domain.loan import Loan, LoanStatus
from credit.entrypoints.api.deps import CreditDep, Key, domain_errors, once
from credit.entrypoints.api.schemas import DirectPayment, LoanCreate, PortfolioRow, Rejection
from credit.service_layer import loans as uc
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import CurrentPrincipal, require_roles, require_state
from megp_common.errors import PROBLEM_RESPONSES, BusinessRuleViolation

router = APIRouter(prefix="/v1", tags=["credit"], responses=PROBLEM_RESPONSES)


def _public(loan: Loan) -> dict[str, Any]:
    return loan.model_dump(mode="json", exclude={"applied"})


@router.get("/lines/{group_id}", summary="A group's credit line and its reviews")
async def get_line(group_id: str, credit: CreditDep, who: CurrentPrincipal) -> dict[str, Any]:
    line = await credit.lines.get(group_id)
    require_state(who, line.state or "")
    _limit, available = await uc.available_on_line(credit, group_id)
    return line.model_dump(mode="json", exclude={"applied"}) | {"available": str(available)}


@router.post("/loans", status_code=201, summary="Apply for a loan on the group's line")
async def apply_for_loan(
    body: LoanCreate,
    credit: CreditDep,
    who: Annotated[Principal, Depends(require_roles(Role.ODF_STAFF, Role.PARTICIPANT))],
    key: Key = None,
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            loan = await uc.apply(credit, who, body.model_dump(), key)
        return 201, _public(loan)

    return await once(credit, "loans", key, body.model_dump(mode="json"), run)


@router.get("/loans/{loan_id}", summary="A loan with its schedule")
async def get_loan(loan_id: str, credit: CreditDep, who: CurrentPrincipal) -> dict[str, Any]:
    loan = await credit.loans.get(loan_id)
    require_state(who, loan.state or "")
    return _public(loan) | {"days_past_due": loan.days_past_due(credit.today())}


@router.post("/loans/{loan_id}/board-approval", summary="The group's board approves [¶55]")
async def approve_by_board(
    loan_id: str,
    credit: CreditDep,
    who: Annotated[Principal, Depends(require_roles(Role.BOARD_REPRESENTATIVE))],
    key: Key = None,
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            if who.has_role(Role.COMMITTEE_MEMBER, Role.DONOR_PORTAL, Role.PARTNER_BANK):
                raise NotAuthorized(
                    "a Support Committee member, a donor or a lender never approves "
                    "a group's decision, whatever else they give [¶55]"
                )
            return 200, _public(await uc.board_approval(credit, loan_id, who))

    return await once(credit, f"board-approval:{loan_id}", key, {}, run)


@router.post("/loans/{loan_id}/lender-approval", summary="The lender approves")
async def approve_by_lender(
    loan_id: str,
    credit: CreditDep,
    who: Annotated[Principal, Depends(require_roles(Role.PARTNER_BANK))],
    key: Key = None,
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            return 200, _public(await uc.lender_approval(credit, loan_id, who))

    return await once(credit, f"lender-approval:{loan_id}", key, {}, run)


@router.post("/loans/{loan_id}/rejection", summary="The board or the lender rejects")
async def reject(
    loan_id: str,
    body: Rejection,
    credit: CreditDep,
    who: Annotated[Principal, Depends(require_roles(Role.BOARD_REPRESENTATIVE, Role.PARTNER_BANK))],
    key: Key = None,
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            loan = await credit.loans.get(loan_id)
            group = await credit.groups.get(loan.group_id)
            on_board = who.participant_id in group.board
            if not (on_board or (who.organization or "") == loan.lender):
                raise NotAuthorized("only the group's board or the lender rejects its loan")
            loan.reject(body.reason, who.subject, credit.today())
            await credit.loans.save(loan)
            return 200, _public(loan)

    return await once(credit, f"rejection:{loan_id}", key, body.model_dump(mode="json"), run)


@router.post("/loans/{loan_id}/disbursement", summary="The lender disburses; schedule fixed")
async def disburse(
    loan_id: str,
    credit: CreditDep,
    who: Annotated[Principal, Depends(require_roles(Role.PARTNER_BANK))],
    key: Key = None,
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            return 200, _public(await uc.disburse(credit, loan_id, who))

    return await once(credit, f"disbursement:{loan_id}", key, {}, run)


@router.post(
    "/loans/{loan_id}/instalments/{number}/payment",
    summary="The borrower pays an instalment directly",
)
async def pay_directly(
    loan_id: str,
    body: DirectPayment,
    credit: CreditDep,
    number: Annotated[int, Path(ge=1)],
    who: Annotated[Principal, Depends(require_roles(Role.PARTICIPANT, Role.ODF_STAFF))],
    key: Key = None,
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            loan = await credit.loans.get(loan_id)
            if loan.borrower_kind == "participant" and who.participant_id != loan.borrower_id:
                raise NotAuthorized("only the borrower pays their instalment")
            inst = next((i for i in loan.instalments if i.number == number), None)
            if inst is None or body.amount != inst.total:
                raise BusinessRuleViolation(
                    "the payment must be the instalment's exact total", rule="¶89"
                )
            loan.mark_paid(number, "borrower", credit.today())
            await credit.loans.save(loan)
            return 200, _public(loan)

    scope = f"pay:{loan_id}:{number}"
    return await once(credit, scope, key, body.model_dump(mode="json"), run, required=True)


@router.get(
    "/portfolio",
    response_model=list[PortfolioRow],
    summary="Outstanding principal, delinquency buckets and PAR30",
)
async def portfolio(
    credit: CreditDep,
    who: Annotated[Principal, Depends(require_roles(Role.PROGRAMME_SUPERVISOR, Role.PARTNER_BANK))],
    by: str = "state",
) -> list[PortfolioRow]:
    if by not in ("group", "state", "lender"):
        raise BusinessRuleViolation("by must be group, state or lender", rule="API")
    today = credit.today()
    rows: dict[str, list[tuple[Loan, int]]] = {}
    for loan in await credit.loans.find_many({"status": LoanStatus.ACTIVE.value}, scalar_eq=True):
        if not who.can_act_in_state(loan.state or ""):
            continue
        key = {"group": loan.group_id, "state": loan.state or "", "lender": loan.lender}[by]
        rows.setdefault(key, []).append((loan, loan.days_past_due(today)))
    out = []
    for key, items in sorted(rows.items()):
        buckets: dict[str, Any] = {}
        for loan, dpd in items:
            name = bucket(dpd)
            buckets[name] = buckets.get(name, 0) + loan.outstanding_principal
        out.append(
            PortfolioRow(
                key=key,
                outstanding_principal=sum(loan.outstanding_principal for loan, _ in items),
                par30=portfolio_at_risk(
                    Exposure(loan.outstanding_principal, dpd) for loan, dpd in items
                ),
                buckets=buckets,
            )
        )
    return out
