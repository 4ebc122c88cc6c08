"""The listing guard's view of an invention (an ip-counsel disclosure), learnt from the
metadata-only events on `ip-counsel.events`: never its content, only whether it may be shown.

A product that embodies an invention is published only once the invention is **cleared**:
filed at IMPI, or decided by its inventors to be kept as a trade secret or published [¶55].
Before that, showing the product could destroy the novelty the inventors still mean to
protect, so trade holds the listing.

The state machine, per filing and per decision (the last decision counts):

- decision `keep_secret` or `publish` clears; `file` alone does not (it clears once filed);
- a filing clears from `FilingSubmitted` on; the office's publication (or grant, or its
  coming in force) makes it `public`, which clears for good: the invention is in the gazette;
- a filing abandoned or lapsed before it was published stops protecting (`ended`); one that
  ends after its publication (expired, lapsed, abandoned) stays `public`.

An invention trade has never heard of is not cleared: the listing is held until trade hears."""

from __future__ import annotations

from enum import StrEnum

from megp_common.aggregate import Aggregate

#: What the ODF is told of a held listing: why, and nothing of the invention itself.
HELD_REASON = (
    "the invention it embodies is not protected yet: neither filed nor decided to be kept "
    "secret or published"
)
CLEARING_DECISIONS = frozenset({"keep_secret", "publish"})


class FilingStage(StrEnum):
    DRAFTED = "drafted"
    FILED = "filed"
    PUBLIC = "public"
    ENDED = "ended"


class Invention(Aggregate):
    """One disclosure as trade knows it: its latest decision and its filings' stages."""

    group_id: str | None = None
    decision: str | None = None
    filings: dict[str, FilingStage] = {}
    filing_ids: list[str] = []  # the same keys, where the store looks a filing up

    @property
    def cleared(self) -> bool:
        if self.decision in CLEARING_DECISIONS:
            return True
        return any(s in (FilingStage.FILED, FilingStage.PUBLIC) for s in self.filings.values())

    def decided(self, choice: str) -> None:
        self.decision = choice

    def filing_drafted(self, filing_id: str) -> None:
        if filing_id not in self.filings:
            self.filings[filing_id] = FilingStage.DRAFTED
            self.filing_ids = sorted(self.filings)

    def filing_submitted(self, filing_id: str) -> None:
        if self.filings.get(filing_id) in (None, FilingStage.DRAFTED):
            self.filings[filing_id] = FilingStage.FILED
            self.filing_ids = sorted(self.filings)

    def filing_published(self, filing_id: str) -> None:
        """Published, granted or in force: the invention is public through the office."""
        self.filings[filing_id] = FilingStage.PUBLIC
        self.filing_ids = sorted(self.filings)

    def filing_ended(self, filing_id: str) -> None:
        """Abandoned, lapsed or expired: it protects no more, unless it was published."""
        if self.filings.get(filing_id) != FilingStage.PUBLIC:
            self.filings[filing_id] = FilingStage.ENDED
            self.filing_ids = sorted(self.filings)
