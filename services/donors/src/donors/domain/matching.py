"""Matching programmes in the style of Mexico's 3x1 para Migrantes: government tiers (or any other
co-funder) each match every peso an association gives with their own, at a ratio, within caps,
for donations to eligible groups inside a window. A donation inside a programme creates each
co-funder's pledge; the co-funder confirms it and pays it, which funds books as the co-funder's
own grant; a pledge still unpaid when the window closes lapses, and the association is told.

Caps are on what the co-funders together pledge (in pesos): per project (group), per
association and for the whole programme. A donation whose full match would pass a cap gets what
room is left, shared among the co-funders in proportion to their full shares (the odd
centavos to the largest remainders: the sum is the room exactly); no room, no pledges.
Pledges that lapse or are cancelled (their donation refused by the fund, or refunded whole)
give their room back; a partial refund brings the unpaid ones down in proportion (scale_down).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from donors.domain.errors import DonorRuleViolation, WrongState
from megp_common.aggregate import Aggregate
from megp_common.contracts import donors as ev
from megp_common.ids import deterministic_id


class Tier(StrEnum):
    FEDERAL = "federal"
    STATE = "state"
    MUNICIPAL = "municipal"
    OTHER = "other"

    @property
    def source(self) -> str:
        """The inflow source funds records for the co-funder's grant [¶50-¶53]."""
        return "national" if self is Tier.FEDERAL else "local"


