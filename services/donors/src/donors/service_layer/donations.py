"""Use cases on donations: an association's portal gives to a group of its community of origin,
and asks for a refund; funds books both (service_layer/event_handlers.py).

Everything that can refuse a donation is checked before anything is written: the group outside
the association's community (403), not known or its fund not open (404, 409), a currency other
than USD or MXN, no USD rate recorded for the day, a temporary contribution without its return,
a programme it does not fit (422). The portal's own donation id is the key: the same id again
with the same terms answers the donation made, with other terms it is a 409."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from donors.domain.donation import Donation, Terms, check_terms, donation_id_for
from donors.domain.errors import OutsideOrigin, Unknown, WrongState
from donors.domain.matching import Pledge, Programme
from donors.domain.project import Project
from donors.domain.rates import PESO, cents, rate_id
from donors.service_layer import matching
from donors.service_layer.access import association_of, portal_of, supervising
from donors.service_layer.container import Services
from megp_common.auth import Principal, Role, check_state
from megp_common.errors import Conflict


@dataclass(frozen=True)
class Given:
    donation: Donation
    pledges: list[Pledge]
    created: bool


async def project_for(services: Services, group_id: str) -> Project:
    found = await services.projects.find(group_id)
    if found is None or not found.formed:
        raise Unknown(f"no project group {group_id} is known to donors")
    return found


async def _rate(services: Services, currency: str, on: date) -> tuple[Decimal | None, date | None]:
    if currency == PESO:
        return None, None
    found = await services.rates.find(rate_id(currency, on))
    return (found.rate, found.rate_date) if found is not None else (None, None)


async def give(services: Services, who: Principal, portal_donation_id: str, terms: Terms) -> Given:
    association = await portal_of(services, who)
    now = services.now()
    stored = await services.donations.find(donation_id_for(association.id, portal_donation_id))
    if stored is not None:  # the portal's id again: the donation it made, or a 409
        return await _again(services, stored, terms)
    check_terms(terms, now.date())
    project = await project_for(services, terms.group_id)
    if not association.supports(project.state, project.municipality):
        raise OutsideOrigin(
            f"group {terms.group_id} is not in {association.name}'s community of origin",
            state=project.state,
        )
    if not project.fund_open:
        raise WrongState(
            f"the fund of group {terms.group_id} is not open yet", slug="fund-not-open"
        )
    programme: Programme | None = None
    if terms.programme_id is not None:
        programme = await matching.programme(services, terms.programme_id)
        programme.check_eligible(project.state, project.participation(), now)
    rate, rate_date = await _rate(services, terms.currency, now.date())
    made = Donation.make(
        association_id=association.id,
        association_name=association.name,
        portal_donation_id=portal_donation_id,
        terms=terms,
        state=project.state or association.origin_state,
        municipality=project.municipality,
        group_name=project.name,
        trust_bank=project.trust_bank,
        rate=rate,
        rate_date=rate_date,
        now=now,
    )
    try:
        await services.donations.add(made)
    except Conflict:  # the same portal id, a moment ago
        return await _again(services, await services.donations.get(made.id), terms)
    pledges: list[Pledge] = []
    if programme is not None:
        pledges = await matching.pledge_for(services, programme, made)
    return Given(made, pledges, True)


async def _again(services: Services, stored: Donation, terms: Terms) -> Given:
    if stored.terms != terms:
        raise WrongState(
            f"donation {stored.portal_donation_id} was given with other terms",
            slug="donation-id-reused",
        )
    pledges: list[Pledge] = []
    if terms.programme_id is not None:
        prog = await matching.programme(services, terms.programme_id)
        pledges = await matching.pledge_for(services, prog, stored)
    return Given(stored, pledges, False)


async def donation(services: Services, who: Principal, donation_id: str) -> Donation:
    """A donation as its association's portal or a supervisor of its state reads it."""
    found = await services.donations.find(donation_id)
    if found is None:
        raise Unknown(f"no donation {donation_id}")
    if who.has_role(Role.DONOR_PORTAL) and who.organization == found.association_id:
        check_state(who, found.state)
        return found
    if supervising(who):
        check_state(who, found.state)
        return found
    raise Unknown(f"no donation {donation_id}")


async def of_association(
    services: Services, who: Principal, association_id: str, limit: int
) -> list[Donation]:
    await association_of(services, who, association_id)
    return await services.donations.of_association(association_id, limit)


async def refund(
    services: Services,
    who: Principal,
    donation_id: str,
    refund_id: str,
    amount: Decimal,
    reason: str,
    chargeback: bool,
) -> Donation:
    """A refund or chargeback the portal reports: recorded beside the donation, booked by funds
    as a reversing entry. More than was given is a 422, a second refund a 409. A whole refund
    cancels the unpaid pledges; a partial one brings each down in proportion to what the
    donation keeps, and names on the refund the pledges paid already, which stay paid."""
    association = await portal_of(services, who)
    found = await services.donations.find(donation_id)
    if found is None or found.association_id != association.id:
        raise Unknown(f"no donation {donation_id} of this association")
    if found.refund is not None and found.refund.id == refund_id:
        return found  # this same refund again
    now = services.now()
    made = found.request_refund(refund_id, amount, reason, chargeback, now)
    if not made.whole:
        given = cents(found.terms.amount)
        _, paid = await matching.scale_open_pledges(
            services, found, refund_id, given - cents(amount), given
        )
        found.refund = made.model_copy(update={"pledges_paid": [p.id for p in paid]})
    await services.donations.save(found)
    if made.whole:
        await matching.cancel_open_pledges(services, found.id, now)
    return found


__all__ = ["Given", "donation_id_for", "give", "refund"]
