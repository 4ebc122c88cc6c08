"""Use cases on associations: a national programme supervisor registers one; its portal and
supervisors read it and its notices."""

from __future__ import annotations

from donors.domain.association import Association
from donors.service_layer.access import national_supervisor
from donors.service_layer.container import Services
from megp_common.auth import Principal


async def register(
    services: Services,
    who: Principal,
    association_id: str,
    *,
    name: str,
    country: str,
    city: str,
    origin_state: str,
    origin_municipality: str | None,
) -> Association:
    national_supervisor(who, "registers an association")
    made = Association.register(
        association_id=association_id,
        name=name,
        country=country,
        city=city,
        origin_state=origin_state,
        origin_municipality=origin_municipality,
        by=who.subject,
        now=services.now(),
    )
    stored = await services.associations.find(association_id)
    if stored is not None:  # the same request again, after a crash before its answer
        return stored
    await services.associations.add(made)
    return made
