"""The programme registers its IP counsellors [¶36]: a national programme supervisor does."""

from __future__ import annotations

from ip_counsel.domain.commands import RegisterCounsellor
from ip_counsel.domain.counsellor import Counsellor
from ip_counsel.domain.errors import InvalidTransition, OutsideTheCircle
from ip_counsel.service_layer.container import Services
from megp_common.auth import Principal, Role, check_state


async def register(
    services: Services, who: Principal, command: RegisterCounsellor, counsellor_id: str
) -> Counsellor:
    existing = await services.counsellors.find(counsellor_id)
    if existing is not None:
        return existing
    if not who.has_role(Role.PROGRAMME_SUPERVISOR):
        raise OutsideTheCircle("the programme's supervisors register counsellors")
    check_state(who, None)  # a national register: national scope
    if await services.counsellors.by_subject(command.subject) is not None:
        raise InvalidTransition(f"a counsellor signs in as {command.subject} already")
    counsellor = Counsellor.register(
        counsellor_id,
        subject=command.subject,
        name=command.name,
        organization=command.organization,
        specialties=command.specialties,
        by=who.subject,
        now=services.now(),
    )
    await services.counsellors.add(counsellor)
    return counsellor
