"""The programme as its users run it, month by month on the shared clock.

Every decision comes from a seeded `random.Random`: one stream per group (so groups can be
worked in parallel threads and still decide the same things), derived from the run's seed.
Identities (CURP letters, RFCs) come from an unseeded generator, since the store keeps them
unique across runs; they do not change any figure.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from enrollment.domain.membership import Undertaking
from enrollment.testing.data import random_company_rfc, random_curp
from megp_simulation.api import Api, ApiError
from megp_simulation.kafka import ObligationFeed

T = TypeVar("T")
CENT = Decimal("0.01")
STATES = [f"{i:02d}" for i in range(1, 33)]
DONORS = {
    "immigrant_association": ["Club Zacatecano de Chicago", "Federación Michoacana de Illinois"],
    "national": ["Fundación Comunitaria Oaxaca"],
    "international": ["UNDP Small Grants"],
    "local": ["Ayuntamiento"],
}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, day.day)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Scale:
    states: int = 22
    groups: int = 120
    members: int = 200
    months: int = 40
    workers: int = 16

    @classmethod
    def small(cls) -> Scale:
        return cls(states=2, groups=4, members=6, months=10, workers=4)


@dataclass
class Member:
    pid: str
    female: bool
    baseline: Decimal
    growth: float  # monthly growth of income over the baseline (may be negative)
    punctuality: str  # "on_time" | "late" | "never" for deposits
    programmes: list[str] = field(default_factory=list)


@dataclass
class LoanTrack:
    loan_id: str
    amount: Decimal
    term: int
    instalments: list[dict[str, Any]] = field(default_factory=list)
    status: str = "active"
    direct_payments: int = 0


@dataclass
class LeaseTrack:
    lease_id: str
    lessee: str
    takeover: str
    stops_after: int | None  # the lessee stops paying after this rent (a default), or never
    rents: int
    status: str = "active"
    transferred: bool = False


@dataclass
class Group:
    index: int
    state: str
    rng: random.Random
    group_id: str = ""
    project_id: str = ""
    odf_id: str = ""
    members: list[Member] = field(default_factory=list)
    reps: list[str] = field(default_factory=list)
    opened_on: date | None = None
    # deposits owed and when they will be paid: (pay at step, participant, amount)
    pending_deposits: list[tuple[int, str, Decimal]] = field(default_factory=list)
    # the simulation's own books of what went in and out of the fund (MXN)
    inflows: list[Decimal] = field(default_factory=list)  # each registered inflow, as posted
    deposits_total: Decimal = Decimal(0)
    initial_deposits: Decimal = Decimal(0)
    grants_mxn: Decimal = Decimal(0)
    grants_usd: Decimal = Decimal(0)
    replenished: Decimal = Decimal(0)
    withdrawn: Decimal = Decimal(0)
    deposits_missed: int = 0
    deposits_late: int = 0
    loans: list[LoanTrack] = field(default_factory=list)
    loans_refused: int = 0
    lease: LeaseTrack | None = None
    committees: int = 0
    committee_members: int = 0
    line_open: bool = False
    struggling: bool = False  # after its first months it stops depositing and replenishing


_PROGRESS_LOCK = threading.Lock()


SHEET_LINES = 500  # the most lines a registration sheet takes


@dataclass
class Progress:
    """A one-line textual progress bar per phase."""

    phase: str
    total: int
    quiet: bool = False
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    def step(self, n: int = 1, note: str = "") -> None:
        with _PROGRESS_LOCK:
            self.done += n
            if not self.quiet:
                self._draw(note)

    def _draw(self, note: str) -> None:
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.monotonic() - self.started
        sys.stderr.write(
            f"\r{self.phase:<12} [{bar}] {self.done}/{self.total} {elapsed:6.1f}s {note:<28}"
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


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
            )
            for i in range(scale.groups)
        ]
        self.today = self.setup_day
        self.step_no = 0
        #: called with the month's index just after the clock moves to its 1st, while the
        #: services act on the move (the CLI kills and restarts a service from it)
        self.after_move: Callable[[int], None] | None = None
        self.timings: dict[str, float] = {}
        self.setup_bar: Progress | None = None
        #: follows funds' DepositObligationsCreated on Kafka; without it the driver polls funds
        self.obligations: ObligationFeed | None = None
        self.obligation_waits: Counter[str] = Counter()  # answered by "feed" or "poll"

    # -- helpers --

    def parallel(self, phase: str, work: Callable[[Group], T], note: str = "") -> list[T]:
        bar = Progress(phase, len(self.groups), self.quiet)
        out: list[T] = []
        with ThreadPoolExecutor(self.scale.workers) as pool:
            for result in pool.map(work, self.groups):
                out.append(result)
                bar.step(note=note)
        return out

    def key(self, *parts: object) -> str:
        return ":".join([self.run_tag, *map(str, parts)])

    def staff(self, g: Group) -> dict[str, Any]:
        return {"states": (g.state,), "subject": f"odf-staff-{g.index}"}

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

    # -- setup: participants, projects, groups, ODFs, boards, plans --

    def participant_body(self, g: Group, female: bool) -> tuple[dict[str, Any], Member]:
        r = g.rng
        age_days = r.randrange(365 * 18 + 5, 365 * 72)
        born = self.setup_day - timedelta(days=age_days)
        functions = [
            "production",
            *r.sample(["acquisition", "sales_promotion", "administration"], r.randint(0, 2)),
        ]
        inventor, disabled, indigenous = r.random() < 0.1, r.random() < 0.06, r.random() < 0.2
        declared = []
        if female and r.random() < 0.8:
            declared.append("women")
        if inventor:
            declared.append("inventors")
        if disabled:
            declared.append("disabled")
        if indigenous and r.random() < 0.5:
            declared.append("indigenous_excluded")
        if r.random() < 0.15:
            declared.append(r.choice(["artistic_cultural", "popular_art"]))
        baseline = Decimal(r.randrange(4000, 20000, 50))
        growth = r.choice([-0.01, 0.0, 0.01, 0.02, 0.03, 0.05])
        punctuality = r.choices(["on_time", "late", "never"], weights=[80, 14, 6])[0]
        body = {
            "curp": random_curp(self.ids, born, female),
            "given_names": "María" if female else "José",
            "first_surname": "Simulación",
            "birth_date": born.isoformat(),
            "gender": "female" if female else "male",
            "state_code": g.state,
            "municipality": "Municipio",
            "functions": functions,
            "inventor": inventor,
            "disabled": disabled,
            "indigenous": indigenous,
            "declared_programmes": declared,
        }
        member = Member("", female, baseline, growth, punctuality)
        return body, member

    def register(self, g: Group, people: list[tuple[dict[str, Any], Member]], start: int) -> None:
        """Enroll one registration sheet; a line whose random CURP another group drew first
        gets a new one, and the sheet goes again under a new key (nothing was written)."""
        for attempt in range(5):
            status, done = self.api.try_call(
                "enrollment",
                "POST",
                "/participants/registration-sheets",
                "odf_staff",
                claims=self.staff(g),
                key=self.key("registration", g.index, start, attempt),
                json={"participants": [body for body, _ in people]},
                timeout_s=300.0,  # a national setup has 16 sheets of 200 in flight at once
            )
            if status == 200:
                break
            taken = [
                p["line"]
                for p in (done.get("problems") or [] if isinstance(done, dict) else [])
                if "already enrolled" in str(p.get("problem"))
            ]
            if status != 422 or not taken:
                raise ApiError("POST", "/participants/registration-sheets", status, str(done))
            for line in taken:
                body, member = people[line - 1]
                born = date.fromisoformat(body["birth_date"])
                body["curp"] = random_curp(self.ids, born, member.female)
        else:
            raise ApiError("POST", "/participants/registration-sheets", status, str(done))
        for row, (_, member) in zip(done["participants"], people, strict=True):
            member.pid, member.programmes = row["id"], list(row["programmes"])
            g.members.append(member)
        if self.setup_bar is not None:
            self.setup_bar.step(len(people), note=f"group {g.index + 1}")

    def setup_group(self, g: Group) -> Group:
        api, r, staff = self.api, g.rng, self.staff(g)
        criteria = {
            n: r.randint(0, 3)
            for n in (
                "marginalized_community",
                "replicable_pilot",
                "short_term_results",
                "import_substitution",
                "short_term_viability",
                "local_raw_materials",
            )
        }
        project = api.call(
            "enrollment",
            "POST",
            "/projects",
            "odf_staff",
            claims=staff,
            key=self.key("project", g.index),
            json={
                "name": f"Proyecto {g.index}",
                "definition": "branch",
                "branch_of_activity": r.choice(["pottery", "weaving", "honey", "coffee"]),
                "state_code": g.state,
                "municipality": "Municipio",
                "description": "a simulated project group",
                "criteria": criteria,
            },
        )
        g.project_id = project["id"]
        group = api.call(
            "enrollment",
            "POST",
            f"/projects/{g.project_id}/group",
            "odf_staff",
            claims=staff,
            key=self.key("group", g.index),
        )
        g.group_id = group["id"]
        # the state office's registration sheets: the group's people, up to 500 a request
        people = [self.participant_body(g, r.random() < 0.55) for _ in range(self.scale.members)]
        for start in range(0, len(people), SHEET_LINES):
            self.register(g, people[start : start + SHEET_LINES], start)
        # the ODF's intake sheet: every member's signed letter in one command
        letter = [{"undertaking": u.value} for u in Undertaking]
        api.call(
            "enrollment",
            "POST",
            f"/groups/{g.group_id}/intake-sheets",
            "odf_staff",
            claims=staff,
            key=self.key("intake", g.group_id),
            json={
                "members": [
                    {
                        "participant_id": m.pid,
                        "business_reason": "to sell together",
                        "letter_of_commitment": letter,
                    }
                    for m in g.members
                ]
            },
        )
        odf = api.call(
            "enrollment",
            "POST",
            f"/groups/{g.group_id}/development-organization",
            "odf_staff",
            claims=staff,
            key=self.key("odf", g.group_id),
            json={
                "legal_name": f"Organización de Fomento {g.index}, S.A. de C.V.",
                "rfc": random_company_rfc(self.ids),
                "trust_bank": r.choice(["Nacional Financiera", "Banorte", "Banco del Bienestar"]),
            },
        )
        g.odf_id = (odf.get("development_organization") or {}).get("id") or odf.get("odf_id", "")
        first, second = g.members[0].pid, g.members[1].pid
        api.call(
            "enrollment",
            "POST",
            f"/groups/{g.group_id}/board/representatives",
            "participant",
            claims={"participant_id": second, "states": (g.state,), "subject": second},
            key=self.key("rep", g.group_id, 1),
            json={"participant_id": first},
        )
        api.call(
            "enrollment",
            "POST",
            f"/groups/{g.group_id}/board/representatives",
            "board_representative",
            claims={"participant_id": first, "states": (g.state,), "subject": first},
            key=self.key("rep", g.group_id, 2),
            json={"participant_id": second},
        )
        g.reps = [first, second]
        self.committees(g)
        api.call(  # every member's plan on one sheet
            "enrollment",
            "POST",
            f"/groups/{g.group_id}/business-plan-sheets",
            "odf_staff",
            claims=staff,
            key=self.key("plans", g.group_id),
            json={
                "plans": [
                    {
                        "participant_id": m.pid,
                        "baseline_income": str(m.baseline),
                        "target_increase": str(money(m.baseline * Decimal("0.15"))),
                        "start_date": self.plan_start.isoformat(),
                    }
                    for m in g.members
                ]
            },
        )
        fund = self.eventually(
            f"fund of {g.group_id}",
            lambda: self._opened_fund(g),
        )
        g.opened_on = datetime.fromisoformat(fund["opened_at"]).date()
        g.odf_id = fund.get("odf_id") or g.odf_id
        return g

    def committees(self, g: Group) -> None:
        """The project's Support Committee (a local chamber and a national institution, with
        what each offers [¶54]) and its Innovation Committee (a member of the group as its
        coordinator, and a professor [¶57])."""
        staff = self.staff(g)
        formed = [
            (
                "support",
                "Comité de apoyo",
                [
                    {
                        "name": "Cámara de Comercio local",
                        "role": "local",
                        "supports": ["purchase_orders", "buyer_advice"],
                    },
                    {
                        "name": "Nacional Financiera",
                        "role": "national",
                        "supports": ["fund_contributions", "technical_staff"],
                    },
                ],
            ),
            (
                "innovation",
                "Comité de innovación",
                [
                    {
                        "name": "Coordinación del grupo",
                        "role": "group_coordinator",
                        "participant_id": g.members[4].pid,
                    },
                    {"name": "Universidad estatal", "role": "professor"},
                ],
            ),
        ]
        for kind, name, members in formed:
            committee = self.api.call(
                "enrollment",
                "POST",
                "/committees",
                "odf_staff",
                claims=staff,
                key=self.key("committee", g.group_id, kind),
                json={"kind": kind, "name": f"{name} {g.index}", "project_id": g.project_id},
            )
            for n, member in enumerate(members):
                self.api.call(
                    "enrollment",
                    "POST",
                    f"/committees/{committee['id']}/members",
                    "odf_staff",
                    claims=staff,
                    key=self.key("committee-member", g.group_id, kind, n),
                    json=member,
                )
            g.committees += 1
            g.committee_members += len(members)

    def _opened_fund(self, g: Group) -> dict[str, Any] | None:
        status, fund = self.api.try_call("funds", "GET", f"/funds/{g.group_id}")
        if status == 200 and fund.get("opened_at") and fund.get("board_representatives"):
            return dict(fund)
        return None

    # -- one month: step A on the 1st (periods close, deposits, grants, withdrawals) ---------------

    def income(self, g: Group, m: Member, month: int) -> Decimal:
        noise = Decimal(str(round(g.rng.uniform(-0.04, 0.06), 4)))
        factor = Decimal(str(round((1 + m.growth) ** (month + 1), 6))) + noise
        return money(m.baseline * max(factor, Decimal("0.5")))

    def close_month(self, g: Group, month: int) -> None:
        api, r, staff = self.api, g.rng, self.staff(g)
        period = add_months(self.plan_start, month)
        incomes = {m.pid: self.income(g, m, month) for m in g.members}
        if month < 2 and all(incomes[m.pid] <= m.baseline for m in g.members):
            first = g.members[0]  # the line needs a positive first deposit
            incomes[first.pid] = first.baseline + Decimal(1000)
        closed = api.call(
            "enrollment",
            "POST",
            f"/groups/{g.group_id}/period-closings",
            "odf_staff",
            claims=staff,
            key=self.key("close", g.group_id, period),
            json={
                "period_start": period.isoformat(),
                "incomes": [{"participant_id": p, "income": str(v)} for p, v in incomes.items()],
            },
        )
        owed = {
            line["participant_id"]: Decimal(line["result"]["deposit_due"])
            for line in closed["members"]
        }
        by_pid = {m.pid: m for m in g.members}
        due = [(p, a) for p, a in sorted(owed.items()) if a > 0]
        # obligations are created from the event: wait for them, so deposits settle them
        self.wait_for_obligations(g, period, len(due))
        for pid, amount in due:
            how = by_pid[pid].punctuality if month >= 2 else "on_time"
            if g.struggling and month >= 2:
                how = "struggling"
            if how == "on_time":
                g.pending_deposits.append((self.step_no, pid, amount))
            elif how == "late" or (how == "never" and r.random() < 0.5):
                g.pending_deposits.append((self.step_no + 2, pid, amount))  # a month late
                g.deposits_late += 1
            else:
                g.deposits_missed += 1
        now = [d for d in g.pending_deposits if d[0] <= self.step_no]
        g.pending_deposits = [d for d in g.pending_deposits if d[0] > self.step_no]
        if now:
            total = sum((a for _, _, a in now), Decimal(0))
            api.call(
                "funds",
                "POST",
                f"/funds/{g.group_id}/deposit-sheets",
                "odf_staff",
                claims=staff,
                key=self.key("sheet", g.group_id, period),
                json={"deposits": [{"participant_id": p, "amount": str(a)} for _, p, a in now]},
            )
            g.inflows.append(total)
            g.deposits_total += total
            assert g.opened_on is not None
            if self.today < add_months(g.opened_on, 3):
                g.initial_deposits += total
        if r.random() < 0.05 and not g.struggling:
            self.grant(g, month)
        if g.opened_on and self.today >= add_months(g.opened_on, 36) and r.random() < 0.5:
            self.withdrawals(g, month)

    def wait_for_obligations(self, g: Group, period: date, expected: int) -> None:
        """Until funds has created the period's obligations: announced on the feed, or, without
        one or when it stays silent for a minute (it should not), read from the funds API."""
        feed = self.obligations
        if feed is not None and feed.wait_for(g.group_id, period.isoformat(), expected, 60.0):
            how = "feed"
        else:
            self.eventually(
                f"obligations of {g.group_id} for {period}",
                lambda: self._obligations_for(g, period, expected),
            )
            how = "poll"
        with _PROGRESS_LOCK:
            self.obligation_waits[how] += 1

    def _obligations_for(self, g: Group, period: date, expected: int) -> bool | None:
        rows = self.api.call(
            "funds", "GET", f"/funds/{g.group_id}/obligations", params={"status": "open"}
        )
        items = rows["items"] if isinstance(rows, dict) else rows
        mine = [o for o in items if o["period_start"] == period.isoformat()]
        return True if len(mine) >= expected else None

    def grant(self, g: Group, month: int) -> None:
        r = g.rng
        source = r.choices(list(DONORS), weights=[40, 20, 20, 20])[0]
        body: dict[str, Any] = {"donor": r.choice(DONORS[source]), "source": source}
        if source == "immigrant_association" and r.random() < 0.7:
            usd = Decimal(r.randrange(50, 600, 25))
            rate = Decimal(r.randrange(165000, 205000)) / Decimal(10000)
            body |= {"amount": str(usd), "currency": "USD", "exchange_rate": str(rate)}
            mxn = money(usd * rate)
            g.grants_usd += usd
        else:
            mxn = Decimal(r.randrange(1000, 10000, 100))
            body["amount"] = str(mxn)
        self.api.call(
            "funds",
            "POST",
            f"/funds/{g.group_id}/contributions",
            "donor_portal",
            claims={"states": (g.state,), "subject": "donor"},
            key=self.key("grant", g.group_id, month),
            json=body,
        )
        g.inflows.append(mxn)
        g.grants_mxn += mxn

    def withdrawals(self, g: Group, month: int) -> None:
        for m in g.members:
            if g.rng.random() >= 0.2:
                continue
            me = {"participant_id": m.pid, "states": (g.state,), "subject": m.pid}
            view = self.api.call(
                "funds", "GET", f"/funds/{g.group_id}/members/{m.pid}", "participant", claims=me
            )
            can = Decimal(view["can_withdraw_now"])
            amount = money(can / 2)
            if amount < 1:
                continue
            self.api.call(
                "funds",
                "POST",
                f"/funds/{g.group_id}/members/{m.pid}/withdrawals",
                "participant",
                claims=me,
                key=self.key("withdraw", m.pid, month),
                json={"purpose": "housing", "amount": str(amount)},
            )
            g.withdrawn += amount

    # -- step B on the 15th: instalments, direct payments, replenishment, loans, leases -----------

    def mid_month(self, g: Group, month: int) -> None:
        api, r, staff = self.api, g.rng, self.staff(g)
        self.settle_instalments(g)
        for loan in g.loans:
            if loan.status != "active":
                continue  # repaid: nothing overdue, nothing will change (no read needed)
            for inst in loan.instalments:
                if inst["status"] == "overdue" and r.random() < (0.3 if g.struggling else 0.6):
                    total = Decimal(inst["principal"]) + Decimal(inst["interest"])
                    api.call(
                        "credit",
                        "POST",
                        f"/loans/{loan.loan_id}/instalments/{inst['number']}/payment",
                        "odf_staff",
                        claims=staff,
                        key=self.key("pay", loan.loan_id, inst["number"]),
                        json={"amount": str(total)},
                    )
                    loan.direct_payments += 1
            self.refresh(loan)
        debts = api.call("funds", "GET", f"/funds/{g.group_id}/debts")
        for debt in debts:
            owed = Decimal(debt["owed"])
            if owed > 0 and not g.struggling and r.random() < 0.6:
                api.call(
                    "funds",
                    "POST",
                    f"/funds/{g.group_id}/replenishments",
                    "odf_staff",
                    claims=staff,
                    key=self.key("back", g.group_id, debt["borrower_id"], month),
                    json={"borrower_id": debt["borrower_id"], "amount": str(owed)},
                )
                g.replenished += owed
        self.maybe_borrow(g, month)
        self.work_lease(g, month)

    def settle_instalments(self, g: Group) -> None:
        """Wait until every instalment due by today is paid or overdue."""
        for loan in g.loans:
            if loan.status != "active":
                continue

            def settled(loan: LoanTrack = loan) -> bool | None:
                self.refresh(loan)
                pending = [
                    i
                    for i in loan.instalments
                    if date.fromisoformat(i["due_date"]) <= self.today
                    and i["status"] in ("scheduled", "due")
                ]
                return None if pending else True

            self.eventually(f"instalments of {loan.loan_id}", settled)

    def refresh(self, loan: LoanTrack) -> None:
        body = self.api.call("credit", "GET", f"/loans/{loan.loan_id}")
        loan.instalments, loan.status = body["instalments"], body["status"]

    def maybe_borrow(self, g: Group, month: int) -> None:
        api, r = self.api, g.rng
        assert g.opened_on is not None
        if self.today <= add_months(g.opened_on, 3):
            return
        if not g.line_open:
            self.eventually(f"line of {g.group_id}", lambda: self._line(g))
            g.line_open = True
        if any(loan.status == "active" for loan in g.loans) and r.random() < 0.7:
            return
        if r.random() < 0.35:
            return
        line = api.call("credit", "GET", f"/lines/{g.group_id}")
        available = Decimal(line["available"])
        share = 1.0 if g.struggling else r.uniform(0.5, 0.95)
        amount = available * Decimal(str(share))
        repaid = [x for x in g.loans if x.status == "repaid"]
        if repaid:  # a repeat borrower may ask at most 1.5 x the last loan [¶84]
            amount = min(amount, repaid[-1].amount * Decimal("1.5"))
        amount = Decimal(int(amount / 100) * 100)
        if amount < 500:
            return
        term = r.choice([3, 4] if g.struggling else [3, 6, 9, 12])
        status, loan = api.try_call(
            "credit",
            "POST",
            "/loans",
            "odf_staff",
            claims=self.staff(g),
            key=self.key("loan", g.group_id, month),
            json={
                "group_id": g.group_id,
                "borrower_kind": "odf",
                "borrower_id": g.odf_id,
                "amount": str(amount),
                "purpose": r.choice(["working capital", "a grain mill", "a kiln", "raw materials"]),
                "term_months": term,
            },
        )
        if status != 200:
            g.loans_refused += 1
            return
        lid = loan["id"]
        rep = {"participant_id": g.reps[0], "states": (g.state,), "subject": g.reps[0]}
        api.call(
            "credit",
            "POST",
            f"/loans/{lid}/board-approval",
            "board_representative",
            claims=rep,
            key=self.key("approve", lid),
        )
        bank = {"organization": "NAFIN", "subject": "nafin"}
        api.call(
            "credit",
            "POST",
            f"/loans/{lid}/lender-approval",
            "partner_bank",
            claims=bank,
            key=self.key("lend", lid),
        )
        active = api.call(
            "credit",
            "POST",
            f"/loans/{lid}/disbursement",
            "partner_bank",
            claims=bank,
            key=self.key("disburse", lid),
        )
        g.loans.append(LoanTrack(lid, amount, term, active["instalments"], active["status"]))

    def _line(self, g: Group) -> dict[str, Any] | None:
        status, line = self.api.try_call("credit", "GET", f"/lines/{g.group_id}")
        return dict(line) if status == 200 else None

    def work_lease(self, g: Group, month: int) -> None:
        api, r = self.api, g.rng
        if g.lease is None:
            if not g.line_open or r.random() < 0.6 or len(g.members) < 4:
                return
            lessee, takeover = g.members[2].pid, g.members[3].pid
            rents = r.choice([3, 4, 6])
            lease = api.call(
                "credit",
                "POST",
                "/leases",
                "odf_staff",
                claims=self.staff(g),
                key=self.key("lease", g.group_id, month),
                json={
                    "group_id": g.group_id,
                    "asset": r.choice(["sewing machine", "kiln", "loom", "pickup truck"]),
                    "lessee_id": lessee,
                    "rent": str(Decimal(r.randrange(200, 900, 10))),
                    "term_months": rents,
                    "first_due": add_months(self.today, 1).isoformat(),
                    "purchase_price": "1.00",
                },
            )
            stops = 1 if r.random() < 0.5 else None
            g.lease = LeaseTrack(lease["id"], lessee, takeover, stops, rents)
            return
        lease = g.lease
        if lease.status in ("completed",):
            return
        body = api.call("credit", "GET", f"/leases/{lease.lease_id}")
        lease.status = body["status"]
        if lease.status == "defaulted" and not lease.transferred:
            who = {
                "participant_id": lease.takeover,
                "states": (g.state,),
                "subject": lease.takeover,
            }
            body = api.call(
                "credit",
                "POST",
                f"/leases/{lease.lease_id}/transfer",
                "participant",
                claims=who,
                key=self.key("takeover", lease.lease_id),
                json={"to_participant_id": lease.takeover},
            )
            lease.transferred, lease.status = True, body["status"]
        payer = lease.takeover if lease.transferred else lease.lessee
        me = {"participant_id": payer, "states": (g.state,), "subject": payer}
        for rent in body["rents"]:
            if rent.get("paid_on") or rent.get("paid_by"):
                continue
            if date.fromisoformat(rent["due_date"]) > self.today:
                break
            n = rent["number"]
            if not lease.transferred and lease.stops_after is not None and n > lease.stops_after:
                break
            body = api.call(
                "credit",
                "POST",
                f"/leases/{lease.lease_id}/rents/{n}/payment",
                "participant",
                claims=me,
                key=self.key("rent", lease.lease_id, n),
            )
        if all(x.get("paid_by") for x in body["rents"]) and body["status"] != "completed":
            body = api.call(
                "credit",
                "POST",
                f"/leases/{lease.lease_id}/purchase",
                "participant",
                claims=me,
                key=self.key("purchase", lease.lease_id),
            )
        lease.status = body["status"]

    # -- the run --

    def run(self) -> None:
        t0 = time.monotonic()
        self.move_to(self.setup_day)
        self.setup_bar = Progress(
            "participants", self.scale.groups * self.scale.members, self.quiet
        )
        self._each(self.setup_group)
        self.timings["setup_s"] = time.monotonic() - t0
        t1 = time.monotonic()
        bar = Progress("months", self.scale.months, self.quiet)
        for month in range(self.scale.months):
            first = add_months(self.plan_start, month + 1)
            self.step_no = 2 * month
            self.move_to(first)
            if self.after_move is not None:
                self.after_move(month)  # the services are acting on the move right now
            self._each(lambda g, month=month: self.close_month(g, month))
            self.step_no = 2 * month + 1
            self.move_to(first + timedelta(days=14))
            self._each(lambda g, month=month: self.mid_month(g, month))
            bar.step(note=f"{first:%Y-%m} loans={sum(len(g.loans) for g in self.groups)}")
        self.end_day = self.today
        self.timings["months_s"] = time.monotonic() - t1

    def _each(self, work: Callable[[Group], object]) -> None:
        with ThreadPoolExecutor(self.scale.workers) as pool:
            list(pool.map(work, self.groups))

    def group_ids(self) -> Iterable[str]:
        return [g.group_id for g in self.groups]

    def event_keys(self) -> set[str]:
        """Kafka keys of this run's events: its groups, and its participants before they join."""
        return {*self.group_ids(), *(m.pid for g in self.groups for m in g.members)}
