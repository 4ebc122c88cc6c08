"""Collective purchasing [¶30, ¶69]: ODFs pool their members' demand for an input and negotiate
one price for the whole of it.

One ODF, or several ODFs together, open a *purchasing round* for an input (a raw material, an
input or a capital good) with a closing date. Members of the participating ODFs' groups state
how much they want (a positive whole number of the input's unit) and may revise it until the
round closes; closing fixes the pooled quantity. Suppliers quote with volume tiers (a price per
unit from a minimum quantity up); a Support Committee supply company may grant the members the
terms it gives its major clients [¶54], and its quote says so. The ODF (its board or its staff,
as the programme's settings say, never a buyer or a supplier [¶55]) chooses a quote, and each
member's allocation is what they asked for and their cost share is their pro-rata part of the
chosen total, exact to the centavo.

Decisions taken here where the rules are silent:

- A unit price has at most four decimals (inputs are often priced by the gram); a quote's total
  for a quantity is unit price x quantity rounded half-even to the centavo, plus the quote's
  flat delivery charge (two decimals). Tiers never raise the unit price as the quantity grows.
- A round's demand is refused from its closing instant on, and it closes only then: members
  were promised until that date.
- Quotes are received while the round is open or closed, until one is chosen; the chosen one
  must have a tier for the pooled quantity and be valid on the day it is chosen.
- With several ODFs, the decider acts for one of the participating ODFs (its board
  representative, or its staff when the setting says staff).
- The cost is split by the largest remainder method (see `split_cost`).

Nothing here reads a store or a request: the service layer loads the round, passes in who
acts and the group's governance, and saves the round with the events it recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Final, TypedDict

from pydantic import BaseModel, ConfigDict, Field

from megp_common import decisions
from megp_common.aggregate import Aggregate
from megp_common.contracts.trade import (
    AllocationPaid,
    FinancedShare,
    PurchaseAllocated,
    PurchaseFinancingRequested,
    PurchasingRoundClosed,
    PurchasingRoundOpened,
    QuoteChosen,
)
from megp_common.refusals import (
    DecisionRefused,
    InvalidData,
    Missing,
    RuleViolation,
    StateConflict,
)

RULE: Final = "¶69"
CURRENCY: Final = "MXN"
CENT: Final = Decimal("0.01")
UNIT_PRICE_PLACES: Final = 4


class InputKind(StrEnum):
    RAW_MATERIAL = "raw_material"
    INPUT = "input"
    CAPITAL_GOOD = "capital_good"


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    #: a quote was chosen and every member's allocation and cost share fixed
    ALLOCATED = "allocated"
    #: every share is paid by its member or covered by the ODF's financing request
    SETTLED = "settled"


class QuoteDecider(StrEnum):
    """Who chooses a round's quote for the ODF: a programme setting."""

    BOARD = "board"
    STAFF = "staff"


# ---------------------------------------------------------------------------------------------
# Money arithmetic, in whole centavos.


def to_cents(amount: Decimal) -> int:
    """Whole centavos of an amount that has at most two decimals (ValueError otherwise)."""
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(scaled)


def from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(CENT)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


# ---------------------------------------------------------------------------------------------
# Quotes.


class PriceTier(BaseModel):
    """The unit price from `min_quantity` units up (until a later tier starts)."""

    model_config = ConfigDict(frozen=True)

    min_quantity: int = Field(ge=1, strict=True)
    unit_price: Decimal = Field(gt=0)


