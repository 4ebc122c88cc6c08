"""Setup, on 20 January of the start year: per group a project, its group, the members on
registration sheets, their Letters of Commitment on an intake sheet, the ODF, two board
representatives, the Support and Innovation Committees, a plan sheet; then it waits for funds
to open the group's fund, and the ODF lists its sellers' products on the marketplace."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from megp_common.testing import payloads
from megp_common.testing.identifiers import random_company_rfc, random_curp
from megp_simulation import banks, market
from megp_simulation.api import ApiError
from megp_simulation.inventors import INVENTOR_SEATS, inventive
from megp_simulation.model import SHEET_LINES, Group, Member, money

if TYPE_CHECKING:
    from megp_simulation.scenario import Simulation

Person = tuple[dict[str, Any], Member]  # a registration sheet's line, and who it is


def person(sim: Simulation, g: Group, female: bool) -> Person:
    """A member drawn from the group's stream: the sheet's line, and how the member behaves."""
    r = g.rng
    age_days = r.randrange(365 * 18 + 5, 365 * 72)
    born = sim.setup_day - timedelta(days=age_days)
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
    body = payloads.participant(
        curp=random_curp(sim.ids, born, female),
        given_names="María" if female else "José",
        first_surname="Simulación",
        birth_date=born,
        female=female,
        state_code=g.state,
        municipality="Municipio",
        functions=functions,
        inventor=inventor,
        disabled=disabled,
        indigenous=indigenous,
        declared_programmes=declared,
    )
    return body, Member("", female, baseline, growth, punctuality)


def register(sim: Simulation, g: Group, people: list[Person], start: int) -> None:
    """Enroll one registration sheet; a line whose random CURP another group drew first
    gets a new one, and the sheet goes again under a new key (nothing was written)."""
    path = "/participants/registration-sheets"
    for attempt in range(5):
        status, done = sim.api.try_call(
            "enrollment",
            "POST",
            path,
            "odf_staff",
            claims=g.staff(),
            key=sim.key("registration", g.index, start, attempt),
            json=payloads.registration_sheet(body for body, _ in people),
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
            raise ApiError("POST", path, status, str(done))
        for line in taken:
            body, member = people[line - 1]
            born = date.fromisoformat(body["birth_date"])
            body["curp"] = random_curp(sim.ids, born, member.female)
    else:
        raise ApiError("POST", path, status, str(done))
    for row, (body, member) in zip(done["participants"], people, strict=True):
        member.pid, member.programmes = row["id"], list(row["programmes"])
        member.curp = body["curp"]
        g.members.append(member)
    if sim.setup_bar is not None:
        sim.setup_bar.step(len(people), note=f"group {g.index + 1}")


def setup_group(sim: Simulation, g: Group) -> Group:
    api, r, staff = sim.api, g.rng, g.staff()
    criteria = payloads.random_criteria(r)
    body = payloads.project(
        name=f"Proyecto {g.index}",
        branch_of_activity=r.choice(["pottery", "weaving", "honey", "coffee"]),
        state_code=g.state,
        municipality="Municipio",
        description="a simulated project group",
        criteria=criteria,
    )
    project = api.call(
        "enrollment",
        "POST",
        "/projects",
        "odf_staff",
        claims=staff,
        key=sim.key("project", g.index),
        json=body,
    )
    g.project_id = project["id"]
    group = api.call(
        "enrollment",
        "POST",
        f"/projects/{g.project_id}/group",
        "odf_staff",
        claims=staff,
        key=sim.key("group", g.index),
    )
    g.group_id = group["id"]
    # the state office's registration sheets: the group's people, up to 500 a request
    people = [person(sim, g, r.random() < 0.55) for _ in range(sim.scale.members)]
    if inventive(sim, g):  # two members enroll as inventors (their other draws stay as they were)
        for seat in INVENTOR_SEATS:
            body = people[seat][0]
            body["inventor"] = True
            if "inventors" not in body["declared_programmes"]:
                body["declared_programmes"].append("inventors")
    for start in range(0, len(people), SHEET_LINES):
        register(sim, g, people[start : start + SHEET_LINES], start)
    # the ODF's intake sheet: every member's signed letter in one command
    api.call(
        "enrollment",
        "POST",
        f"/groups/{g.group_id}/intake-sheets",
        "odf_staff",
        claims=staff,
        key=sim.key("intake", g.group_id),
        timeout_s=300.0,
        json=payloads.intake_sheet((m.pid for m in g.members), "to sell together"),
    )
    odf = api.call(
        "enrollment",
        "POST",
        f"/groups/{g.group_id}/development-organization",
        "odf_staff",
        claims=staff,
        key=sim.key("odf", g.group_id),
        json=payloads.development_organization(
            f"Organización de Fomento {g.index}, S.A. de C.V.",
            random_company_rfc(sim.ids),
            banks.trust_bank(g, r),
        ),
    )
    g.inventors = [g.members[s].pid for s in INVENTOR_SEATS] if inventive(sim, g) else []
    g.odf_id = (odf.get("development_organization") or {}).get("id") or odf.get("odf_id", "")
    board(sim, g)
    committees(sim, g)
    api.call(  # every member's plan on one sheet
        "enrollment",
        "POST",
        f"/groups/{g.group_id}/business-plan-sheets",
        "odf_staff",
        claims=staff,
        key=sim.key("plans", g.group_id),
        timeout_s=300.0,  # as the registration sheets: 16 sheets of 200 in flight at once
        json=payloads.plan_sheet(
            payloads.business_plan(
                m.pid, m.baseline, money(m.baseline * Decimal("0.15")), sim.plan_start
            )
            for m in g.members
        ),
    )
    fund = sim.eventually(f"fund of {g.group_id}", lambda: opened_fund(sim, g))
    g.opened_on = datetime.fromisoformat(fund["opened_at"]).date()
    g.odf_id = fund.get("odf_id") or g.odf_id
    market.list_products(sim, g)
    return g


def board(sim: Simulation, g: Group) -> None:
    """Two board representatives: the first appointed by a member, the second by the first."""
    first, second = g.members[0].pid, g.members[1].pid
    path = f"/groups/{g.group_id}/board/representatives"
    sim.api.call(
        "enrollment",
        "POST",
        path,
        "participant",
        claims=g.participant(second),
        key=sim.key("rep", g.group_id, 1),
        json=payloads.board_representative(first),
    )
    sim.api.call(
        "enrollment",
        "POST",
        path,
        "board_representative",
        claims=g.participant(first),
        key=sim.key("rep", g.group_id, 2),
        json=payloads.board_representative(second),
    )
    g.reps = [first, second]


def committees(sim: Simulation, g: Group) -> None:
    """The project's Support Committee (a local chamber and a national institution, with
    what each offers [¶54]) and its Innovation Committee (a member of the group as its
    coordinator, and a professor [¶57])."""
    staff = g.staff()
    formed: list[tuple[str, str, list[dict[str, Any]]]] = [
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
        committee = sim.api.call(
            "enrollment",
            "POST",
            "/committees",
            "odf_staff",
            claims=staff,
            key=sim.key("committee", g.group_id, kind),
            json=payloads.committee(kind, f"{name} {g.index}", g.project_id),
        )
        for n, member in enumerate(members):
            sim.api.call(
                "enrollment",
                "POST",
                f"/committees/{committee['id']}/members",
                "odf_staff",
                claims=staff,
                key=sim.key("committee-member", g.group_id, kind, n),
                json=member,
            )
        g.committees += 1
        g.committee_members += len(members)


def opened_fund(sim: Simulation, g: Group) -> dict[str, Any] | None:
    status, fund = sim.api.try_call("funds", "GET", f"/funds/{g.group_id}")
    if status == 200 and fund.get("opened_at") and fund.get("board_representatives"):
        return dict(fund)
    return None
