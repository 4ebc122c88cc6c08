"""A group's plan book: the terms of every business plan agreed with the group, in one small
document beside the plans, for what needs them all at once (a month's closing, each sale
counted in its producer's period), and the group's Development Organization and state, which
is all a sale needs of the group.

The plans stay the record (each its own document, version and events); the book is derived
from them and kept current by whoever changes a plan: before the plan's commit it marks the
members whose plans are changing (`mark`), after it writes their new terms and takes its marks
away (`settle`). A mark left behind (a writer that stopped between the two) tells a reader to
take those members' terms from their plans (`overlay`), so the book never answers with terms a
plan no longer has."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import BaseModel

from enrollment.domain.business_plan import AgreedTerms
from megp_common.aggregate import Aggregate


class Mark(BaseModel):
    """A writer changing a member's plan: its token, and when it began (wall clock)."""

    token: str
    at: datetime


class PlanBook(Aggregate):
    """`id` is the group's id."""

    state: str
    odf_id: str
    terms: dict[str, AgreedTerms] = {}
    #: by participant, the writers whose change to that member's plan may not be in `terms` yet
    marks: dict[str, list[Mark]] = {}

    def partition_key(self) -> str:
        return self.id

    def state_code(self) -> str:
        return self.state

    def mark(self, participant_ids: Iterable[str], token: str, at: datetime) -> None:
        for participant_id in participant_ids:
            self.marks.setdefault(participant_id, []).append(Mark(token=token, at=at))

    def settle(self, agreed: Iterable[AgreedTerms], token: str) -> None:
        """The terms a writer committed (a later revision wins), and its marks taken away."""
        self.take(agreed)
        for participant_id in list(self.marks):
            kept = [m for m in self.marks[participant_id] if m.token != token]
            if kept:
                self.marks[participant_id] = kept
            else:
                del self.marks[participant_id]

    def take(self, agreed: Iterable[AgreedTerms]) -> None:
        for terms in agreed:
            held = self.terms.get(terms.participant_id)
            if held is None or held.revision <= terms.revision:
                self.terms[terms.participant_id] = terms

    def overlay(self, from_plans: Mapping[str, AgreedTerms | None]) -> dict[str, AgreedTerms]:
        """The terms by participant, those of the marked members as their plans hold them now
        (`from_plans`: by marked participant, its plan's terms, None when it has no plan)."""
        out = dict(self.terms)
        for participant_id in self.marks:
            found = from_plans.get(participant_id)
            if found is not None:
                out[participant_id] = found
            else:
                out.pop(participant_id, None)
        return out

    def repair(self, from_plans: Mapping[str, AgreedTerms | None], older_than: datetime) -> bool:
        """Take the plans' terms for the marks made before `older_than` (writers that stopped
        half-way) and drop those marks; True if any was."""
        stale = [p for p, ms in self.marks.items() if all(m.at < older_than for m in ms)]
        for participant_id in stale:
            found = from_plans.get(participant_id)
            if found is not None:
                self.terms[participant_id] = found
            else:
                self.terms.pop(participant_id, None)
            del self.marks[participant_id]
        return bool(stale)
