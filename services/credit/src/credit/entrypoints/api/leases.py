"""Leasing [¶91-¶93]: the ODF leases an asset to a member; default, transfer, purchase."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from credit.domain.errors import CreditRuleViolation, NotAuthorized
from credit.domain.lease import Lease
from credit.entrypoints.api.deps import CreditDep, Key, domain_errors, once
from credit.entrypoints.api.schemas import LeaseCreate, LeaseTransfer
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import CurrentPrincipal, require_roles, require_state
from megp_common.errors import PROBLEM_RESPONSES
from megp_common.ids import deterministic_id, new_id

router = APIRouter(prefix="/v1/leases", tags=["leasing"], responses=PROBLEM_RESPONSES)
Member = Annotated[Principal, Depends(require_roles(Role.PARTICIPANT))]


def _public(lease: Lease) -> dict[str, Any]:
    return lease.model_dump(mode="json", exclude={"applied"}) | {"lessee_id": lease.lessee_id}


@router.post("", status_code=201, summary="The ODF leases an asset to a member")
async def sign(
    body: LeaseCreate,
    credit: CreditDep,
    who: Annotated[Principal, Depends(require_roles(Role.ODF_STAFF))],
    key: Key = None,
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            group = await credit.groups.get(body.group_id)
            require_state(who, group.state or "")
            if not group.odf_id:
                raise CreditRuleViolation("the group has no Development Organization yet")
            lease = Lease.sign(
                id=deterministic_id("lease", key) if key else new_id(),
                state=group.state,
                odf_id=group.odf_id,
                signed_on=credit.today(),
                **body.model_dump(),
            )
            await credit.leases.add(lease)
            return 201, _public(lease)

    return await once(credit, "leases", key, body.model_dump(mode="json"), run)


@router.get("/{lease_id}", summary="A lease, its rents and every lessee it had")
async def get_lease(lease_id: str, credit: CreditDep, who: CurrentPrincipal) -> dict[str, Any]:
    lease = await credit.leases.get(lease_id)
    require_state(who, lease.state or "")
    return _public(lease)


@router.post("/{lease_id}/rents/{number}/payment", summary="The lessee pays a rent")
async def pay_rent(
    lease_id: str,
    number: Annotated[int, Path(ge=1)],
    credit: CreditDep,
    who: Member,
    key: Key = None,
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            lease = await credit.leases.get(lease_id)
            if lease.pay_rent(number, who.participant_id or "", credit.today()):
                await credit.leases.save(lease)  # a rent paid already changes nothing
            return 200, _public(lease)

    return await once(credit, f"rent:{lease_id}:{number}", key, {}, run)


@router.post("/{lease_id}/transfer", summary="Another member accepts a lease in default [¶93]")
async def transfer(
    lease_id: str, body: LeaseTransfer, credit: CreditDep, who: Member, key: Key = None
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            if who.participant_id != body.to_participant_id:
                raise NotAuthorized("the member who takes the lease over accepts it themself")
            lease = await credit.leases.get(lease_id)
            lease.transfer(body.to_participant_id, credit.today())
            await credit.leases.save(lease)
            return 200, _public(lease)

    return await once(credit, f"transfer:{lease_id}", key, body.model_dump(mode="json"), run)


@router.post("/{lease_id}/purchase", summary="The lessee keeps the asset for the symbolic price")
async def purchase(
    lease_id: str, credit: CreditDep, who: Member, key: Key = None
) -> dict[str, Any]:
    async def run() -> tuple[int, Any]:
        with domain_errors():
            lease = await credit.leases.get(lease_id)
            lease.exercise_purchase_option(who.participant_id or "", credit.today())
            await credit.leases.save(lease)
            return 200, _public(lease)

    return await once(credit, f"purchase:{lease_id}", key, {}, run)
