"""What trade knows of a producer (a participant), learnt from enrollment's
`ParticipantEnrolled` and `ParticipantUpdated`: their gender, indigenous flag and programmes,
stamped on each sale line when their sale completes, so the inclusion reports [¶19-¶20] count
a sale as the producer was at the time."""

from __future__ import annotations

from datetime import datetime

from megp_common.aggregate import Aggregate


class ProducerRecord(Aggregate):
    gender: str | None = None
    indigenous: bool | None = None
    programmes: list[str] = []
    state: str | None = None
    #: the instant of the snapshot last applied: an older one (a late redelivery) is ignored
    as_of: datetime | None = None

    def state_code(self) -> str | None:
        return self.state

    def learn(
        self,
        *,
        gender: str,
        indigenous: bool,
        programmes: list[str],
        state: str,
        as_of: datetime,
    ) -> bool:
        """Take a snapshot of the participant unless a newer one was applied; True if taken."""
        if self.as_of is not None and as_of < self.as_of:
            return False
        self.gender, self.indigenous = gender, indigenous
        self.programmes, self.state, self.as_of = sorted(programmes), state, as_of
        return True
