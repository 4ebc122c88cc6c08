"""Use cases on exchange rates: a national programme supervisor records the day's rate of a
currency; a payment in that currency converts at the rate of its day on the shared clock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from megp_common.auth import Principal, Role, check_state
from megp_common.errors import Conflict, NotFound
from trade.domain.commands import RecordRate
from trade.domain.errors import InvalidTransition, NotAuthorized
from trade.domain.exchange import DailyRate, rate_id
from trade.service_layer.container import Services


async def record(services: Services, who: Principal, command: RecordRate) -> DailyRate:
    if not who.has_role(Role.PROGRAMME_SUPERVISOR):
        raise NotAuthorized("a national programme supervisor records exchange rates")
    check_state(who, None)  # one rate for the whole programme: a national scope
    existing = await services.rates.find(rate_id(command.currency, command.on))
    if existing is not None:
        existing.same_as(command.rate)
        return existing
    daily = DailyRate.record_(
        currency=command.currency,
        on=command.on,
        rate=command.rate,
        by=who.subject,
        now=services.now(),
    )
    try:
        await services.rates.add(daily)
    except Conflict:  # recorded a moment ago by another request
        stored = await services.rates.get(daily.id)
        stored.same_as(command.rate)
        return stored
    return daily


async def rate(services: Services, currency: str, on: date) -> DailyRate:
    found = await services.rates.find(rate_id(currency, on))
    if found is None:
        raise NotFound(f"no {currency} rate is recorded for {on.isoformat()}")
    return found


async def rate_for_payment(services: Services, currency: str, on: date) -> tuple[date, Decimal]:
    """The rate a payment of day `on` converts at, or a 409: nobody recorded it yet."""
    found = await services.rates.find(rate_id(currency, on))
    if found is None:
        raise InvalidTransition(
            f"no {currency} rate is recorded for {on.isoformat()}: a national supervisor "
            "records the day's rate before payments in it are taken",
            slug="no-exchange-rate",
            currency=currency,
            rate_date=on.isoformat(),
        )
    return found.rate_date, found.rate
