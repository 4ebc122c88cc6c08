"""What the fund knows about participants from enrollment: their birth date (for the retirement
purpose [¶73]). Participants enroll before any group exists, so this is not part of a fund."""

from __future__ import annotations

from datetime import date

from pymongo.asynchronous.database import AsyncDatabase

from megp_common.mongo import Document

PARTICIPANTS = "participants"


class ParticipantDirectory:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.col = db[PARTICIPANTS]

    async def remember(self, participant_id: str, birth_date: date, state_code: str) -> None:
        """Idempotent: setting the same values again changes nothing."""
        await self.col.update_one(
            {"_id": participant_id},
            {"$set": {"birth_date": birth_date.isoformat(), "state_code": state_code}},
            upsert=True,
        )

    async def birth_date(self, participant_id: str) -> date | None:
        doc = await self.col.find_one({"_id": participant_id})
        return date.fromisoformat(doc["birth_date"]) if doc else None
