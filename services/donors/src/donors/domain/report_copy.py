"""A report as it was announced: once a period's report is announced ready (`ReportReady`), the
copy made then is what every later read answers, as JSON and as the PDF drawn from it. Nothing
heard of afterwards (a booking, a fund movement dated in the period's last seconds, a refund)
changes it; what arrives late belongs to a later report. One copy per association and period,
under an id derived from both, so an announcement replayed finds the copy made the first time."""

from __future__ import annotations

from datetime import datetime

from megp_common.aggregate import Aggregate


def copy_id(association_id: str, period: str) -> str:
    return f"report:{association_id}:{period}"


class ReportCopy(Aggregate):
    association_id: str
    period: str
    #: the report's JSON document exactly as it is answered (kept as text: byte for byte)
    content: str
    #: when the copy was made: the PDF drawn from it carries this date, so it is the same bytes
    stored_at: datetime

    @classmethod
    def of(cls, association_id: str, period: str, content: str, now: datetime) -> ReportCopy:
        return cls(
            id=copy_id(association_id, period),
            association_id=association_id,
            period=period,
            content=content,
            stored_at=now,
        )
