"""The sales ledger and its reports [¶19-¶20, ¶97-¶98]: one `SaleLine` per line of a completed
producer's sale, and the arithmetic of the reports read from those lines: totals by a
dimension, the distribution of the producer's share per channel and the share of sales (and of
producer income) that women and indigenous producers earn. Pure: money is Decimal, sums are
exact, ratios are rounded only when they are written out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from trade.domain.fulfilment import between
from trade.domain.order import Order, OrderLine
from trade.domain.pricing import PriceSplit
from trade.domain.producer import ProducerRecord
from trade.domain.product import Product
from trade.domain.returns import ReturnStatus, find_return

ZERO = Decimal("0.00")
#: Lines of a dimension that is not known (a product without a niche, a line without a
#: programme): counted under this key, so no line drops out of a report.
NONE = "(none)"
#: The producer-share buckets: [0.00, 0.50), [0.50, 0.60), ... [0.90, 1.00]; a share of
#: exactly 1 falls in the last one.
BUCKET_EDGES: tuple[Decimal, ...] = tuple(
    Decimal(x) for x in ("0.50", "0.60", "0.70", "0.80", "0.90")
)


class Dimension(StrEnum):
    PRODUCER = "producer"
    ODF = "odf"
    CHANNEL = "channel"
    STATE = "state"
    NICHE = "niche"
    PROGRAMME = "programme"


class SaleLine(BaseModel):
    """One sold line, as it was when its producer's sale completed."""

    order_id: str
    number: int
    producer_id: str
    group_id: str
    odf_id: str
    state: str
    municipality: str = ""
    category: str = ""
    niche: str = ""
    programmes: list[str] = []
    channel: str
    quantity: int
    amount: Decimal
    producer_part: Decimal
    channel_fee: Decimal
    logistics: Decimal
    currency: str = "MXN"
    sold_on: date
    #: the producer's gender and indigenous flag as trade knew them at the sale (None: trade
    #: had not heard of the producer from enrollment yet)
    producer_gender: str | None = None
    producer_indigenous: bool | None = None
    #: an entry of a return accepted after the sale (trade's SaleReturned): the units and the
    #: money it takes back, negative, dated the day of the return
    return_id: str | None = None

    @property
    def id(self) -> str:
        sold = line_id(self.order_id, self.number)
        return sold if self.return_id is None else f"{sold}:return:{self.return_id}"

    @property
    def is_return(self) -> bool:
        return self.return_id is not None

    def keys(self, by: Dimension) -> list[str]:
        """The keys the line counts under: one for every dimension but `programme`, where a
        line counts once under each programme its product represents."""
        if by is Dimension.PROGRAMME:
            return sorted(set(self.programmes)) or [NONE]
        value = {
            Dimension.PRODUCER: self.producer_id,
            Dimension.ODF: self.odf_id,
            Dimension.CHANNEL: self.channel,
            Dimension.STATE: self.state,
            Dimension.NICHE: self.niche,
        }[by]
        return [value or NONE]

    @property
    def share(self) -> Decimal:
        """The producer's part of the line's amount (1 for a line of amount 0)."""
        return self.producer_part / self.amount if self.amount else Decimal(1)


def line_id(order_id: str, number: int) -> str:
    """The ledger's id of a line: the same on every delivery of the same sale."""
    return f"{order_id}:{number}"


def _returned_before_sale(order: Order, number: int) -> int:
    """Units of line `number` given back by returns accepted before its producer's sale
    completed: the sale is what shipped less those (the later ones are entries of their own)."""
    return sum(
        r.quantity
        for r in order.returns
        if r.number == number and r.status is ReturnStatus.ACCEPTED and not r.sale_returned
    )


def _in_pesos(line: OrderLine, start: int, end: int) -> PriceSplit:
    """What units start+1 .. end of the line carry, in pesos (a line in dollars: its share of
    the split converted at the order's recorded rate)."""
    return between(line.in_mxn, line.quantity, start, end)


