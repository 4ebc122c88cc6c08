"""Each group's plan book (domain/plan_book.py) kept current by the commands that change plans,
and read by what needs every member's terms: a month's closing and each sale or royalty
counted (one `_id` read of a small document, where a query decoded all the group's plans).

A writer marks the members whose plans it changes, commits the plans, then writes their terms
and takes its marks away: three writes, two of them to the one book whatever the number of
plans (a sheet of 200). A reader finding marks reads those members' plans and takes their terms
from them; marks older than STALE_AFTER (a writer stopped between its writes) are folded into
the book by the next reader."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta

import structlog

from enrollment.domain.business_plan import AgreedTerms, plan_id_for
from enrollment.domain.plan_book import PlanBook
from enrollment.service_layer.container import Services, retrying
from megp_common.errors import Conflict
from megp_common.mongo import ConcurrencyConflict, Shard

log = structlog.get_logger(__name__)

#: how old a mark is when its writer is taken to have stopped (wall clock: a writer's pause is
#: real time, whatever the programme's clock says)
STALE_AFTER = timedelta(minutes=5)


def _wall_now() -> datetime:
    return datetime.now(UTC)


async def _change(
    services: Services, group_id: str, state: str, odf_id: str, change: Callable[[PlanBook], None]
) -> PlanBook:
    """Load the group's book (or begin it from the plans stored so far), change, commit."""

    async def attempt() -> PlanBook:
        book = await services.plan_books.find(group_id, Shard(state))
        if book is None:
            book = await _begun(services, group_id, state, odf_id)
            change(book)
            try:
                await services.plan_books.add(book)
            except Conflict as exc:  # begun concurrently: again against the stored one
                raise ConcurrencyConflict(str(exc)) from exc
            return book
        change(book)
        await services.plan_books.save(book)
        return book

    return await retrying(attempt)


async def _begun(services: Services, group_id: str, state: str, odf_id: str) -> PlanBook:
    """A group's first book, with the plans already agreed (those of a store written before
    books existed). A plan committed after this read was marked in a book first, so whoever
    marked it found (or began) the one book of the group."""
    book = PlanBook(id=group_id, state=state, odf_id=odf_id)
    book.take(p.terms() for p in (await services.plans.of_group(group_id, state)).values())
    return book


@asynccontextmanager
async def changing(
    services: Services, group_id: str, state: str, odf_id: str, participant_ids: Iterable[str]
) -> AsyncIterator[list[AgreedTerms]]:
    """Around the commit of the members' plans: marks them in the book before, and after it
    writes the terms the body appended to the list it is given (those it committed)."""
    token = uuid.uuid4().hex
    at = _wall_now()
    pids = list(participant_ids)
    await _change(services, group_id, state, odf_id, lambda b: b.mark(pids, token, at))
    committed: list[AgreedTerms] = []
    try:
        yield committed
    except BaseException:
        try:  # what the plans hold now, whatever of the body's commits took effect
            done = {t.participant_id for t in committed}
            rest = [plan_id_for(group_id, p) for p in pids if p not in done]
            shard = Shard(state, group_id)
            stored = [p.terms() for p in await services.plans.get_many(rest, shard)]
            await _change(
                services, group_id, state, odf_id, lambda b: b.settle(committed + stored, token)
            )
        except Exception:  # the marks stay; readers take those members' terms from the plans
            log.warning("plan book not settled", group_id=group_id, exc_info=True)
        raise
    await _change(services, group_id, state, odf_id, lambda b: b.settle(committed, token))


async def book_of(services: Services, group_id: str, state: str | None = None) -> PlanBook | None:
    """The group's book; None when it has none (no plan was agreed since books exist). A view
    (`AggregateRepository.view`): shared with the other readers of the moment and, while the
    book is unchanged, the copy decoded at its last change (a group's sales read it each)."""
    return await services.plan_books.view(group_id, Shard(state))


async def unbooked_terms(
    services: Services, group_id: str, state: str, odf_id: str
) -> dict[str, AgreedTerms]:
    """The terms of a group that has no book: its plans read by a query (none, usually: a
    group's first plan begins its book). Plans agreed before books existed begin it here."""
    begun = await _begun(services, group_id, state, odf_id)
    if begun.terms:
        with suppress(Conflict):  # begun meanwhile by a writer: what was read here stands
            await services.plan_books.add(begun)
    return dict(begun.terms)


async def group_terms(
    services: Services, group_id: str, state: str, odf_id: str
) -> dict[str, AgreedTerms]:
    """Every member's plan terms, by participant (see `terms_of`)."""
    book = await book_of(services, group_id, state)
    if book is None:
        return await unbooked_terms(services, group_id, state, odf_id)
    return await terms_of(services, book)


async def terms_of(services: Services, book: PlanBook) -> dict[str, AgreedTerms]:
    """Every member's plan terms, by participant, as the plans hold them now: the book's,
    those of its marked members read from their plans (one `$in` query for them all)."""
    if not book.marks:
        return dict(book.terms)
    if book.shared_view:  # a repair below commits the book: a copy of this reader's own
        book = await services.plan_books.get(book.id, Shard(book.state, book.id))
        if not book.marks:
            return dict(book.terms)
    ids = [plan_id_for(book.id, participant_id) for participant_id in book.marks]
    plans = await services.plans.get_many(ids, Shard(book.state, book.id))
    found = {p.participant_id: p.terms() for p in plans}
    from_plans = {participant_id: found.get(participant_id) for participant_id in book.marks}
    if book.repair(from_plans, _wall_now() - STALE_AFTER):
        with suppress(ConcurrencyConflict):  # written meanwhile: a later reader repairs
            await services.plan_books.save(book)
            log.info("plan book repaired", group_id=book.id)
    return book.overlay(from_plans)
