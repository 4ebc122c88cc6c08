"""What the marketplace's reports answer: money as two-decimal strings (MXN), shares as
four-decimal strings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from megp_common.money import MoneyAmount, Share
from trade.domain.ledger import Dimension, Inclusion, ShareDistribution, Totals
from trade.service_layer.reports import RoundSavings


class TotalsPublic(BaseModel):
    lines: int = Field(description="Sale lines counted")
    returns: int = Field(
        default=0,
        description="Returns accepted after their sale, netted out of the units and the money "
        "(dated the day of the return, so a period may hold a return of an earlier sale)",
    )
    units: int = Field(description="Units sold less units returned")
    amount: MoneyAmount = Field(description="What buyers paid for the lines, less refunds")
    producer_part: MoneyAmount = Field(description="What the producers earn of it [¶97-¶98]")
    channel_fee: MoneyAmount
    logistics: MoneyAmount

    @classmethod
    def of(cls, t: Totals) -> TotalsPublic:
        return cls(
            lines=t.lines,
            returns=t.returns,
            units=t.units,
            amount=t.amount,
            producer_part=t.producer_part,
            channel_fee=t.channel_fee,
            logistics=t.logistics,
        )


class SalesGroup(TotalsPublic):
    key: str = Field(description="The producer, ODF, channel, state, niche or programme")

    @classmethod
    def keyed(cls, key: str, t: Totals) -> SalesGroup:
        return cls(key=key, **TotalsPublic.of(t).model_dump())


class SalesReport(BaseModel):
    by: Dimension
    since: date | None = Field(default=None, description="The period's first day (`from`)")
    until: date | None = Field(default=None, description="The period's last day (`to`)")
    state: str | None = None
    currency: str = "MXN"
    groups: list[SalesGroup] = Field(
        description="Per key, sorted by key. Under `programme` a line counts once under each "
        "programme its product represents, so the groups may sum to more than the total; "
        "under every other dimension they sum to it exactly"
    )
    total: TotalsPublic


class Bucket(BaseModel):
    share_from: Share = Field(description="Lower edge (included)")
    share_to: Share = Field(description="Upper edge (excluded, except 1.0000)")
    lines: int


class ChannelShares(BaseModel):
    channel: str
    lines: int
    minimum: Share
    median: Share
    maximum: Share
    weighted: Share = Field(description="Producer parts over amounts of the channel's lines")
    buckets: list[Bucket]

    @classmethod
    def of(cls, channel: str, d: ShareDistribution) -> ChannelShares:
        return cls(
            channel=channel,
            lines=d.lines,
            minimum=d.minimum,
            median=d.median,
            maximum=d.maximum,
            weighted=d.weighted,
            buckets=[Bucket(share_from=lo, share_to=hi, lines=n) for lo, hi, n in d.buckets],
        )


class ProducerSharesReport(BaseModel):
    channels: list[ChannelShares] = Field(
        description="Per channel, the distribution of producer_part / amount over its lines"
    )


class GroupShare(BaseModel):
    producers: int
    lines: int
    amount: MoneyAmount
    producer_part: MoneyAmount
    sales_share: Share = Field(description="Their part of the sales amount")
    income_share: Share = Field(description="Their part of the producers' income")


class InclusionFigures(BaseModel):
    producers: int
    lines: int
    amount: MoneyAmount
    producer_part: MoneyAmount
    women: GroupShare = Field(description="Women producers [¶19]")
    indigenous: GroupShare = Field(description="Indigenous producers [¶20]")
    unknown_lines: int = Field(
        description="Lines of producers trade had not heard of from enrollment at the sale"
    )

    @classmethod
    def of(cls, i: Inclusion) -> InclusionFigures:
        def share(t: Totals, producers: set[str]) -> GroupShare:
            return GroupShare(
                producers=len(producers),
                lines=t.lines,
                amount=t.amount,
                producer_part=t.producer_part,
                sales_share=Inclusion.ratio(t.amount, i.totals.amount),
                income_share=Inclusion.ratio(t.producer_part, i.totals.producer_part),
            )

        return cls(
            producers=len(i.producers),
            lines=i.totals.lines,
            amount=i.totals.amount,
            producer_part=i.totals.producer_part,
            women=share(i.women, i.women_producers),
            indigenous=share(i.indigenous, i.indigenous_producers),
            unknown_lines=i.unknown.lines,
        )


class StateInclusion(InclusionFigures):
    state: str


class InclusionReport(BaseModel):
    overall: InclusionFigures
    states: list[StateInclusion]

    @classmethod
    def of(cls, whole: Inclusion, by_state: dict[str, Inclusion]) -> InclusionReport:
        return cls(
            overall=InclusionFigures.of(whole),
            states=[
                StateInclusion(state=s, **InclusionFigures.of(i).model_dump())
                for s, i in by_state.items()
            ],
        )


class RoundSavingsPublic(BaseModel):
    round_id: str
    state: str | None
    item: str
    unit: str
    pooled_quantity: int | None
    chosen_cost: MoneyAmount = Field(description="The chosen quote's total for the pooled quantity")
    pooled_cost: MoneyAmount = Field(description="The shares of members some quote serves alone")
    alone_cost: MoneyAmount = Field(description="What those members would pay buying alone")
    saving: MoneyAmount
    members: int
    members_no_quote_alone: int


class SavingsTotal(BaseModel):
    rounds: int
    chosen_cost: MoneyAmount
    pooled_cost: MoneyAmount
    alone_cost: MoneyAmount
    saving: MoneyAmount


class PurchasingSavingsReport(BaseModel):
    currency: str = "MXN"
    rounds: list[RoundSavingsPublic]
    total: SavingsTotal

    @classmethod
    def of(cls, found: Sequence[RoundSavings]) -> PurchasingSavingsReport:
        zero = Decimal("0.00")
        rows = [
            RoundSavingsPublic(
                round_id=x.round.id,
                state=x.round.state,
                item=x.round.item,
                unit=x.round.unit,
                pooled_quantity=x.round.pooled_quantity,
                chosen_cost=x.round.total or zero,
                pooled_cost=x.savings.pooled_cost,
                alone_cost=x.savings.alone_cost,
                saving=x.savings.saving,
                members=len(x.savings.members),
                members_no_quote_alone=x.savings.members_no_quote_alone,
            )
            for x in found
        ]
        return cls(
            rounds=rows,
            total=SavingsTotal(
                rounds=len(rows),
                chosen_cost=sum((r.chosen_cost for r in rows), zero),
                pooled_cost=sum((r.pooled_cost for r in rows), zero),
                alone_cost=sum((r.alone_cost for r in rows), zero),
                saving=sum((r.saving for r in rows), zero),
            ),
        )
