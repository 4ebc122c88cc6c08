"""Reports as they were announced. When a period's report is announced ready (`ReportReady`,
service_layer/scheduler.py), a copy of it is kept (`ReportCopy`: the JSON text, and the date
the PDF drawn from it carries), and from then on every read of that period answers the copy:
what donors hears of later (a booking, a refund, a fund movement funds dated in the period's
last seconds) never changes a report once announced. A period not announced yet is computed
live and says so (`final: false`).

The copy is made once per association and period (its id is derived from both): by the
scheduler right after the announcement, or by the first read should that come first (or should
the process have stopped between the two); whichever comes second finds it."""

from __future__ import annotations

from donors.domain.association import Association
from donors.domain.report_copy import ReportCopy, copy_id
from donors.service_layer import queries
from donors.service_layer.access import association_of
from donors.service_layer.container import Services
from megp_common.auth import Principal
from megp_common.refusals import Conflict


async def keep(services: Services, association: Association, period: str) -> ReportCopy | None:
    """The copy of the association's report of `period`, made now if it was announced and
    none was made yet; None while the period is not announced (its report is provisional)."""
    found = await _answer(services, association, period)
    return found if isinstance(found, ReportCopy) else None


async def report(
    services: Services, who: Principal, association_id: str, period: str
) -> ReportCopy | queries.AssociationReport:
    """What a read of the report answers: the copy kept when it was announced, else the report
    computed now (provisional)."""
    return await _answer(services, await association_of(services, who, association_id), period)


async def _answer(
    services: Services, association: Association, period: str
) -> ReportCopy | queries.AssociationReport:
    kept = await services.reports.find(copy_id(association.id, period))
    if kept is not None:
        return kept
    live = await queries.report_of(services, association, period)
    if not live.final:
        return live
    made = ReportCopy.of(association.id, period, services.render_report(live), services.now())
    try:
        await services.reports.add(made)
    except Conflict:  # another process made it first: that one is the report
        return await services.reports.get(made.id)
    return made
