"""The circle of ¶3: who may see a disclosure's content, and the log of every time they do.

Inside the circle: an inventor of the disclosure acting as themself (the `participant` role and
their `participant_id`); the counsellor assigned to it (the `ip_counsellor` role and the
subject the programme registered); a member of the group's Innovation Committee while a review
of it is open (the `committee_member` role, and their participant id or, for a member who is
no participant, the subject the identity provider gives their committee member id), unless
they declared a conflict. A token that also acts for a lender or a donor opens nothing.
Everyone else, programme supervisors included, sees metadata only."""

from __future__ import annotations

from typing import Any

from ip_counsel.adapters.sealing import place
from ip_counsel.domain.disclosure import Capacity, Disclosure
from ip_counsel.domain.people import CommitteeSeat
from ip_counsel.domain.sealed import Sealed
from ip_counsel.service_layer.container import Services
from megp_common.auth import Principal, Role
from megp_common.mongo import Shard

NEVER_OPENS = (Role.PARTNER_BANK, Role.DONOR_PORTAL)


async def seat_in_open_review(
    services: Services, who: Principal, disclosure: Disclosure
) -> CommitteeSeat | None:
    review = disclosure.open_review
    if review is None or not who.has_role(Role.COMMITTEE_MEMBER):
        return None
    shard = Shard(disclosure.state, disclosure.group_id)
    committee = await services.committees.find(review.committee_id, shard)
    if committee is None:
        return None
    seat = committee.seat_of(subject=who.subject, participant_id=who.participant_id)
    if seat is None or seat.participant_id in disclosure.inventor_ids:
        return None
    return seat


async def capacity_of(services: Services, who: Principal, d: Disclosure) -> Capacity | None:
    if who.has_role(*NEVER_OPENS):
        return None
    participant = who.participant_id if who.has_role(Role.PARTICIPANT) else None
    counsellor_id = None
    if who.has_role(Role.IP_COUNSELLOR) and d.counsellor_id is not None:
        counsellor = await services.counsellors.find(d.counsellor_id)
        if counsellor is not None and counsellor.subject == who.subject:
            counsellor_id = counsellor.id
    seat = await seat_in_open_review(services, who, d)
    return d.capacity(
        participant_id=participant,
        counsellor_id=counsellor_id,
        reviewer_seat=seat.member_id if seat else None,
    )


def reader(who: Principal, capacity: Capacity) -> dict[str, Any]:
    return {
        "subject": who.subject,
        "participant_id": who.participant_id,
        "capacity": capacity.value,
    }


async def open_sealed(
    services: Services,
    who: Principal,
    d: Disclosure,
    capacity: Capacity,
    sealed: Sealed,
    what: str,
    number: int | str,
) -> str:
    """The plaintext of one sealed piece, after its read is logged (no log, no read)."""
    await services.reads.note(d.id, reader(who, capacity), f"{what} {number}", services.now())
    return services.sealer.open(d.key, sealed, place(d.id, what, number)).decode()


def seal(services: Services, d: Disclosure, text: str, what: str, number: int | str) -> Sealed:
    return services.sealer.seal(d.key, text.encode(), place(d.id, what, number))
