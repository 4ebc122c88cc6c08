"""Use cases on licences and assignments [¶3]: the inventors or their assigned counsellor
record a licence of the invention, the licensee's royalty reports and the payments received;
each payment is split among the inventors by their shares and announced as their income.

The inventors decide [¶55]: a token that also acts as a committee member, a donor or a lender
is refused whatever else it carries; anyone who is neither an inventor of the disclosure nor its
assigned counsellor is refused too. The state scope is checked first; nothing is written before
both checks."""

from __future__ import annotations

from ip_counsel.domain.commands import GrantLicence, ReceiveRoyalty, ReportRoyalty
from ip_counsel.domain.disclosure import Disclosure
from ip_counsel.domain.errors import OutsideTheCircle
from ip_counsel.domain.licence import Licence, Payment, Report
from ip_counsel.service_layer.container import Services
from ip_counsel.service_layer.disclosures import loaded
from megp_common.auth import Principal, Role, check_state
from megp_common.decisions import refuse_outsiders
from megp_common.errors import NotFound
from megp_common.ids import deterministic_id
from megp_common.mongo import Shard


async def recorder(services: Services, who: Principal, d: Disclosure) -> str:
    """Who records on the inventors' behalf: an inventor as themself (their participant id) or
    the counsellor assigned to the disclosure now (their counsellor id)."""
    refuse_outsiders(who.role_names(), None)
    if who.has_role(Role.PARTICIPANT) and d.is_inventor(who.participant_id):
        assert who.participant_id is not None
        return who.participant_id
    if who.has_role(Role.IP_COUNSELLOR) and d.counsellor_id is not None:
        counsellor = await services.counsellors.find(d.counsellor_id)
        if counsellor is not None and counsellor.subject == who.subject:
            return counsellor.id
    raise OutsideTheCircle(
        "a licence and its royalties are recorded by the disclosure's inventors or its "
        "assigned counsellor"
    )


async def loaded_licence(services: Services, who: Principal, licence_id: str) -> Licence:
    found = await services.licences.find(licence_id, Shard.in_scope(who.states))
    if found is None:
        raise NotFound(f"no licence has the id {licence_id}")
    check_state(who, found.state)
    return found


async def grant(
    services: Services, who: Principal, command: GrantLicence, licence_id: str
) -> Licence:
    existing = await services.licences.find(licence_id, Shard.in_scope(who.states))
    if existing is not None:
        return existing  # a retry after the licence was stored
    d = await loaded(services, who, command.disclosure_id)
    by = await recorder(services, who, d)
    people = await services.participants.many([i.participant_id for i in d.inventors])
    groups = {pid: record.group_id for pid, record in people.items() if record.group_id is not None}
    # an inventor is counted in the disclosure's group when they are a member of it
    group = await services.groups.find(d.group_id, Shard(d.state))
    for i in d.inventors:
        if group is not None and group.is_member(i.participant_id):
            groups[i.participant_id] = d.group_id
    licence = Licence.grant(
        licence_id,
        kind=command.kind,
        disclosure_id=d.id,
        group_id=d.group_id,
        state=d.state,
        sector=d.sector,
        licensee=command.licensee,
        exclusive=command.exclusive,
        territory=command.territory,
        field_of_use=command.field_of_use,
        starts_on=command.starts_on,
        ends_on=command.ends_on,
        royalty=command.royalty,
        inventors=list(d.inventors),
        inventor_groups=groups,
        recorded_by=by,
        now=services.now(),
    )
    await services.licences.add(licence)
    return licence


async def _licence_and_recorder(
    services: Services, who: Principal, licence_id: str
) -> tuple[Licence, str]:
    licence = await loaded_licence(services, who, licence_id)
    d = await services.disclosures.find(
        licence.disclosure_id, Shard(licence.state, licence.group_id)
    )
    if d is None:  # never deleted; kept for the type checker
        raise NotFound(f"no disclosure has the id {licence.disclosure_id}")
    return licence, await recorder(services, who, d)


async def report(
    services: Services, who: Principal, licence_id: str, command: ReportRoyalty, request_id: str
) -> tuple[Licence, Report]:
    licence, by = await _licence_and_recorder(services, who, licence_id)
    done = next((r for r in licence.reports if r.request_id == request_id), None)
    if done is not None:
        return licence, done
    made = licence.record_report(
        deterministic_id("royalty-report", licence.id, command.period_start.isoformat()),
        period_start=command.period_start,
        sales=command.sales,
        recorded_by=by,
        now=services.now(),
        request_id=request_id,
    )
    await services.licences.save(licence)
    return licence, made


async def receive(
    services: Services,
    who: Principal,
    licence_id: str,
    report_id: str,
    command: ReceiveRoyalty,
    request_id: str,
) -> tuple[Licence, Report, Payment]:
    licence, by = await _licence_and_recorder(services, who, licence_id)
    found = licence.report(report_id)
    if found is None:
        raise NotFound(f"licence {licence_id} has no royalty report {report_id}")
    done = next((p for p in found.payments if p.request_id == request_id), None)
    if done is not None:
        return licence, found, done
    payment = licence.receive(
        found,
        request_id,
        amount=command.amount,
        received_on=command.received_on,
        recorded_by=by,
        now=services.now(),
        request_id=request_id,
    )
    await services.licences.save(licence)
    return licence, found, payment
