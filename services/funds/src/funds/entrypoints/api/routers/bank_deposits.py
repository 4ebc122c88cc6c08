"""Deposits the fund's trust bank reports (a member paid at a branch or a correspondent): one by
one as JSON or as a camt.054.001.08 batch. Only the fund's trust bank reports; the members'
deposit references it needs are read by it and by the ODF's staff and supervisors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from funds.adapters import camt053
from funds.domain.bank_deposits import BankDeposit, references
from funds.domain.bank_statement import CURRENCY
from funds.domain.calendar import to_amount, to_cents
from funds.domain.errors import InvalidInput
from funds.domain.fund import Fund
from funds.entrypoints.api.deps import ServicesDep, open_fund_for
from funds.entrypoints.api.errors import READ, WRITE
from funds.entrypoints.api.routers.statements import Reader, check_statement_reader
from funds.entrypoints.api.schemas.funds import (
    ID_PATTERN,
    BankDepositOutcome,
    BankDepositReport,
    DepositNotificationResult,
    DepositNotificationUpload,
    DepositReferencePublic,
    DepositReferences,
)
from funds.service_layer.bank_reports import (
    Outcome,
    read_notification,
    report_deposit,
    report_notification,
)
from megp_common.auth import BankAccess, Principal, Role, check_bank, open_to_banks
from megp_common.auth.fastapi import require_roles
from megp_common.web import IdempotencyKey, JsonAnswer, Once, answer_once

router = APIRouter(prefix="/funds/{fund_id}", tags=["bank deposits"])
FundId = Annotated[str, Path(pattern=ID_PATTERN, description="The project group's id")]
Bank = Annotated[Principal, Depends(require_roles(Role.PARTNER_BANK))]


async def _trust_bank_fund(services: ServicesDep, fund_id: str, who: Principal) -> Fund:
    fund = await open_fund_for(services, fund_id, who)
    check_bank(who, fund.trust_bank, what="fund")  # Bank: the role is there
    return fund


def _public(o: Outcome) -> dict[str, Any]:
    return BankDepositOutcome(
        outcome=o.outcome,
        bank_transaction_id=o.bank_transaction_id,
        deposit_reference=o.deposit_reference,
        amount=to_amount(o.cents),
        value_date=o.value_date,
        position=o.position,
        reason=o.reason,
        entry_id=o.entry_id,
        participant_id=o.participant_id,
    ).model_dump(mode="json")


@router.post(
    "/bank-deposits",
    status_code=201,
    response_model=BankDepositOutcome,
    responses=WRITE | {200: {"description": "Reported before: the deposit it posted"}},
    summary="The trust bank reports one member's deposit; it settles their obligations [¶71]",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def report_one(
    fund_id: FundId,
    body: BankDepositReport,
    services: ServicesDep,
    who: Bank,
    key: IdempotencyKey,
) -> JSONResponse:
    fund = await _trust_bank_fund(services, fund_id, who)
    if body.currency != CURRENCY:
        raise InvalidInput(f"the trust account is in {CURRENCY}, not {body.currency}")
    report = BankDeposit(
        body.bank_transaction_id, body.reference, to_cents(body.amount), body.value_date
    )

    async def run() -> tuple[int, Any]:
        done = await report_deposit(services, fund, report, who.organization or who.subject)
        return (201 if done.outcome == "settled" else 200), _public(done)

    once = Once(f"funds:bank-deposit:{fund_id}", who.subject, key)
    status, payload = await answer_once(
        services.idempotency, once, body.model_dump(mode="json"), run
    )
    return JsonAnswer(payload, status_code=status)


@router.post(
    "/bank-deposit-notifications",
    response_model=DepositNotificationResult,
    responses=WRITE,
    summary="The trust bank's camt.054 of deposits: each transaction settled, already "
    "reported or refused with the reason",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def report_batch(
    fund_id: FundId,
    body: DepositNotificationUpload,
    services: ServicesDep,
    who: Bank,
    key: IdempotencyKey,
) -> JSONResponse:
    fund = await _trust_bank_fund(services, fund_id, who)

    async def run() -> tuple[int, Any]:
        found = read_notification(fund, body.document.encode())
        outcomes = await report_notification(services, fund, found, who.organization or who.subject)
        kinds = [o.outcome for o in outcomes]
        result = DepositNotificationResult(
            message_id=found.message_id,
            transactions=len(outcomes),
            settled=kinds.count("settled"),
            already_reported=kinds.count("already_reported"),
            refused=kinds.count("refused"),
            outcomes=[BankDepositOutcome.model_validate(_public(o)) for o in outcomes],
        )
        return 200, result.model_dump(mode="json")

    once = Once(f"funds:bank-notification:{fund_id}", who.subject, key)
    status, payload = await answer_once(services.idempotency, once, body.model_dump(), run)
    return JsonAnswer(payload, status_code=status)


@router.get(
    "/deposit-references",
    response_model=DepositReferences,
    responses=READ,
    summary="Each member's deposit reference, for the trust bank's counters",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def deposit_references(
    fund_id: FundId, services: ServicesDep, who: Reader
) -> DepositReferences:
    fund = await open_fund_for(services, fund_id, who, view=True)
    check_statement_reader(who, fund.trust_bank)
    return DepositReferences(
        fund_id=fund.id,
        account_id=camt053.account_id(fund.id),
        members=[
            DepositReferencePublic(
                participant_id=pid, deposit_reference=ref, active=fund.members[pid].active
            )
            for pid, ref in references(fund).items()
        ],
    )
