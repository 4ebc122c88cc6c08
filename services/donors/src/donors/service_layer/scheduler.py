"""What the passing of time does in donors: when a matching programme's window has closed, each
of its pledges still unpaid lapses (`MatchingPledgeLapsed`), the association is told (a notice
per pledge), and the programme is marked lapsed; and when a month has ended, each association's
report of it (and of the year, after December) is announced ready (`ReportReady`, which the
webhooks service delivers to the association's portal) and the copy of each report announced
is kept (service_layer/reports.py: what every later read of it answers). Runs on the shared
clock; idempotent (a lapsed pledge does not lapse again, a notice is kept once, a month's
report announced once, its copy made once)."""

from __future__ import annotations

from datetime import datetime

from donors.domain.association import Association, Notice
from donors.domain.rates import pesos
from donors.service_layer import reports
from donors.service_layer.container import Services
from donors.service_layer.event_handlers import tell
from megp_common.handling import apply_once


async def lapse_due(services: Services, now: datetime) -> int:
    lapsed = 0
    for programme in await services.programmes.not_lapsed():
        if now < programme.closes_at:
            continue
        for pledge in await services.pledges.open_of(programme.id):
            if not pledge.lapse(now):
                continue
            await services.pledges.save(pledge)
            lapsed += 1
            notice = Notice(
                id=f"lapsed:{pledge.id}",
                kind="pledge_lapsed",
                at=now,
                text=f"{pledge.cofunder_name} did not pay its pledge of "
                f"{pesos(pledge.amount_cents)} MXN for donation {pledge.donation_id} by the end "
                f"of {programme.name}",
                donation_id=pledge.donation_id,
                pledge_id=pledge.id,
            )
            await tell(services, pledge.association_id, "lapse", notice)
        programme.lapsed = True
        await services.programmes.save(programme)
    return lapsed


async def announce_reports(services: Services, now: datetime) -> int:
    """Each association's report of each month that ended and was not announced yet (several
    when the shared clock jumped over month ends), announced once (`ReportReady`)."""
    ended = f"{now.year - (now.month == 1):04d}-{(now.month - 2) % 12 + 1:02d}"
    announced = 0
    due = {"$or": [{"reported_through": None}, {"reported_through": {"$lt": ended}}]}
    for association in await services.associations.find_many(due):
        if association.reported_through is not None and association.reported_through >= ended:
            continue
        periods = association.reports_ready(now)  # this copy only says which are to make
        if not periods:
            continue

        def ready(a: Association) -> None:
            a.reports_ready(now)

        if await apply_once(services.associations, association.id, f"report:{ended}", ready):
            announced += 1
        # the copy each announced report answers from now on (once: a replay finds it)
        announcing = await services.associations.get(association.id)
        for period in periods:
            await reports.keep(services, announcing, period)
    return announced


async def tick(services: Services, now: datetime) -> None:
    await lapse_due(services, now)
    await announce_reports(services, now)
