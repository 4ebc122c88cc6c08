"""What the fund knows about participants from enrollment: their birth date (for the retirement
purpose [¶73]). Participants enroll before any group exists, so this is not part of a fund."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from megp_common.coalesce import Coalesced
from megp_common.mongo import Document, docs_by_id

PARTICIPANTS = "participants"


class ParticipantDirectory:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.col = db[PARTICIPANTS]
        # a group's members withdrawing at once look up their birth dates together: one
        # `$in` query for those asked for while one is under way (megp_common.coalesce)
        self._births: Coalesced[str, date | None] = Coalesced(self._birth_dates)

    async def remember_many(self, people: Sequence[tuple[str, date, str]]) -> None:
        """Remember a run of (participant id, birth date, state) in one ordered bulk write of
        upserts (a registration sheet's 200 people were 200 writes); what a later event of the
        run says of a person wins. Idempotent: setting the same values again changes nothing."""
        if people:
            await self.col.bulk_write(
                [
                    UpdateOne(
                        {"_id": pid},
                        {"$set": {"birth_date": born.isoformat(), "state_code": state}},
                        upsert=True,
                    )
                    for pid, born, state in people
                ],
                ordered=True,
            )

    async def birth_date(self, participant_id: str) -> date | None:
        return await self._births.submit(participant_id)

    async def _birth_dates(self, participant_ids: list[str]) -> list[date | None]:
        found = await docs_by_id(self.col, participant_ids, {"birth_date": 1})
        return [
            date.fromisoformat(found[pid]["birth_date"]) if pid in found else None
            for pid in participant_ids
        ]