class CoFunder(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    tier: Tier
    ratio: Decimal  # pesos pledged per peso donated


class Caps(BaseModel):
    """Pesos, in centavos; None: no cap of that kind."""

    model_config = ConfigDict(frozen=True)

    per_project: int | None = None
    per_association: int | None = None
    programme: int | None = None


class Programme(Aggregate):
    name: str
    cofunders: list[CoFunder]
    caps: Caps
    eligible_states: list[str] = []  # empty: every state
    eligible_programmes: list[str] = []  # empty: any group; else one member in one of them
    opens_at: datetime
    closes_at: datetime
    created_by: str
    created_at: datetime
    lapsed: bool = False

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def same_terms(self, other: Programme) -> bool:
        keys = (
            "name",
            "cofunders",
            "caps",
            "eligible_states",
            "eligible_programmes",
            "opens_at",
            "closes_at",
        )
        return all(getattr(self, k) == getattr(other, k) for k in keys)

    def cofunder(self, cofunder_id: str) -> CoFunder | None:
        return next((c for c in self.cofunders if c.id == cofunder_id), None)

    def check_eligible(
        self, state: str | None, participation: dict[str, int], now: datetime
    ) -> None:
        """Refuse (422) a donation this programme does not match."""
        if not self.is_open(now):
            raise DonorRuleViolation(
                f"matching programme {self.name} takes donations from "
                f"{self.opens_at.isoformat()} to {self.closes_at.isoformat()}",
                slug="programme-closed",
            )
        if self.eligible_states and state not in self.eligible_states:
            raise DonorRuleViolation(
                f"matching programme {self.name} does not cover state {state}",
                slug="not-eligible",
            )
        if self.eligible_programmes and not any(
            participation.get(p, 0) > 0 for p in self.eligible_programmes
        ):
            raise DonorRuleViolation(
                f"matching programme {self.name} matches groups taking part in "
                f"{', '.join(self.eligible_programmes)}",
                slug="not-eligible",
            )


def check_programme(programme: Programme) -> None:
    if programme.closes_at <= programme.opens_at:
        raise DonorRuleViolation("a programme's window closes after it opens")
    ids = [c.id for c in programme.cofunders]
    if len(set(ids)) != len(ids):
        raise DonorRuleViolation("each co-funder is named once")
    if any(c.ratio <= 0 for c in programme.cofunders):
        raise DonorRuleViolation("a co-funder's ratio is more than nothing")


def full_match(donation_cents: int, cofunders: list[CoFunder]) -> dict[str, int]:
    """Each co-funder's share of a donation before caps: donation x ratio, half-even."""
    out = {}
    for c in cofunders:
        value = (Decimal(donation_cents) * c.ratio).quantize(Decimal(1), ROUND_HALF_EVEN)
        out[c.id] = int(value)
    return out


def room_left(
    caps: Caps, programme_total: int, association_total: int, project_total: int
) -> int | None:
    """What can still be pledged under the three caps (None: no cap at all)."""
    rooms = [
        cap - used
        for cap, used in (
            (caps.programme, programme_total),
            (caps.per_association, association_total),
            (caps.per_project, project_total),
        )
        if cap is not None
    ]
    return max(0, min(rooms)) if rooms else None


def allocate(full: dict[str, int], room: int | None) -> dict[str, int]:
    """The pledges a donation gets: its full match, or exactly the room left, shared in
    proportion to the full shares (largest remainders take the odd centavos, in the
    co-funders' order on ties), so the sum never passes the room and uses all of it."""
    total = sum(full.values())
    if room is None or total <= room:
        return dict(full)
    room = max(room, 0)
    base = {k: v * room // total for k, v in full.items()}
    left = room - sum(base.values())
    order = sorted(full, key=lambda k: -((full[k] * room) % total))
    for k in order[:left]:
        base[k] += 1
    return base


def scale_down(amounts: dict[str, int], kept: int, given: int) -> dict[str, int]:
    """Pledges brought down with a partial refund: each in proportion to what the donation
    keeps (`kept` of `given`, any unit), to the centavo. Their sum is the old sum x kept/given,
    half-even; each gets its exact share's floor and the odd centavos go to the largest
    remainders (the first named on ties). Never below zero, never above what it was."""
    if given <= 0:
        raise ValueError("a donation gives more than nothing")
    kept = max(0, min(kept, given))
    total = sum(amounts.values())
    target = int((Decimal(total * kept) / Decimal(given)).quantize(Decimal(1), ROUND_HALF_EVEN))
    base = {k: v * kept // given for k, v in amounts.items()}
    left = target - sum(base.values())
    order = sorted(amounts, key=lambda k: -((amounts[k] * kept) % given))
    for k in order[:left]:
        base[k] += 1
    return base


class PledgeStatus(StrEnum):
    PLEDGED = "pledged"
    CONFIRMED = "confirmed"
    PAID = "paid"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"


#: A pledge that holds room under the caps.
HOLDING = (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED, PledgeStatus.PAID)


def pledge_id_for(donation_id: str, cofunder_id: str) -> str:
    return deterministic_id("donors", "pledge", donation_id, cofunder_id)


class Pledge(Aggregate):
    programme_id: str
    cofunder_id: str
    cofunder_name: str
    tier: Tier
    donation_id: str
    association_id: str
    group_id: str
    state: str
    amount_cents: int
    due_by: datetime
    pledged_at: datetime
    status: PledgeStatus = PledgeStatus.PLEDGED
    confirmed_at: datetime | None = None
    confirmed_by: str | None = None
    paid_at: datetime | None = None
    paid_by: str | None = None
    entry_id: str | None = None
    booking_refusal: str | None = None
    settled_at: datetime | None = None
    #: a partial refund scaled this pledge down: from what, by which refund, when
    pledged_cents: int | None = None
    scaled_for: str | None = None
    scaled_at: datetime | None = None

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    def cents_at(self, instant: datetime) -> int:
        """What was pledged at `instant` (before a later partial refund brought it down)."""
        if self.scaled_at is not None and self.scaled_at >= instant and self.pledged_cents:
            return self.pledged_cents
        return self.amount_cents

    def paid_before(self, instant: datetime) -> bool:
        return self.paid_at is not None and self.paid_at < instant

    @classmethod
    def make(
        cls,
        programme: Programme,
        cofunder: CoFunder,
        *,
        donation_id: str,
        association_id: str,
        group_id: str,
        state: str,
        amount_cents: int,
        now: datetime,
    ) -> Pledge:
        pledge = cls(
            id=pledge_id_for(donation_id, cofunder.id),
            programme_id=programme.id,
            cofunder_id=cofunder.id,
            cofunder_name=cofunder.name,
            tier=cofunder.tier,
            donation_id=donation_id,
            association_id=association_id,
            group_id=group_id,
            state=state,
            amount_cents=amount_cents,
            due_by=programme.closes_at,
            pledged_at=now,
        )
        pledge.record(
            ev.MatchingPledgeMade(
                pledge_id=pledge.id,
                programme_id=programme.id,
                cofunder_id=cofunder.id,
                cofunder_name=cofunder.name,
                tier=cofunder.tier.value,
                donation_id=donation_id,
                association_id=association_id,
                group_id=group_id,
                state_code=state,
                amount=_pesos(amount_cents),
                due_by=programme.closes_at,
                pledged_at=now,
            )
        )
        return pledge

    def confirm(self, by: str, now: datetime) -> None:
        if self.status is PledgeStatus.CONFIRMED:
            return
        if self.status is not PledgeStatus.PLEDGED:
            raise WrongState(f"pledge {self.id} is {self.status.value}", slug="pledge-not-open")
        if now >= self.due_by:
            raise WrongState(f"pledge {self.id} was due by {self.due_by.isoformat()}")
        self.status, self.confirmed_at, self.confirmed_by = PledgeStatus.CONFIRMED, now, by

    def pay(self, by: str, now: datetime, fund_id: str) -> None:
        if self.status is PledgeStatus.PAID:
            raise WrongState(f"pledge {self.id} is paid already", slug="pledge-paid")
        if self.status is not PledgeStatus.CONFIRMED:
            raise WrongState(
                f"pledge {self.id} is {self.status.value}: a co-funder confirms it, then pays",
                slug="pledge-not-confirmed",
            )
        if now >= self.due_by:
            raise WrongState(f"pledge {self.id} was due by {self.due_by.isoformat()}")
        self.status, self.paid_at, self.paid_by = PledgeStatus.PAID, now, by
        self.record(
            ev.MatchingPledgePaid(
                pledge_id=self.id,
                programme_id=self.programme_id,
                cofunder_id=self.cofunder_id,
                cofunder_name=self.cofunder_name,
                tier=self.tier.value,
                source=self.tier.source,
                donation_id=self.donation_id,
                group_id=self.group_id,
                fund_id=fund_id,
                state_code=self.state,
                amount=_pesos(self.amount_cents),
                paid_at=now,
            )
        )

    def lapse(self, now: datetime) -> bool:
        if self.status not in (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED):
            return False
        self.status, self.settled_at = PledgeStatus.LAPSED, now
        self.record(
            ev.MatchingPledgeLapsed(
                pledge_id=self.id,
                programme_id=self.programme_id,
                cofunder_id=self.cofunder_id,
                donation_id=self.donation_id,
                association_id=self.association_id,
                group_id=self.group_id,
                state_code=self.state,
                amount=_pesos(self.amount_cents),
                lapsed_at=now,
            )
        )
        return True

    def scale_down(self, refund_id: str, amount_cents: int, now: datetime) -> bool:
        """A partial refund of the donation brings this unpaid pledge down to `amount_cents`
        (nothing left: cancelled). Once per refund; a pledge paid, lapsed or cancelled is not
        touched."""
        if self.scaled_for == refund_id:
            return False
        if self.status not in (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED):
            return False
        amount_cents = max(0, min(amount_cents, self.amount_cents))
        self.pledged_cents, self.scaled_for, self.scaled_at = self.amount_cents, refund_id, now
        self.amount_cents = amount_cents
        if amount_cents == 0:
            self.status, self.settled_at = PledgeStatus.CANCELLED, now
        self.record(
            ev.MatchingPledgeScaledDown(
                pledge_id=self.id,
                programme_id=self.programme_id,
                cofunder_id=self.cofunder_id,
                donation_id=self.donation_id,
                refund_id=refund_id,
                association_id=self.association_id,
                group_id=self.group_id,
                state_code=self.state,
                previous_amount=_pesos(self.pledged_cents),
                amount=_pesos(amount_cents),
                cancelled=amount_cents == 0,
                scaled_at=now,
            )
        )
        return True

    def cancel(self, now: datetime) -> bool:
        if self.status not in (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED):
            return False
        self.status, self.settled_at = PledgeStatus.CANCELLED, now
        return True


def _pesos(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)
