"""What donors read: their association, its notices, the projects of their community of origin
(public data only), their donations with receipts, the pledges, and what the money did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from donors.domain.association import Association, Notice
from donors.domain.donation import Donation, Status
from donors.domain.errors import DonorRuleViolation, Unknown, WrongState
from donors.domain.history import FundHistory
from donors.domain.impact import FundView, as_of, fund_view, period_bounds, share
from donors.domain.matching import Pledge, Programme
from donors.domain.project import Project
from donors.domain.rates import cents
from donors.domain.receipt import LANGUAGES, ReceiptText, text_of
from donors.service_layer import donations, matching
from donors.service_layer.access import association_of, supervising
from donors.service_layer.container import Services
from megp_common.auth import Principal, Role, check_state
from megp_common.refusals import ValidationFailed
from megp_common.web import decode_cursor, encode_cursor


async def association(services: Services, who: Principal, association_id: str) -> Association:
    return await association_of(services, who, association_id)


async def notices(services: Services, who: Principal, association_id: str) -> list[Notice]:
    found = await association_of(services, who, association_id)
    return list(reversed(found.notices))


async def projects(
    services: Services, who: Principal, association_id: str, cursor: str | None, limit: int
) -> tuple[list[Project], str | None]:
    """A page of the groups of the association's community of origin, in id order, and the
    cursor of the next page. The municipality is compared without case or accents, which the
    store cannot do, so the state's groups are read in batches until the page is full."""
    found = await association_of(services, who, association_id)
    after = cursor_after(cursor) if cursor else None
    shown: list[Project] = []
    while len(shown) <= limit:
        batch = await services.projects.in_state(found.origin_state, _BATCH, after)
        shown += [p for p in batch if found.supports(p.state, p.municipality)]
        if len(batch) < _BATCH:
            break
        after = batch[-1].id
    page = shown[:limit]
    more = len(shown) > limit
    return page, encode_cursor({"after": page[-1].id}) if more and page else None


_BATCH = 500


def cursor_after(cursor: str) -> str:
    """The id a projects cursor names; anything else is a 422."""
    after = decode_cursor(cursor).get("after")
    if not isinstance(after, str):
        raise ValidationFailed("the cursor is not valid for this list")
    return after


async def project(services: Services, who: Principal, group_id: str) -> Project:
    """A group's public data: to a donor portal whose community it is in, to a supervisor of
    its state; to anyone else it does not exist."""
    found = await services.projects.find(group_id)
    if found is None or not found.formed:
        raise Unknown(f"no project group {group_id}")
    if who.has_role(Role.DONOR_PORTAL) and who.organization:
        assoc = await services.associations.find(who.organization)
        if assoc is not None and assoc.supports(found.state, found.municipality):
            check_state(who, found.state)
            return found
    if supervising(who):
        check_state(who, found.state)
        return found
    raise Unknown(f"no project group {group_id}")


async def receipt(
    services: Services, who: Principal, donation_id: str
) -> tuple[Donation, list[ReceiptText]]:
    found = await donations.donation(services, who, donation_id)
    if found.receipt is None:
        raise WrongState(
            f"donation {found.portal_donation_id} is {found.status.value}: its receipt is "
            "issued once the fund has booked it",
            slug="no-receipt-yet",
        )
    return found, [text_of(found, lang) for lang in LANGUAGES]


async def history(services: Services, fund_id: str) -> FundHistory:
    return await services.histories.find(fund_id) or FundHistory(id=fund_id)


@dataclass(frozen=True)
class DonationImpact:
    donation: Donation
    view: FundView
    kept_cents: int
    share: object
    pledges: list[Pledge]


async def donation_impact(services: Services, who: Principal, donation_id: str) -> DonationImpact:
    found = await donations.donation(services, who, donation_id)
    view = fund_view(await history(services, found.group_id), end=services.now().date())
    kept = cents(found.net_mxn) if found.status is Status.BOOKED else 0
    pledges = await services.pledges.of_donation(found.id)
    return DonationImpact(found, view, kept, share(kept, view.inflows), pledges)


@dataclass(frozen=True)
class GroupReport:
    group_id: str
    group_name: str | None
    given_cents: int
    kept_cents: int
    donations: int
    view: FundView
    share: object


@dataclass(frozen=True)
class MonthCount:
    """The report's donations made in one month (a year's report: each in its month)."""

    month: str
    donations: int
    given_cents: int


@dataclass(frozen=True)
class AssociationReport:
    association: Association
    period: str
    start: date
    end: date
    as_of: datetime
    final: bool
    groups: list[GroupReport]
    given_cents: int
    kept_cents: int
    matched_cents: int
    matched_paid_cents: int
    by_month: list[MonthCount]
    late: list[Donation]


