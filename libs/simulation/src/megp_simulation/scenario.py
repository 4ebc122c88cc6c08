"""The programme as its users run it, month by month on the shared clock.

Every decision comes from a seeded `random.Random`: one stream per group (so groups can be
worked in parallel threads and still decide the same things), derived from the run's seed.
Identities (CURP letters, RFCs) come from an unseeded generator, since the store keeps them
unique across runs; they do not change any figure.

This module holds the run's state and its calendar; each phase is its own module: `setup`
(20 January), `month_start` (each 1st), `mid_month` and `credit` (each 15th), `donors` (the
associations abroad, each 15th after the groups' work). What they know of the groups is in
`model`; the request bodies in `megp_common.testing.payloads`.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from megp_simulation import donors, inventors, market
from megp_simulation.api import Api
from megp_simulation.cpu import CpuMeter
from megp_simulation.kafka import ObligationFeed
from megp_simulation.mid_month import mid_month
from megp_simulation.model import STATES, ChannelTrack, Group, Member, Scale, add_months, noon
from megp_simulation.month_start import close_month
from megp_simulation.progress import Progress
from megp_simulation.setup import setup_group

T = TypeVar("T")

#: members' workers per group worker: a group's withdrawing members (about forty of two
#: hundred) reach funds a few at a time, so its writer commits several in one write
MEMBERS_PER_GROUP_WORKER = 4


class Simulation:
    def __init__(
        self,
        api: Api,
        scale: Scale,
        seed: int,
        *,
        start_year: int | None = None,
        quiet: bool = False,
        wait_s: float = 300.0,
    ) -> None:
        self.api, self.scale, self.seed, self.quiet, self.wait_s = api, scale, seed, quiet, wait_s
        self.rng = random.Random(seed)
        self.ids = random.Random()  # identities only; unique across runs, not part of figures
        self.run_tag = f"sim-{self.ids.getrandbits(48):012x}"
        # A leap-year phase equal to 2040's keeps every date difference (and so every figure)
        # the same whatever year a run starts in; runs start apart to keep their data apart.
        self.start_year = start_year or 2040 + 4 * self.ids.randrange(0, 12)
        self.setup_day = date(self.start_year, 1, 20)
        self.plan_start = date(self.start_year, 2, 1)
        states = sorted(self.rng.sample(STATES, scale.states))
        self.groups = [
            Group(
                index=i,
                state=states[i % len(states)],
                rng=random.Random(f"{seed}:{i}"),
                struggling=i % 4 == 3,
                market_rng=random.Random(f"{seed}:{i}:market"),
            )
            for i in range(scale.groups)
        ]
        self.today = self.setup_day
        self.end_day = self.today
        self.step_no = 0
        #: called with the month's index just after the clock moves to its 1st, while the
        #: services act on the move (the CLI kills and restarts a service from it)
        self.after_move: Callable[[int], None] | None = None
        self.timings: dict[str, float] = {}
        #: the CPU each process used in each phase (the CLI sets it when it started them)
        self.meter: CpuMeter | None = None
        self.setup_bar: Progress | None = None
        #: follows funds' DepositObligationsCreated on Kafka; without it the driver polls funds
        self.obligations: ObligationFeed | None = None
        self.obligation_waits: Counter[str] = Counter()  # answered by "feed" or "poll"
        #: the 15th's waits until enrollment counted the day's sales: "counted" or "timed out"
        self.sales_waits: Counter[str] = Counter()
        #: the sales channels of the run (the marketplace, each ODF's trade center, each
        #: state's association abroad) by id, the associations by state, and the USD rates the
        #: national supervisor recorded, by day (a walk of a stream shared by every run, see
        #: `market.record_rate`), and how many days had another rate recorded already
        self.channels: dict[str, ChannelTrack] = {}
        self.associations: dict[str, ChannelTrack] = {}
        self.rates: dict[date, Decimal] = {}
        self.rate_rng = random.Random("usd")
        self.rates_found = 0
        #: the buyers' claims, one dict each, shared by their orders (`market.shared_claims`)
        self.buyers: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
        #: the counsellor the national supervisor registered for the inventors' programme
        self.counsellor_id = ""
        self.counsellor_subject = ""
        #: the associations abroad and their matching programme (`donors`), when the run has
        #: the donors service
        self.donors: donors.DonorDesk | None = None
        #: the groups' workers, kept from phase to phase: each thread keeps its HTTP clients
        #: and their open connections (a pool per phase opened them all again, hundreds of
        #: times in a long run); `close` ends them
        self._pool: ThreadPoolExecutor | None = None
        #: the members' workers, for what a group's members do at the same moment (their
        #: withdrawals on a month's 1st); kept like the groups' and never used by a group's
        #: worker to wait for another group
        self._members_pool: ThreadPoolExecutor | None = None

    # -- the run --

    def run(self) -> None:
        t0 = time.monotonic()
        self.move_to(self.setup_day)
        market.marketplace(self)
        self.setup_bar = Progress(
            "participants", self.scale.groups * self.scale.members, self.quiet
        )
        self._each(partial(setup_group, self))
        market.register_associations(self)
        if "donors" in self.api.urls:
            donors.register(self)
        inventors.register_counsellor(self)
        self._each(partial(inventors.disclose, self))
        self.timings["setup_s"] = time.monotonic() - t0
        self._mark("setup")
        t1 = time.monotonic()
        bar = Progress("months", self.scale.months, self.quiet)
        for month in range(self.scale.months):
            first = add_months(self.plan_start, month + 1)
            self.step_no = 2 * month
            self.move_to(first)
            if self.after_move is not None:
                self.after_move(month)  # the services are acting on the move right now
            self._each(partial(close_month, self, month=month))
            self.step_no = 2 * month + 1
            self.move_to(first + timedelta(days=14))
            market.record_rate(self)  # the day dollar orders are paid
            self._each(partial(mid_month, self, month=month))
            donors.give(self, month)  # each club's gift of the month, at the day's rate
            bar.step(note=f"{first:%Y-%m} loans={sum(len(g.loans) for g in self.groups)}")
            self._mark(f"month {month + 1}")
        self.end_day = self.today
        self.timings["months_s"] = time.monotonic() - t1

    # -- what the phases share --

    def _mark(self, phase: str) -> None:
        if self.meter is not None:
            self.meter.mark(phase)

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.scale.workers, thread_name_prefix="group")
        return self._pool

    def members_at_once(self, work: Callable[[Member], T], members: list[Member]) -> list[T]:
        """`work` for each of a group's `members` at the same time, as they act on one day; the
        answers in the members' order. `work` must not call this again."""
        if self._members_pool is None:
            size = MEMBERS_PER_GROUP_WORKER * self.scale.workers
            self._members_pool = ThreadPoolExecutor(size, thread_name_prefix="member")
        return list(self._members_pool.map(work, members))

    def close(self, *, wait: bool = True) -> None:
        """End the groups' and the members' workers (a later phase starts new ones); without
        `wait`, what has not started is dropped and nothing is waited for (a run that failed)."""
        pools = (self._pool, self._members_pool)
        self._pool = self._members_pool = None
        for pool in pools:
            if pool is not None:
                pool.shutdown(wait=wait, cancel_futures=not wait)

    def parallel(self, phase: str, work: Callable[[Group], T], note: str = "") -> list[T]:
        """`work` on every group, `scale.workers` at a time; no `work` may call this again
        (the workers are shared, and an inner wait for them could hold them all)."""
        bar = Progress(phase, len(self.groups), self.quiet)
        out: list[T] = []
        for result in self._workers().map(work, self.groups):
            out.append(result)
            bar.step(note=note)
        return out

    def _each(self, work: Callable[[Group], object]) -> None:
        list(self._workers().map(work, self.groups))

    def key(self, *parts: object) -> str:
        """An Idempotency-Key unique to this run."""
        return ":".join([self.run_tag, *map(str, parts)])

    def eventually(self, what: str, probe: Callable[[], T | None]) -> T:
        """Polls `probe` until it answers, backing off from 250 ms to 1 s: a probe reads whole
        documents (a fund, a loan), and many workers polling fast would keep the services busy
        with the simulation's own reads instead of their work (what it waits for takes an event's
        hop through Kafka, a few hundred milliseconds at least)."""
        deadline = time.monotonic() + self.wait_s
        pause = 0.25
        while True:
            got = probe()
            if got is not None:
                return got
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what} after {self.wait_s:.0f} s")
            time.sleep(pause)
            pause = min(pause * 1.6, 1.0)

    def move_to(self, day: date) -> None:
        self.api.move_clock(noon(day))
        self.today = day

    def group_ids(self) -> Iterable[str]:
        return [g.group_id for g in self.groups]

    def event_keys(self) -> set[str]:
        """Kafka keys of this run's events: its groups, its participants before they join, and
        its orders, purchasing rounds, channels and the days of its rates (trade keys their
        events by them)."""
        return {
            *self.group_ids(),
            *(m.pid for g in self.groups for m in g.members),
            *(o.order_id for g in self.groups for o in g.orders),
            *(x.round_id for g in self.groups for x in g.rounds),
            *(x.purchase_order_id for g in self.groups for x in g.purchase_orders),
            *(c for c in self.channels if c != "marketplace"),
            *(f"USD:{day.isoformat()}" for day in self.rates),
            *donors.event_keys(self),
        }
