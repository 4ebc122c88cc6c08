"""Receipt numbers: `YYYY-NNNNNN`, one per donation, given when funds has booked it, in the
year of the booking on the shared clock; gapless within a year and never reused.

A year's numbers are given one at a time, holding the year's store lock. The year's counter
says the last number given; before giving the next it notes which donation is getting it
(`issuing`), then saves the donation with its receipt, then moves `last` on. A holder that dies
between those steps leaves `issuing` behind: the next holder looks at that donation, and counts
the number as given if the donation has it, or gives it again (to whichever donation comes) if
it does not. So a number is never given to two donations and none is skipped."""

from __future__ import annotations

from datetime import datetime

from donors.domain.donation import Donation, Receipt
from donors.service_layer.container import Services


def number_of(year: int, seq: int) -> str:
    return f"{year:04d}-{seq:06d}"


async def issue(services: Services, donation: Donation, now: datetime) -> Donation:
    """Give `donation` its receipt (once) and save it. The donation must be booked."""
    if donation.receipt is not None:
        return donation
    year = now.year
    async with services.locks.hold(f"receipts:{year}"):
        fresh = await services.donations.get(donation.id)
        if fresh.receipt is not None:
            return fresh
        counter = await services.counters.read(year)
        last = int(counter.get("last", 0))
        issuing, number = counter.get("issuing"), counter.get("number")
        if issuing is not None and number is not None and int(number) == last + 1:
            other = await services.donations.find(str(issuing))
            if other is not None and other.receipt is not None and other.receipt.seq == last + 1:
                last += 1
        seq = last + 1
        await services.counters.write(year, {"last": last, "issuing": fresh.id, "number": seq})
        fresh.receipted(Receipt(number=number_of(year, seq), year=year, seq=seq, issued_at=now))
        await services.donations.save(fresh)
        await services.counters.write(year, {"last": seq, "issuing": None, "number": None})
        return fresh