def _entry(
    order: Order,
    line: OrderLine,
    *,
    quantity: int,
    money: PriceSplit,
    products: Mapping[str, Product],
    producer: ProducerRecord | None,
    on: date,
    return_id: str | None = None,
) -> SaleLine:
    product = products.get(line.product_id)
    if line.category is not None:  # the line carries what its product was listed with
        municipality, category = line.municipality or "", line.category
        niche, programmes = line.niche or "", list(line.programmes or [])
    elif product is not None:
        municipality, category = product.municipality, product.category
        niche, programmes = product.niche, list(product.programmes)
    else:
        municipality, category, niche, programmes = "", "", "", []
    return SaleLine(
        order_id=order.id,
        number=line.number,
        producer_id=line.producer_id,
        group_id=line.group_id,
        odf_id=line.odf_id,
        state=line.state,
        municipality=municipality,
        category=category,
        niche=niche,
        programmes=programmes,
        channel=line.channel_id,
        quantity=quantity,
        amount=money.total,
        producer_part=money.producer_part,
        channel_fee=money.channel_fee,
        logistics=money.logistics,
        currency="MXN",
        sold_on=on,
        producer_gender=producer.gender if producer else None,
        producer_indigenous=producer.indigenous if producer else None,
        return_id=return_id,
    )


def lines_of_sale(
    order: Order,
    producer_id: str,
    *,
    products: Mapping[str, Product],
    producer: ProducerRecord | None,
    sold_on: date,
) -> list[SaleLine]:
    """The ledger lines of one producer's completed sale in `order`: of each of their lines,
    the units shipped and not given back before the sale (a line settled short counts only what
    shipped; one with nothing kept is no sale line), in pesos. The channel is the line's own
    (a line always names one: the marketplace unless the order went through another)."""
    found: list[SaleLine] = []
    for line in order.lines:
        if line.producer_id != producer_id:
            continue
        start = _returned_before_sale(order, line.number)
        if line.shipped <= start:
            continue
        found.append(
            _entry(
                order,
                line,
                quantity=line.shipped - start,
                money=_in_pesos(line, start, line.shipped),
                products=products,
                producer=producer,
                on=sold_on,
            )
        )
    return found


def return_entry(
    order: Order,
    return_id: str,
    *,
    products: Mapping[str, Product],
    producer: ProducerRecord | None,
    returned_on: date,
) -> SaleLine:
    """The ledger entry of a return accepted after its producer's sale: minus the units and
    minus what they carried, in pesos. Returns take a line's units first to last in the order
    they were accepted (returns.py), so this one's units follow those accepted before it."""
    ret = find_return(order, return_id)
    line = order.line(ret.number)
    accepted = sorted(
        (
            r
            for r in order.returns
            if r.number == ret.number and r.status is ReturnStatus.ACCEPTED and r.decided_at
        ),
        key=lambda r: r.decided_at or datetime.min,
    )
    before = 0
    for r in accepted:
        if r.id == ret.id:
            break
        before += r.quantity
    money = _in_pesos(line, before, before + ret.quantity)
    return _entry(
        order,
        line,
        quantity=-ret.quantity,
        money=PriceSplit(-money.total, -money.producer_part, -money.channel_fee, -money.logistics),
        products=products,
        producer=producer,
        on=returned_on,
        return_id=ret.id,
    )


@dataclass
class Totals:
    """Sold lines and, netted into the units and money, returns accepted after their sale."""

    lines: int = 0
    returns: int = 0
    units: int = 0
    amount: Decimal = ZERO
    producer_part: Decimal = ZERO
    channel_fee: Decimal = ZERO
    logistics: Decimal = ZERO

    def add(self, line: SaleLine) -> None:
        if line.is_return:
            self.returns += 1
        else:
            self.lines += 1
        self.units += line.quantity
        self.amount += line.amount
        self.producer_part += line.producer_part
        self.channel_fee += line.channel_fee
        self.logistics += line.logistics


def overall(lines: Iterable[SaleLine]) -> Totals:
    total = Totals()
    for line in lines:
        total.add(line)
    return total


def totals_by(lines: Iterable[SaleLine], by: Dimension) -> dict[str, Totals]:
    """Totals per key of `by`, sorted by key. For every dimension but `programme` each line is
    in exactly one group, so the groups sum to `overall` exactly."""
    groups: dict[str, Totals] = {}
    for line in lines:
        for key in line.keys(by):
            groups.setdefault(key, Totals()).add(line)
    return dict(sorted(groups.items()))


# -- the producer's share [¶97-¶98] -----------------------------------------------------------


