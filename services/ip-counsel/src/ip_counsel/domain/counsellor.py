"""An intellectual property professional the programme registers to counsel inventors [¶36]."""

from __future__ import annotations

from datetime import datetime

from megp_common.aggregate import Aggregate
from megp_common.contracts import ip_counsel as ev


class Counsellor(Aggregate):
    """Signs in with the `ip_counsellor` role and the subject `subject` (its identity at the
    identity provider); a token with that role and another subject is not this counsellor."""

    subject: str
    name: str
    organization: str
    specialties: list[str] = []
    registered_by: str
    registered_at: datetime

    @classmethod
    def register(
        cls,
        counsellor_id: str,
        *,
        subject: str,
        name: str,
        organization: str,
        specialties: list[str],
        by: str,
        now: datetime,
    ) -> Counsellor:
        counsellor = cls(
            id=counsellor_id,
            subject=subject,
            name=name,
            organization=organization,
            specialties=specialties,
            registered_by=by,
            registered_at=now,
        )
        counsellor.record(
            ev.CounsellorRegistered(
                counsellor_id=counsellor_id,
                name=name,
                organization=organization,
                specialties=specialties,
                registered_by=by,
                registered_at=now,
            )
        )
        return counsellor
