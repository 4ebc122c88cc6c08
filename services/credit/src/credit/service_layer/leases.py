"""Use cases on leases [¶91-¶93]: the ODF leases a fixed asset to a member of its group; the
lessee pays rents and may buy the asset at the end; a lease in default passes to another
member. Every use case checks the caller's state scope on the lease's group."""

from __future__ import annotations

from credit.domain.commands import PayRent, SignLease, TransferLease
from credit.domain.errors import CreditRuleViolation, NotAuthorized
from credit.domain.lease import Lease
from credit.service_layer.container import Services
from credit.service_layer.loans import group_in_scope
from megp_common.auth import Principal, check_state
from megp_common.errors import BusinessRuleViolation
from megp_common.mongo import Shard


async def lease_in_scope(services: Services, who: Principal, lease_id: str) -> Lease:
    lease = await services.leases.get(lease_id, Shard.in_scope(who.states))
    check_state(who, lease.state)
    return lease


async def _member_of_group(
    services: Services, group_id: str, participant_id: str, state: str | None
) -> None:
    group = await services.groups.get(group_id, Shard(state))
    if not group.is_member(participant_id):
        raise BusinessRuleViolation(
            f"participant {participant_id} is not an active member of group {group_id}; the "
            "ODF leases its assets to its own members only",
            rule="¶91",
        )


async def sign(services: Services, who: Principal, command: SignLease, lease_id: str) -> Lease:
    group = await group_in_scope(services, who, command.group_id)
    if not group.odf_id:
        raise CreditRuleViolation("the group has no Development Organization yet")
    await _member_of_group(services, group.id, command.lessee_id, group.state)
    lease = Lease.sign(
        id=lease_id,
        state=group.state,
        odf_id=group.odf_id,
        signed_on=services.today(),
        group_id=command.group_id,
        asset=command.asset,
        loan_id=command.loan_id,
        lessee_id=command.lessee_id,
        rent=command.rent,
        term_months=command.term_months,
        first_due=command.first_due,
        purchase_price=command.purchase_price,
    )
    await services.leases.add(lease)
    return lease


async def pay_rent(services: Services, who: Principal, command: PayRent) -> Lease:
    lease = await lease_in_scope(services, who, command.lease_id)
    if lease.pay_rent(command.number, who.participant_id or "", services.today()):
        await services.leases.save(lease)  # a rent paid already changes nothing
    return lease


async def transfer(services: Services, who: Principal, command: TransferLease) -> Lease:
    if who.participant_id != command.to_participant_id:
        raise NotAuthorized("the member who takes the lease over accepts it themself")
    lease = await lease_in_scope(services, who, command.lease_id)
    await _member_of_group(services, lease.group_id, command.to_participant_id, lease.state)
    lease.transfer(command.to_participant_id, services.today())
    await services.leases.save(lease)
    return lease


async def purchase(services: Services, who: Principal, lease_id: str) -> Lease:
    lease = await lease_in_scope(services, who, lease_id)
    lease.exercise_purchase_option(who.participant_id or "", services.today())
    await services.leases.save(lease)
    return lease
