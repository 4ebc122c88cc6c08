"""What the simulation knows of the programme it plays: its scale, and per group the members,
the loans and the lease it follows, and its own books of what went in and out of the fund."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

CENT = Decimal("0.01")
STATES = [f"{i:02d}" for i in range(1, 33)]
DONORS = {
    "immigrant_association": ["Club Zacatecano de Chicago", "Federación Michoacana de Illinois"],
    "national": ["Fundación Comunitaria Oaxaca"],
    "international": ["UNDP Small Grants"],
    "local": ["Ayuntamiento"],
}
SHEET_LINES = 500  # the most lines a registration sheet takes


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, day.day)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Scale:
    states: int = 22
    groups: int = 120
    members: int = 200
    months: int = 40
    workers: int = 16
    #: the share of each group's members whose products the ODF lists on the marketplace
    sellers: float = 0.3
    #: the share of those who sell through it in a month
    selling: float = 0.5
    #: the share of groups with two inventors in the inventors' programme (at least one group
    #: when above 0)
    inventive: float = 0.25
    #: how many funds' trust banks reconcile their camt.053 statements at the end; None: every
    #: fund up to `banks.STATEMENT_SAMPLE` groups, and beyond that many of them, drawn
    statements: int | None = None

    @classmethod
    def small(cls) -> Scale:
        return cls(states=2, groups=4, members=6, months=10, workers=4)


@dataclass
class Member:
    pid: str
    female: bool
    baseline: Decimal
    growth: float  # monthly growth of income over the baseline (may be negative)
    punctuality: str  # "on_time" | "late" | "never" for deposits
    programmes: list[str] = field(default_factory=list)
    curp: str = ""  # as enrolled: no webhook body a bank receives may hold it


@dataclass
class LoanTrack:
    loan_id: str
    amount: Decimal
    term: int
    instalments: list[dict[str, Any]] = field(default_factory=list)
    status: str = "active"
    direct_payments: int = 0


@dataclass
class LeaseTrack:
    lease_id: str
    lessee: str
    takeover: str
    stops_after: int | None  # the lessee stops paying after this rent (a default), or never
    rents: int
    status: str = "active"
    transferred: bool = False


@dataclass
class ProductTrack:
    product_id: str
    producer: str
    price: Decimal
    listed: int  # units on hand when listed
    price_usd: Decimal | None = None  # its price list abroad
    restocked: int = 0  # units the staff added since (stock adjustments)
    sold: int = 0  # units of paid orders, less those returned and restocked
    returned: int = 0  # units given back and restocked
    held: int = 0  # units of orders left unpaid that have not expired yet


@dataclass
class InventionTrack:
    """A disclosure of the group's inventors, what its content is made of (words found nowhere
    else, so the run can look for them where they must not be) and what became of it."""

    disclosure_id: str
    words: list[str]
    choice: str  # "file" or "keep_secret"
    filing_id: str = ""
    filed_on: date | None = None
    licence_id: str = ""
    #: each royalty payment the licensee made: (payment id, day received, part per inventor)
    royalties: list[tuple[str, date, dict[str, Decimal]]] = field(default_factory=list)


@dataclass(slots=True)  # one per order of the run: no per-instance dict
class OrderTrack:
    order_id: str
    buyer: str
    lines: list[tuple[str, int]]  # (product, units)
    total: Decimal
    placed_on: date
    outcome: str  # "paid" (then fulfilled), "cancelled" or "left" (to expire on the clock)
    #: of a paid order, in pesos (a dollar order's at the day's rate)
    producer_parts: dict[str, Decimal] = field(default_factory=dict)
    channel: str = "marketplace"
    currency: str = "MXN"
    total_mxn: Decimal | None = None  # of a paid order: its total in pesos
    role: str = "participant"  # the buyer's token: its role and claims
    claims: dict[str, Any] = field(default_factory=dict)
    purchase_order_id: str = ""  # the order of an accepted purchase order


@dataclass(slots=True)
class ReturnTrack:
    """Shipped units the buyer gave back, accepted (and restocked) by the ODF after the sale."""

    return_id: str
    order_id: str
    product_id: str
    producer: str
    quantity: int
    producer_part: Decimal  # what the return takes back from the producer (MXN)
    on: date


@dataclass
class PurchaseOrderTrack:
    purchase_order_id: str
    buyer: str
    total: Decimal
    status: str  # "accepted" or "declined"
    order_id: str = ""


@dataclass(frozen=True)
class ChannelTrack:
    """A sales channel the run registered (or the marketplace) and its terms."""

    channel_id: str
    kind: str  # "marketplace", "trade_center" or "association_abroad"
    fee_rate: Decimal
    logistics_rate: Decimal
    organization: str = ""  # an association's portal: the token organization of its buyer


@dataclass
class RoundTrack:
    round_id: str
    opened_on: date
    closes_at: datetime
    quotes: list[str] = field(default_factory=list)
    status: str = "open"
    #: what the members stated (at the same time, so a lost demand shows as a smaller pool)
    demanded: int = 0
    pooled: int = 0
    total: Decimal = Decimal(0)
    shares: list[Decimal] = field(default_factory=list)
    saving: Decimal = Decimal(0)


@dataclass
class Group:
    index: int
    state: str
    rng: random.Random
    group_id: str = ""
    project_id: str = ""
    odf_id: str = ""
    members: list[Member] = field(default_factory=list)
    reps: list[str] = field(default_factory=list)
    opened_on: date | None = None
    # deposits owed and when they will be paid: (pay at step, participant, amount)
    pending_deposits: list[tuple[int, str, Decimal]] = field(default_factory=list)
    # the simulation's own books of what went in and out of the fund (MXN)
    inflows: list[Decimal] = field(default_factory=list)  # each registered inflow, as posted
    deposits_total: Decimal = Decimal(0)
    initial_deposits: Decimal = Decimal(0)
    grants_mxn: Decimal = Decimal(0)
    grants_usd: Decimal = Decimal(0)
    replenished: Decimal = Decimal(0)
    withdrawn: Decimal = Decimal(0)
    deposits_missed: int = 0
    deposits_late: int = 0
    loans: list[LoanTrack] = field(default_factory=list)
    loans_refused: int = 0
    lease: LeaseTrack | None = None
    committees: int = 0
    committee_members: int = 0
    line_open: bool = False
    taken_over_on: date | None = None  # a partner bank lends on its line from then [¶83]
    struggling: bool = False  # after its first months it stops depositing and replenishing
    #: the marketplace's own stream, so listing and selling leave the group's other draws as
    #: they were
    market_rng: random.Random = field(default_factory=random.Random)
    # the marketplace: the products the ODF lists, the orders for them, the purchasing rounds
    products: list[ProductTrack] = field(default_factory=list)
    orders: list[OrderTrack] = field(default_factory=list)
    orders_refused: dict[int, int] = field(default_factory=dict)  # by status
    rounds: list[RoundTrack] = field(default_factory=list)
    center: ChannelTrack | None = None  # the trade center its ODF registered in its state
    returns: list[ReturnTrack] = field(default_factory=list)
    purchase_orders: list[PurchaseOrderTrack] = field(default_factory=list)
    # the inventors' programme: its inventors (when the group is one of the inventive share)
    # and their disclosure, its made-up words and its filing
    inventors: list[str] = field(default_factory=list)
    invention: InventionTrack | None = None

    def participant(self, pid: str) -> dict[str, Any]:
        """The claims of a token for one of the group's members."""
        return {"participant_id": pid, "states": (self.state,), "subject": pid}

    def buyer(self, n: int) -> dict[str, Any]:
        """The claims of a token of a national buyer (a portal, a trade center abroad)."""
        return {"states": ("*",), "subject": f"buyer-{self.index}-{n}"}

    def staff(self) -> dict[str, Any]:
        """The claims of a token for the group's state office staff."""
        return {"states": (self.state,), "subject": f"odf-staff-{self.index}"}
