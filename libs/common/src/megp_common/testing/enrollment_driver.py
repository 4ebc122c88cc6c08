"""Walks the enrollment service through its scenarios over HTTP (the e2e tests). Its request
bodies come from `megp_common.testing.payloads`, shared with the national simulation."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from megp_common.testing import payloads
from megp_common.testing.identifiers import random_birth_date, random_company_rfc, random_curp
from megp_common.testing.keys import key_writes

Headers = Mapping[str, str]
HeaderFactory = Callable[..., dict[str, str]]  # (*roles, states=..., subject=..., **claims)


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The JSON body of a response that must have `status`."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Driver:
    base_url: str
    header: HeaderFactory
    state: str = "20"
    rng: random.Random = field(default_factory=random.Random)
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            base_url=f"{self.base_url}/v1", timeout=30, event_hooks={"request": [key_writes]}
        )

    # -- callers ------------------------------------------------------------------------------

    def as_(
        self,
        *roles: str,
        participant_id: str | None = None,
        states: tuple[str, ...] = (),
        subject: str | None = None,
    ) -> dict[str, str]:
        claims: dict[str, Any] = {"participant_id": participant_id} if participant_id else {}
        return self.header(
            *roles,
            states=states or (self.state,),
            subject=subject or f"{'-'.join(roles)}-{participant_id or 'x'}",
            **claims,
        )

    @property
    def staff(self) -> dict[str, str]:
        return self.as_("odf_staff", subject="odf-staff")

    def today(self) -> date:
        reader = self.as_("programme_supervisor", states=("*",))
        now = httpx.get(f"{self.base_url}/v1/admin/clock", headers=reader).json()["now"]
        return datetime.fromisoformat(now).date()

    def move_clock_to(self, day: date) -> None:
        """Move the platform's shared clock (frozen) to noon UTC of `day`; never backwards."""
        if day <= self.today():
            return
        instant = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).isoformat()
        ok(
            self.client.put(
                "/admin/clock",
                json={"instant": instant, "frozen": True},
                headers=self.as_("programme_supervisor", states=("*",)),
            )
        )

    @staticmethod
    def first_of_next_month(day: date) -> date:
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)

    # -- participants ---------------------------------------------------------------------------

    def participant_body(
        self, *, female: bool | None = None, age: int | None = None, **overrides: Any
    ) -> dict[str, Any]:
        female = self.rng.random() < 0.5 if female is None else female
        today = self.today()
        born = (
            random_birth_date(self.rng, age_from=age, age_to=age + 1, today=today)
            if age is not None
            else random_birth_date(self.rng, age_from=31, age_to=59, today=today)
        )
        return (
            payloads.participant(
                curp=random_curp(self.rng, born, female),
                given_names="Prueba",
                first_surname="Sánchez",
                birth_date=born,
                female=female,
                state_code=self.state,
                municipality="Oaxaca de Juárez",
                functions=["production"],
            )
            | overrides
        )

    def enroll(self, **overrides: Any) -> dict[str, Any]:
        body = self.participant_body(**overrides)
        return ok(self.client.post("/participants", json=body, headers=self.staff), 201)

    # -- projects and groups --------------------------------------------------------------------

    def project_body(self, **overrides: Any) -> dict[str, Any]:
        body = payloads.project(
            name="Alfarería",
            branch_of_activity="pottery",
            state_code=self.state,
            municipality="San Bartolo Coyotepec",
            description="black clay pottery for export",
            criteria=payloads.random_criteria(self.rng),
        )
        return body | overrides

    def propose(self, **overrides: Any) -> dict[str, Any]:
        return ok(
            self.client.post("/projects", json=self.project_body(**overrides), headers=self.staff),
            201,
        )

    def form_group(self, project_id: str | None = None) -> dict[str, Any]:
        project_id = project_id or self.propose()["id"]
        return ok(self.client.post(f"/projects/{project_id}/group", headers=self.staff), 201)

    @staticmethod
    def letter(on: date | None = None) -> list[dict[str, str]]:
        return payloads.letter_of_commitment(on)

    def join(
        self, group_id: str, participant_id: str, headers: Headers | None = None
    ) -> httpx.Response:
        body = payloads.membership(participant_id, "sell together")
        return self.client.post(
            f"/groups/{group_id}/members", json=body, headers=dict(headers or self.staff)
        )

    def register_odf(self, group_id: str, **overrides: Any) -> httpx.Response:
        body = (
            payloads.development_organization(
                "Organización de Fomento, S.A. de C.V.", random_company_rfc(self.rng), "Banorte"
            )
            | overrides
        )
        return self.client.post(
            f"/groups/{group_id}/development-organization", json=body, headers=self.staff
        )

    def agree_plan(
        self,
        group_id: str,
        participant_id: str,
        start: date,
        baseline: str = "10000.00",
        key: str | None = None,
    ) -> dict[str, Any]:
        body = payloads.business_plan(participant_id, Decimal(baseline), Decimal("1500.00"), start)
        headers = self.staff | {"Idempotency-Key": key or f"plan-{participant_id}"}
        return ok(
            self.client.post(f"/groups/{group_id}/business-plans", json=body, headers=headers), 201
        )

    def active_group(self, members: int = 5, odf: bool = True) -> tuple[dict[str, Any], list[str]]:
        """A group with `members` signed members, and its ODF when asked for."""
        group = self.form_group()
        ids = [self.enroll()["id"] for _ in range(members)]
        for pid in ids:
            ok(self.join(group["id"], pid), 201)
        if odf:
            ok(self.register_odf(group["id"]), 201)
        return ok(self.client.get(f"/groups/{group['id']}", headers=self.staff)), ids