class SupplierQuote(BaseModel):
    """A supplier's offer for the round's input: volume tiers, an optional flat delivery
    charge, and whether these are a Support Committee supply company's major-client terms
    [¶54] (the service layer checks the supplier sits on a participating project's Support
    Committee before it accepts the flag)."""

    model_config = ConfigDict(frozen=True)

    quote_id: str
    supplier_id: str
    supplier_name: str = ""
    tiers: tuple[PriceTier, ...]
    delivery_charge: Decimal = Decimal("0.00")
    major_client_terms: bool = False
    valid_until: date | None = None
    received_at: datetime | None = None

    @classmethod
    def offer(cls, **fields: object) -> SupplierQuote:
        """A quote, or InvalidData (422) saying what is wrong with its tiers or charges."""
        quote = cls.model_validate(fields)
        quote.check()
        return quote

    def check(self) -> None:
        if not self.tiers:
            raise InvalidData("a quote has at least one price tier", rule=RULE)
        minimums = [t.min_quantity for t in self.tiers]
        if len(set(minimums)) != len(minimums):
            raise InvalidData("two tiers of the quote start at the same quantity", rule=RULE)
        for tier in self.tiers:
            if _places(tier.unit_price) > UNIT_PRICE_PLACES:
                raise InvalidData(
                    f"a unit price has at most {UNIT_PRICE_PLACES} decimals, got {tier.unit_price}",
                    rule=RULE,
                )
        ordered = sorted(self.tiers, key=lambda t: t.min_quantity)
        for smaller, larger in pairwise(ordered):
            if larger.unit_price > smaller.unit_price:
                raise InvalidData(
                    "a volume tier never raises the unit price: from "
                    f"{larger.min_quantity} units the price {larger.unit_price} is above "
                    f"{smaller.unit_price}",
                    rule=RULE,
                )
        if self.delivery_charge < 0 or _places(self.delivery_charge) > 2:
            raise InvalidData(
                "a delivery charge is zero or more, with at most two decimals", rule=RULE
            )

    def tier_for(self, quantity: int) -> PriceTier | None:
        """The tier that applies to `quantity`: the one with the largest minimum it reaches;
        None when it reaches none (below the supplier's minimum order)."""
        reached = [t for t in self.tiers if t.min_quantity <= quantity]
        return max(reached, key=lambda t: t.min_quantity) if reached else None

    def unit_price_for(self, quantity: int) -> Decimal | None:
        tier = self.tier_for(quantity)
        return None if tier is None else tier.unit_price

    def total_for(self, quantity: int) -> Decimal | None:
        """What `quantity` costs under this quote, to the centavo (unit price x quantity,
        half-even, plus delivery); None when no tier applies."""
        price = self.unit_price_for(quantity)
        if price is None or quantity < 1:
            return None
        goods = (price * quantity).quantize(CENT, rounding=ROUND_HALF_EVEN)
        return goods + self.delivery_charge.quantize(CENT)

    def valid_on(self, day: date) -> bool:
        return self.valid_until is None or day <= self.valid_until


# ---------------------------------------------------------------------------------------------
# The split: allocation and cost share.


@dataclass(frozen=True, slots=True)
class DemandLine:
    """What one member asked for; `stated_at` is when they first stated it."""

    participant_id: str
    quantity: int
    stated_at: datetime


