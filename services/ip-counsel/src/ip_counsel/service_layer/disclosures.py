"""Use cases on disclosures: an inventor records and revises one (its content sealed under
the disclosure's own data key before anything is stored), programme staff assign its
counsellor, the counsellor records sessions, the inventors decide [¶55].

Every use case first loads the disclosure and checks the caller's state scope
(`check_state`), then the caller's right; nothing is written before both."""

from __future__ import annotations

from ip_counsel.adapters.sealing import place
from ip_counsel.domain.commands import Decide, RecordDisclosure, RecordSession
from ip_counsel.domain.content import DisclosureContent
from ip_counsel.domain.counselling import CounsellingSession
from ip_counsel.domain.counsellor import Counsellor
from ip_counsel.domain.decision import InventorsDecision
from ip_counsel.domain.disclosure import Disclosure, Revision
from ip_counsel.domain.errors import IpRuleViolation, OutsideTheCircle
from ip_counsel.service_layer.circle import seal
from ip_counsel.service_layer.container import Services
from megp_common.auth import Principal, Role, check_state
from megp_common.decisions import refuse_outsiders
from megp_common.errors import NotFound
from megp_common.mongo import Shard


def as_inventor(who: Principal) -> str:
    """The participant an inventor's token acts as: the participant role, their own id."""
    if not who.has_role(Role.PARTICIPANT) or who.participant_id is None:
        raise OutsideTheCircle("an inventor acts as themself: a participant token with their id")
    return who.participant_id


async def loaded(services: Services, who: Principal, disclosure_id: str) -> Disclosure:
    found = await services.disclosures.find(disclosure_id, Shard.in_scope(who.states))
    if found is None:
        raise NotFound(f"no disclosure has the id {disclosure_id}")
    check_state(who, found.state)
    return found


def _plain(content: DisclosureContent) -> bytes:
    return content.model_dump_json().encode()


async def record(
    services: Services, who: Principal, command: RecordDisclosure, disclosure_id: str
) -> Disclosure:
    shard = Shard.in_scope(who.states, command.group_id)
    existing = await services.disclosures.find(disclosure_id, shard)
    if existing is not None:
        return existing  # a retry after the disclosure was stored
    group = await services.groups.find(command.group_id, Shard.in_scope(who.states))
    if group is None or group.state is None:
        raise NotFound(f"no project group {command.group_id} is known to ip-counsel (yet)")
    check_state(who, group.state)
    inventor = as_inventor(who)
    if not group.is_member(inventor):
        raise IpRuleViolation(
            "the inventor who records a disclosure is an active member of its group",
            field="group_id",
        )
    ids = [i.participant_id for i in command.inventors]
    known = await services.participants.many(ids)
    key = services.sealer.new_key()
    sealed = services.sealer.seal(key, _plain(command.content), place(disclosure_id, "revision", 1))
    disclosure = Disclosure.disclose(
        disclosure_id,
        group_id=group.id,
        state=group.state,
        sector=command.sector,
        inventors=command.inventors,
        known=known,
        recorded_by=inventor,
        public_disclosure_on=command.public_disclosure_on,
        key=key,
        sealed=sealed,
        now=services.now(),
    )
    await services.disclosures.add(disclosure)
    return disclosure


async def revise(
    services: Services,
    who: Principal,
    disclosure_id: str,
    content: DisclosureContent,
    request_id: str,
) -> tuple[Disclosure, Revision]:
    d = await loaded(services, who, disclosure_id)
    done = next((r for r in d.revisions if r.request_id == request_id), None)
    if done is not None:
        return d, done
    inventor = as_inventor(who)
    number = d.next_revision()
    sealed = services.sealer.seal(d.key, _plain(content), place(d.id, "revision", number))
    revision = d.revise(sealed, inventor, number, services.now(), request_id)
    await services.disclosures.save(d)
    return d, revision


async def assign(
    services: Services, who: Principal, disclosure_id: str, counsellor_id: str
) -> Disclosure:
    """Programme staff (a supervisor whose scope covers the disclosure's state) assign its
    counsellor; assigning opens no content to them."""
    d = await loaded(services, who, disclosure_id)
    if not who.has_role(Role.PROGRAMME_SUPERVISOR):
        raise OutsideTheCircle("programme supervisors assign a disclosure's counsellor")
    refuse_outsiders(who.role_names(), None)
    if await services.counsellors.find(counsellor_id) is None:
        raise IpRuleViolation(f"no counsellor {counsellor_id} is registered", field="counsellor_id")
    if d.assign(counsellor_id, who.subject, services.now()):
        await services.disclosures.save(d)
    return d


async def as_counsellor(services: Services, who: Principal) -> Counsellor:
    counsellor = (
        await services.counsellors.by_subject(who.subject)
        if who.has_role(Role.IP_COUNSELLOR)
        else None
    )
    if counsellor is None:
        raise OutsideTheCircle("only a registered counsellor, signed in as themself, does this")
    return counsellor


async def record_session(
    services: Services, who: Principal, disclosure_id: str, command: RecordSession, request_id: str
) -> tuple[Disclosure, CounsellingSession]:
    d = await loaded(services, who, disclosure_id)
    done = next((s for s in d.sessions if s.request_id == request_id), None)
    if done is not None:
        return d, done
    counsellor = await as_counsellor(services, who)
    number = len(d.sessions) + 1
    advice = seal(services, d, command.advice, "session", number)
    session = d.record_session(
        counsellor.id,
        command.held_on,
        command.route_recommended,
        advice,
        number,
        services.now(),
        request_id,
    )
    await services.disclosures.save(d)
    return d, session


async def decide(
    services: Services, who: Principal, disclosure_id: str, command: Decide, request_id: str
) -> tuple[Disclosure, InventorsDecision]:
    """An inventor records the inventors' decision [¶55]; a token that also acts for a lender,
    a donor or a committee is refused: their support gives no say in it."""
    d = await loaded(services, who, disclosure_id)
    done = next((x for x in d.decisions if x.request_id == request_id), None)
    if done is not None:
        return d, done
    inventor = as_inventor(who)
    refuse_outsiders(who.role_names(), None)
    decision = d.decide(inventor, command.choice, command.route, services.now(), request_id)
    await services.disclosures.save(d)
    return d, decision