@dataclass
class ShareDistribution:
    lines: int
    minimum: Decimal
    median: Decimal
    maximum: Decimal
    #: sum of producer parts over sum of amounts: the share of the channel's money
    weighted: Decimal
    #: (lower edge, upper edge, lines) for each bucket
    buckets: list[tuple[Decimal, Decimal, int]] = field(default_factory=list)


def median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    n, mid = len(ordered), len(ordered) // 2
    if n % 2:
        return ordered[mid]
    low, high = ordered[mid - 1], ordered[mid]
    return min(max(low + (high - low) / 2, low), high)  # never outside its two middles


def bucket_of(share: Decimal) -> int:
    for i, edge in enumerate(BUCKET_EDGES):
        if share < edge:
            return i
    return len(BUCKET_EDGES)


def share_distribution(entries: Sequence[SaleLine]) -> ShareDistribution | None:
    """Over the lines sold (a return takes back the same share of its line: it moves no line
    from one bucket to another, so return entries are left out)."""
    lines = [x for x in entries if not x.is_return]
    if not lines:
        return None
    shares = [line.share for line in lines]
    counts = [0] * (len(BUCKET_EDGES) + 1)
    for share in shares:
        counts[bucket_of(share)] += 1
    edges = (Decimal("0.00"), *BUCKET_EDGES, Decimal("1.00"))
    amount = sum((x.amount for x in lines), ZERO)
    part = sum((x.producer_part for x in lines), ZERO)
    return ShareDistribution(
        lines=len(lines),
        minimum=min(shares),
        median=median(shares),
        maximum=max(shares),
        weighted=part / amount if amount else Decimal(1),
        buckets=[(edges[i], edges[i + 1], counts[i]) for i in range(len(counts))],
    )


def shares_by_channel(lines: Iterable[SaleLine]) -> dict[str, ShareDistribution]:
    by: dict[str, list[SaleLine]] = {}
    for line in lines:
        by.setdefault(line.channel, []).append(line)
    found: dict[str, ShareDistribution] = {}
    for channel, theirs in sorted(by.items()):
        distribution = share_distribution(theirs)
        if distribution is not None:
            found[channel] = distribution
    return found


# -- inclusion [¶19-¶20] ----------------------------------------------------------------------


@dataclass
class Inclusion:
    """Sales and producer income, and the parts of women and indigenous producers. Lines whose
    producer trade had not heard of are counted in the totals and in `unknown_*`."""

    totals: Totals = field(default_factory=Totals)
    women: Totals = field(default_factory=Totals)
    indigenous: Totals = field(default_factory=Totals)
    unknown: Totals = field(default_factory=Totals)
    producers: set[str] = field(default_factory=set)
    women_producers: set[str] = field(default_factory=set)
    indigenous_producers: set[str] = field(default_factory=set)

    def add(self, line: SaleLine) -> None:
        self.totals.add(line)
        self.producers.add(line.producer_id)
        if line.producer_gender is None and line.producer_indigenous is None:
            self.unknown.add(line)
        if line.producer_gender == "female":
            self.women.add(line)
            self.women_producers.add(line.producer_id)
        if line.producer_indigenous:
            self.indigenous.add(line)
            self.indigenous_producers.add(line.producer_id)

    @staticmethod
    def ratio(part: Decimal, whole: Decimal) -> Decimal:
        return part / whole if whole else Decimal(0)

    @property
    def women_sales_share(self) -> Decimal:
        return self.ratio(self.women.amount, self.totals.amount)

    @property
    def women_income_share(self) -> Decimal:
        return self.ratio(self.women.producer_part, self.totals.producer_part)

    @property
    def indigenous_sales_share(self) -> Decimal:
        return self.ratio(self.indigenous.amount, self.totals.amount)

    @property
    def indigenous_income_share(self) -> Decimal:
        return self.ratio(self.indigenous.producer_part, self.totals.producer_part)


def inclusion(lines: Iterable[SaleLine]) -> tuple[Inclusion, dict[str, Inclusion]]:
    """Overall and per state."""
    whole, by_state = Inclusion(), dict[str, Inclusion]()
    for line in lines:
        whole.add(line)
        by_state.setdefault(line.state, Inclusion()).add(line)
    return whole, dict(sorted(by_state.items()))