def in_report(d: Donation, period: str) -> bool:
    """Is a booked donation in the report of `period` (YYYY-MM or YYYY)? By the month whose
    report shows it (domain.impact.report_month), not by the day it was made."""
    return d.status is Status.BOOKED and d.report_period.startswith(period)


async def association_report(
    services: Services, who: Principal, association_id: str, period: str
) -> AssociationReport:
    """What the association's money did in a month (`YYYY-MM`) or a year (`YYYY`): the
    donations the period's report shows (booked in it; a late booking of an earlier month is
    shown here and listed as late), each group's fund over the period, and every figure as it
    stood at the period's end (`as_of`), so a report, once its period is over, does not change:
    a refund or a pledge paid later is in a later report. This is the report computed now:
    service_layer/reports.py answers the copy kept of a report announced ready."""
    found = await association_of(services, who, association_id)
    return await report_of(services, found, period)


async def report_of(services: Services, found: Association, period: str) -> AssociationReport:
    """The report of `period` computed from what donors knows now (no access check)."""
    try:
        start, end = period_bounds(period)
    except ValueError as exc:
        raise DonorRuleViolation(str(exc), slug="bad-period") from None
    cutoff = as_of(end)
    gifts = [
        d
        for d in await services.donations.of_association(
            found.id, services.settings.donations_listed_max
        )
        if in_report(d, period)
    ]
    by_group: dict[str, list[Donation]] = {}
    for d in gifts:
        by_group.setdefault(d.group_id, []).append(d)
    groups = []
    matched = matched_paid = 0
    for group_id, given in sorted(by_group.items()):
        view = fund_view(await history(services, group_id), start, end)
        kept = sum(cents(d.net_mxn_at(cutoff)) for d in given)
        groups.append(
            GroupReport(
                group_id=group_id,
                group_name=given[0].group_name,
                given_cents=sum(cents(d.amount_mxn) for d in given),
                kept_cents=kept,
                donations=len(given),
                view=view,
                share=share(kept, view.inflows),
            )
        )
        for d in given:
            for p in await services.pledges.of_donation(d.id):
                if p.pledged_at >= cutoff:
                    continue
                matched += p.cents_at(cutoff)
                matched_paid += p.cents_at(cutoff) if p.paid_before(cutoff) else 0
    months: dict[str, list[Donation]] = {}
    for d in gifts:
        months.setdefault(d.made_in, []).append(d)
    last_month = f"{end.year:04d}-{end.month:02d}"
    return AssociationReport(
        association=found,
        period=period,
        start=start,
        end=end,
        as_of=cutoff,
        final=found.reported_through is not None and found.reported_through >= last_month,
        groups=groups,
        given_cents=sum(g.given_cents for g in groups),
        kept_cents=sum(g.kept_cents for g in groups),
        matched_cents=matched,
        matched_paid_cents=matched_paid,
        by_month=[
            MonthCount(m, len(ds), sum(cents(d.amount_mxn) for d in ds))
            for m, ds in sorted(months.items())
        ],
        late=sorted(
            (d for d in gifts if not d.made_in.startswith(period)),
            key=lambda d: (d.made_at, d.id),
        ),
    )


async def programme(services: Services, who: Principal, programme_id: str) -> Programme:
    """A programme, to a supervisor or an association's portal of a state it covers (a
    programme of every state: to any of them)."""
    found = await matching.programme(services, programme_id)
    covers = found.eligible_states
    if supervising(who) and (
        who.is_national or not covers or any(who.can_act_in_state(s) for s in covers)
    ):
        return found
    if who.has_role(Role.DONOR_PORTAL) and who.organization:
        assoc = await services.associations.find(who.organization)
        if assoc is not None and (not covers or assoc.origin_state in covers):
            check_state(who, assoc.origin_state)
            return found
    raise Unknown(f"no matching programme {programme_id}")


async def programme_pledges(
    services: Services, who: Principal, programme_id: str, limit: int
) -> list[Pledge]:
    """A programme's pledges: all of them to a national supervisor, a co-funder's own to it,
    within the caller's states."""
    found = await matching.programme(services, programme_id)
    if not who.has_role(Role.PROGRAMME_SUPERVISOR):
        raise Unknown(f"no matching programme {programme_id}")
    pledges = await services.pledges.of_programme(found.id, limit)
    if who.organization and found.cofunder(who.organization) is not None:
        pledges = [p for p in pledges if p.cofunder_id == who.organization]
    elif not who.is_national:
        pledges = []
    return [p for p in pledges if who.can_act_in_state(p.state)]


async def pledge(services: Services, who: Principal, pledge_id: str) -> Pledge:
    found = await services.pledges.find(pledge_id)
    if found is None:
        raise Unknown(f"no pledge {pledge_id}")
    if who.has_role(Role.DONOR_PORTAL) and who.organization == found.association_id:
        check_state(who, found.state)
        return found
    if supervising(who):
        check_state(who, found.state)
        return found
    raise Unknown(f"no pledge {pledge_id}")
