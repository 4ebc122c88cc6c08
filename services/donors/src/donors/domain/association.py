"""An association (club) of Mexicans abroad [¶53]: where it is (country, city) and the community
of origin it supports (a state, and a municipality of it or all of them). A national programme
supervisor registers it; its portal's token names it (`organization` = the association id) and
sees and gives to the groups of that community only."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from donors.domain.errors import DonorRuleViolation
from megp_common.aggregate import Aggregate
from megp_common.contracts import donors as ev

HOME = "MX"
#: How many notices an association keeps (the oldest go first).
NOTICES_KEPT = 500


def same_place(a: str | None, b: str | None) -> bool:
    """Municipality names compared without case, accents or surrounding spaces."""

    def norm(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text)
        return "".join(c for c in plain if not unicodedata.combining(c)).strip().casefold()

    return a is not None and b is not None and norm(a) == norm(b)


class Notice(BaseModel):
    """Something the association is told (a co-funder's pledge lapsed, a refund refused)."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    at: datetime
    text: str
    donation_id: str | None = None
    pledge_id: str | None = None


class Association(Aggregate):
    name: str
    country: str
    city: str
    origin_state: str
    origin_municipality: str | None = None
    registered_by: str
    registered_at: datetime
    notices: list[Notice] = []
    #: the last month (YYYY-MM) whose report was announced ready (`ReportReady`)
    reported_through: str | None = None
    #: the channel trade opened for it [¶53] (learnt from `trade.ChannelRegistered`)
    trade_channel_id: str | None = None

    def state_code(self) -> str | None:
        return self.origin_state

    @classmethod
    def register(
        cls,
        *,
        association_id: str,
        name: str,
        country: str,
        city: str,
        origin_state: str,
        origin_municipality: str | None,
        by: str,
        now: datetime,
    ) -> Association:
        if country == HOME:
            raise DonorRuleViolation(
                "an association of Mexicans abroad is abroad: its country is not MX", rule="¶53"
            )
        made = cls(
            id=association_id,
            name=name.strip(),
            country=country,
            city=city.strip(),
            origin_state=origin_state,
            origin_municipality=origin_municipality.strip() if origin_municipality else None,
            registered_by=by,
            registered_at=now,
        )
        made.record(
            ev.AssociationRegistered(
                association_id=made.id,
                name=made.name,
                country=made.country,
                city=made.city,
                origin_state_code=made.origin_state,
                origin_municipality=made.origin_municipality,
                registered_by=by,
                registered_at=now,
            )
        )
        return made

    def reports_ready(self, now: datetime) -> list[str]:
        """The periods whose report is announced ready now: every month that ended before
        `now`'s and was not announced yet (one, as a rule; several when the shared clock jumped
        over month ends), oldest first, each followed by its year when it is December; once
        each, nothing for a month before the association was registered, nor, once the shared
        clock went back, for a month announced."""
        ended = _month_before(now.year, now.month)
        registered = (self.registered_at.year, self.registered_at.month)
        if self.reported_through is None:
            first = registered
        else:
            year, month = (int(x) for x in self.reported_through.split("-"))
            first = max(registered, _month_after(year, month))
        if first > ended:
            return []
        periods: list[str] = []
        month_of = first
        while month_of <= ended:
            year, month = month_of
            periods.append(f"{year:04d}-{month:02d}")
            if month == 12:
                periods.append(f"{year:04d}")
            month_of = _month_after(year, month)
        self.reported_through = f"{ended[0]:04d}-{ended[1]:02d}"
        for period in periods:
            self.record(
                ev.ReportReady(
                    association_id=self.id,
                    state_code=self.origin_state,
                    period=period,
                    url=f"/v1/associations/{self.id}/reports/{period}",
                    ready_at=now,
                )
            )
        return periods

    def channel_opened(self, channel_id: str) -> None:
        """Trade opened the association's channel: its portal orders through it [¶53]. The
        first one learnt is kept (one a supervisor registered by hand before, if any)."""
        self.trade_channel_id = self.trade_channel_id or channel_id

    def same_terms(self, other: Association) -> bool:
        keys = ("name", "country", "city", "origin_state", "origin_municipality")
        return all(getattr(self, k) == getattr(other, k) for k in keys)

    def supports(self, state: str | None, municipality: str | None) -> bool:
        """Is a group of `state` and `municipality` in the community of origin?"""
        if state != self.origin_state:
            return False
        return self.origin_municipality is None or same_place(
            municipality, self.origin_municipality
        )

    def tell(self, notice: Notice) -> None:
        if any(n.id == notice.id for n in self.notices):
            return
        self.notices.append(notice)
        del self.notices[:-NOTICES_KEPT]


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year, month - 1) if month > 1 else (year - 1, 12)


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year, month + 1) if month < 12 else (year + 1, 1)