def split_cost(total: Decimal, demands: Iterable[DemandLine]) -> dict[str, Decimal]:
    """Each member's share of `total`, pro rata of their quantity, exact to the centavo.

    Rounding rule: the largest remainder method (Hamilton) on whole centavos. Every member with
    a positive quantity q (of a pooled Q) first gets floor(C x q / Q) centavos of the total's C
    centavos; the centavos left over (fewer than the number of members) go one each to the
    members with the largest remainders (C x q mod Q), ties broken by the earlier demand
    (`stated_at`) and then by participant id. So the shares always sum to the total, each is
    within one centavo of the exact pro-rata amount, a member's share never depends on the order
    the demands are given in, and a larger demand never pays less than a smaller one. Members
    whose quantity is zero get nothing and are left out of the result.
    """
    given = list(demands)
    if any(d.quantity < 0 for d in given):
        raise ValueError("a demand is never negative")
    lines = [d for d in given if d.quantity > 0]
    ids = [d.participant_id for d in lines]
    if len(set(ids)) != len(ids):
        raise ValueError("one demand per member")
    if not lines:
        if total != 0:
            raise ValueError("a total with no demand to share it")
        return {}
    cents = to_cents(total)
    if cents < 0:
        raise ValueError("a cost is never negative")
    pooled = sum(d.quantity for d in lines)
    floors = {d.participant_id: cents * d.quantity // pooled for d in lines}
    left = cents - sum(floors.values())
    ranked = sorted(
        lines,
        key=lambda d: (-(cents * d.quantity % pooled), d.stated_at, d.participant_id),
    )
    for d in ranked[:left]:
        floors[d.participant_id] += 1
    return {pid: from_cents(c) for pid, c in floors.items()}


# ---------------------------------------------------------------------------------------------
# Who decides.


@dataclass(frozen=True, slots=True)
class Decider:
    """Who acts: the caller's roles, participant id, organization (a supplier's or buyer's id
    when they carry one) and the ODF they act for."""

    roles: frozenset[str]
    odf_id: str
    participant_id: str | None = None
    organization: str | None = None


def quote_decider(
    decider: Decider,
    policy: QuoteDecider,
    governance: decisions.Governance,
    quote: SupplierQuote,
) -> str:
    """The id of whoever may choose `quote` for the ODF, or DecisionRefused (403) [¶55].

    Never a Support Committee member, donor or lender, never the quoting supplier; under the
    board setting only a seated member representative of the ODF's board, under the staff
    setting only the ODF's staff.
    """
    if quote.supplier_id in {decider.organization, decider.participant_id}:
        raise DecisionRefused(
            "a supplier never chooses among the quotes it takes part in [¶55]",
            rule=decisions.RULE,
        )
    if policy is QuoteDecider.BOARD:
        return decisions.board_decider(decider.roles, decider.participant_id, governance)
    decisions.refuse_outsiders(decider.roles, decider.participant_id, governance.support_committee)
    if decisions.STAFF_ROLE not in decider.roles:
        raise DecisionRefused(
            "the setting gives the choice of a round's quote to the ODF's staff [¶55]",
            rule=decisions.RULE,
        )
    return decider.participant_id or decider.organization or f"staff:{decider.odf_id}"


# ---------------------------------------------------------------------------------------------
# The round.


class Demand(BaseModel):
    participant_id: str
    odf_id: str
    #: the member's participating group (None on rounds stored before it was kept)
    group_id: str | None = None
    quantity: int
    stated_at: datetime
    revised_at: datetime | None = None

    def line(self) -> DemandLine:
        return DemandLine(self.participant_id, self.quantity, self.stated_at)


class Allocation(BaseModel):
    participant_id: str
    odf_id: str
    group_id: str | None = None
    quantity: int
    cost_share: Decimal
    alone_cost: Decimal | None = None
    paid_at: datetime | None = None
    paid_by: str | None = None
    #: the ODF's financing request that covers this share (it is no longer the member's to pay)
    financing_id: str | None = None

    @property
    def settled(self) -> bool:
        return self.paid_at is not None or self.financing_id is not None

    @property
    def saving(self) -> Decimal | None:
        return None if self.alone_cost is None else self.alone_cost - self.cost_share


@dataclass(frozen=True, slots=True)
class MemberSaving:
    participant_id: str
    quantity: int
    cost_share: Decimal
    alone_cost: Decimal | None
    saving: Decimal | None


@dataclass(frozen=True, slots=True)
class SavingsReport:
    """The round against each member buying alone at the best quote for their own quantity.
    Totals cover the members some quote would have served alone."""

    round_id: str
    members: tuple[MemberSaving, ...]
    pooled_cost: Decimal
    alone_cost: Decimal
    saving: Decimal
    members_no_quote_alone: int


def best_alone(quotes: Iterable[SupplierQuote], quantity: int, on: date | None) -> Decimal | None:
    """The least a member would pay for `quantity` alone, at the tier their quantity reaches
    in any quote valid on `on`; None when no quote serves that quantity."""
    totals = [
        t
        for q in quotes
        if on is None or q.valid_on(on)
        if (t := q.total_for(quantity)) is not None
    ]
    return min(totals) if totals else None


class Financing(BaseModel):
    """The deciding ODF's request that the unpaid shares be financed (one per round)."""

    financing_id: str
    odf_id: str
    group_id: str
    amount: Decimal
    participant_ids: list[str]
    requested_by: str
    requested_at: datetime


class _RoundIds(TypedDict):
    round_id: str
    odf_ids: list[str]
    state_code: str | None


class PurchasingRound(Aggregate):
    odf_ids: list[str]
    #: the participating ODFs' project groups (the service layer's, for scope and membership)
    group_ids: list[str] = []
    state: str | None = None
    item: str
    kind: InputKind
    unit: str
    opened_at: datetime
    closes_at: datetime
    status: RoundStatus = RoundStatus.OPEN
    demands: dict[str, Demand] = {}
    pooled_quantity: int | None = None
    closed_at: datetime | None = None
    quotes: dict[str, SupplierQuote] = {}
    chosen_quote_id: str | None = None
    chosen_by: str | None = None
    chosen_at: datetime | None = None
    total: Decimal | None = None
    allocations: list[Allocation] = []
    #: the participating group whose ODF chose the quote (it pays the supplier, or finances)
    deciding_group_id: str | None = None
    deciding_odf_id: str | None = None
    financing: Financing | None = None

    def partition_key(self) -> str:
        return self.id

    def state_code(self) -> str | None:
        return self.state

    def _ids(self) -> _RoundIds:
        return {"round_id": self.id, "odf_ids": list(self.odf_ids), "state_code": self.state}

    @classmethod
    def open(
        cls,
        *,
        round_id: str,
        odf_ids: Sequence[str],
        item: str,
        kind: InputKind | str,
        unit: str,
        opened_at: datetime,
        closes_at: datetime,
        state: str | None = None,
        group_ids: Sequence[str] = (),
    ) -> PurchasingRound:
        if not odf_ids:
            raise InvalidData("a round is opened by at least one ODF", rule=RULE)
        if len(set(odf_ids)) != len(odf_ids):
            raise InvalidData("an ODF takes part in a round once", rule=RULE)
        if not item.strip() or not unit.strip():
            raise InvalidData("a round names its input and the input's unit", rule=RULE)
        try:
            kind = InputKind(kind)
        except ValueError:
            raise InvalidData(
                "an input's kind is raw_material, input or capital_good", rule=RULE
            ) from None
        if closes_at <= opened_at:
            raise InvalidData("a round closes after it opens", rule=RULE)
        rnd = cls(
            id=round_id,
            odf_ids=list(odf_ids),
            group_ids=list(group_ids),
            state=state,
            item=item,
            kind=kind,
            unit=unit,
            opened_at=opened_at,
            closes_at=closes_at,
        )
        rnd.record(
            PurchasingRoundOpened(
                round_id=round_id,
                odf_ids=list(odf_ids),
                state_code=state,
                item=item,
                kind=kind.value,
                unit=unit,
                opened_at=opened_at,
                closes_at=closes_at,
            )
        )
        return rnd

    # -- demand ------------------------------------------------------------------------------

    def _expect_open_at(self, at: datetime) -> None:
        if self.status is not RoundStatus.OPEN or at >= self.closes_at:
            raise StateConflict(
                f"round {self.id} closed for demand at {self.closes_at.isoformat()}",
                rule=RULE,
                closes_at=self.closes_at.isoformat(),
            )

    def state_demand(
        self,
        participant_id: str,
        odf_id: str,
        quantity: int,
        at: datetime,
        group_id: str | None = None,
    ) -> None:
        """A member of a participating ODF's group states (or revises) their demand: a
        positive whole number of the input's unit, until the round closes. A revision keeps the
        member's place (`stated_at`) for the split's tie-break."""
        self._expect_open_at(at)
        if odf_id not in self.odf_ids:
            raise RuleViolation(
                f"ODF {odf_id} does not take part in round {self.id}; only members of the "
                "participating ODFs' groups state demand",
                rule=RULE,
            )
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidData(
                f"a demand is a positive whole number of {self.unit}, got {quantity!r}",
                rule=RULE,
            )
        current = self.demands.get(participant_id)
        if current is None:
            self.demands[participant_id] = Demand(
                participant_id=participant_id,
                odf_id=odf_id,
                group_id=group_id,
                quantity=quantity,
                stated_at=at,
            )
            return
        if current.odf_id != odf_id:
            raise StateConflict(
                f"participant {participant_id} stated their demand through ODF {current.odf_id}",
                rule=RULE,
            )
        current.quantity, current.revised_at = quantity, at
        current.group_id = current.group_id or group_id

    def withdraw_demand(self, participant_id: str, at: datetime) -> None:
        """The member's demand is taken out of the round, until it closes (a withdrawn member
        may state a demand again while it is open; their place in the tie-break is then new)."""
        self._expect_open_at(at)
        if self.demands.pop(participant_id, None) is None:
            raise StateConflict(f"participant {participant_id} stated no demand", rule=RULE)

    def close(self, at: datetime) -> None:
        """Closing fixes the pooled quantity: the sum of the members' demands."""
        if self.status is not RoundStatus.OPEN:
            raise StateConflict(f"round {self.id} is already {self.status}", rule=RULE)
        if at < self.closes_at:
            raise StateConflict(
                f"round {self.id} takes demand until {self.closes_at.isoformat()}",
                rule=RULE,
                closes_at=self.closes_at.isoformat(),
            )
        self.pooled_quantity = sum(d.quantity for d in self.demands.values())
        self.status, self.closed_at = RoundStatus.CLOSED, at
        self.record(
            PurchasingRoundClosed(
                **self._ids(),
                pooled_quantity=self.pooled_quantity,
                members=len(self.demands),
                closed_at=at,
            )
        )

    # -- quotes ------------------------------------------------------------------------------

    def receive_quote(self, quote: SupplierQuote) -> None:
        if self.status in (RoundStatus.ALLOCATED, RoundStatus.SETTLED):
            raise StateConflict(f"round {self.id} already chose its quote", rule=RULE)
        if quote.quote_id in self.quotes:
            raise StateConflict(f"quote {quote.quote_id} was already received", rule=RULE)
        quote.check()
        self.quotes[quote.quote_id] = quote

    def choose_quote(
        self,
        quote_id: str,
        decider: Decider,
        policy: QuoteDecider,
        governance: decisions.Governance,
        at: datetime,
        group_id: str | None = None,
    ) -> list[Allocation]:
        """The ODF chooses a quote; each member's allocation is their demand and their cost
        share their pro-rata part of the quote's total for the pooled quantity (`split_cost`)."""
        if decider.odf_id not in self.odf_ids:
            raise DecisionRefused(
                f"ODF {decider.odf_id} does not take part in round {self.id}",
                rule=decisions.RULE,
            )
        quote = self.quotes.get(quote_id)
        if quote is None:
            raise Missing(f"round {self.id} received no quote {quote_id}", rule=RULE)
        chosen_by = quote_decider(decider, policy, governance, quote)
        if self.status is not RoundStatus.CLOSED or self.pooled_quantity is None:
            raise StateConflict(
                f"round {self.id} is {self.status}: a quote is chosen once, after it closes",
                rule=RULE,
            )
        pooled = self.pooled_quantity
        if pooled == 0:
            raise RuleViolation(f"round {self.id} closed with no demand to buy", rule=RULE)
        if not quote.valid_on(at.date()):
            raise RuleViolation(f"quote {quote_id} expired on {quote.valid_until}", rule=RULE)
        total = quote.total_for(pooled)
        unit_price = quote.unit_price_for(pooled)
        if total is None or unit_price is None:
            raise RuleViolation(f"quote {quote_id} has no tier for {pooled} {self.unit}", rule=RULE)
        shares = split_cost(total, (d.line() for d in self.demands.values()))
        others = list(self.quotes.values())
        self.allocations = [
            Allocation(
                participant_id=d.participant_id,
                odf_id=d.odf_id,
                group_id=d.group_id,
                quantity=d.quantity,
                cost_share=shares[d.participant_id],
                alone_cost=best_alone(others, d.quantity, at.date()),
            )
            for d in sorted(self.demands.values(), key=lambda d: (d.stated_at, d.participant_id))
        ]
        self.status, self.total = RoundStatus.ALLOCATED, total
        self.chosen_quote_id, self.chosen_by, self.chosen_at = quote_id, chosen_by, at
        self.deciding_group_id, self.deciding_odf_id = group_id, decider.odf_id
        self.record(
            QuoteChosen(
                **self._ids(),
                quote_id=quote_id,
                supplier_id=quote.supplier_id,
                major_client_terms=quote.major_client_terms,
                pooled_quantity=pooled,
                unit_price=unit_price,
                delivery_charge=quote.delivery_charge,
                total=total,
                chosen_by=chosen_by,
                decided_as=policy.value,
                chosen_at=at,
            )
        )
        for a in self.allocations:
            self.record(
                PurchaseAllocated(
                    **self._ids(),
                    participant_id=a.participant_id,
                    member_odf_id=a.odf_id,
                    quantity=a.quantity,
                    cost_share=a.cost_share,
                    alone_cost=a.alone_cost,
                )
            )
        return list(self.allocations)

    # -- paying for the round [¶30, ¶69] --------------------------------------------------------

    def allocation(self, participant_id: str) -> Allocation:
        found = next((a for a in self.allocations if a.participant_id == participant_id), None)
        if found is None:
            raise Missing(f"round {self.id} allocated nothing to {participant_id}", rule=RULE)
        return found

    def _expect_allocated(self) -> None:
        if self.status is RoundStatus.SETTLED:
            raise StateConflict(
                f"round {self.id} is settled: every share is paid or being financed", rule=RULE
            )
        if self.status is not RoundStatus.ALLOCATED:
            raise StateConflict(
                f"round {self.id} is {self.status}: shares are paid once a quote is chosen",
                rule=RULE,
            )

    def _settle_if_complete(self) -> None:
        if all(a.settled for a in self.allocations):
            self.status = RoundStatus.SETTLED

    def pay_share(self, participant_id: str, amount: Decimal, by: str, at: datetime) -> Allocation:
        """The member pays their whole cost share, the exact amount (another amount is
        InvalidData, 422); a share paid already or covered by the ODF's financing is a
        StateConflict (409)."""
        if self.status is not RoundStatus.SETTLED:
            self._expect_allocated()
        share = self.allocation(participant_id)
        if share.paid_at is not None:
            raise StateConflict(
                f"{participant_id} paid their share of round {self.id} already", rule=RULE
            )
        if share.financing_id is not None:
            raise StateConflict(
                f"{participant_id}'s share of round {self.id} is covered by the ODF's financing "
                f"request {share.financing_id}; it is settled with the ODF",
                rule=RULE,
            )
        if amount != share.cost_share:
            raise InvalidData(
                f"a member pays their exact cost share, {share.cost_share} {CURRENCY}, not "
                f"{amount}",
                rule=RULE,
                cost_share=str(share.cost_share),
            )
        share.paid_at, share.paid_by = at, by
        self.record(
            AllocationPaid(
                **self._ids(),
                participant_id=participant_id,
                member_odf_id=share.odf_id,
                amount=share.cost_share,
                paid_by=by,
                paid_at=at,
            )
        )
        self._settle_if_complete()
        return share

    def request_financing(self, financing_id: str, odf_id: str, by: str, at: datetime) -> Financing:
        """The deciding ODF asks for every share still unpaid to be financed: those shares are
        then its to settle, not the members' to pay here. Once per round."""
        if self.financing is not None:
            raise StateConflict(
                f"round {self.id} asked for financing already ({self.financing.financing_id})",
                rule=RULE,
            )
        self._expect_allocated()
        if odf_id != self.deciding_odf_id or self.deciding_group_id is None:
            raise DecisionRefused(
                f"only the ODF that chose the round's quote, {self.deciding_odf_id}, asks for "
                "its financing [¶55]",
                rule=decisions.RULE,
            )
        unpaid = [a for a in self.allocations if not a.settled and a.cost_share > 0]
        if not unpaid:
            raise StateConflict(f"every share of round {self.id} is paid", rule=RULE)
        amount = sum((a.cost_share for a in unpaid), Decimal("0.00"))
        for a in unpaid:
            a.financing_id = financing_id
        self.financing = Financing(
            financing_id=financing_id,
            odf_id=odf_id,
            group_id=self.deciding_group_id,
            amount=amount,
            participant_ids=[a.participant_id for a in unpaid],
            requested_by=by,
            requested_at=at,
        )
        self.record(
            PurchaseFinancingRequested(
                **self._ids(),
                financing_id=financing_id,
                odf_id=odf_id,
                group_id=self.deciding_group_id,
                item=self.item,
                amount=amount,
                members=[
                    FinancedShare(
                        participant_id=a.participant_id,
                        member_odf_id=a.odf_id,
                        cost_share=a.cost_share,
                    )
                    for a in unpaid
                ],
                requested_by=by,
                requested_at=at,
            )
        )
        self._settle_if_complete()
        return self.financing

    # -- reports -----------------------------------------------------------------------------

    def savings(self) -> SavingsReport:
        """The round's savings against each member's best single-member quote."""
        chosen = (RoundStatus.ALLOCATED, RoundStatus.SETTLED)
        if self.status not in chosen or self.total is None:
            raise StateConflict(f"round {self.id} has not chosen its quote yet", rule=RULE)
        members = tuple(
            MemberSaving(a.participant_id, a.quantity, a.cost_share, a.alone_cost, a.saving)
            for a in self.allocations
        )
        served = [m for m in members if m.alone_cost is not None]
        pooled_cost = sum((m.cost_share for m in served), Decimal("0.00"))
        alone = sum((m.alone_cost for m in served if m.alone_cost is not None), Decimal("0.00"))
        return SavingsReport(
            round_id=self.id,
            members=members,
            pooled_cost=pooled_cost,
            alone_cost=alone,
            saving=alone - pooled_cost,
            members_no_quote_alone=len(members) - len(served),
        )
