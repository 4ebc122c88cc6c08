"""The registration sheet a state office fills (people to enroll) and the intake sheet ODF staff
fill (signed Letters of Commitment of people joining a group): the rows typed on the page become
one request to enrollment, all or nothing, and enrollment's refusal is put back on the rows and
fields it concerns.

A row left empty is not sent, so the service's line n is the n-th row that was filled in: the
rows sent are kept in order (`Row.number` is the row on the page)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from console.domain.problems import BY_FIELD_ERROR, N_

REGISTRATION_FIELDS = (
    "curp",
    "given_names",
    "first_surname",
    "second_surname",
    "birth_date",
    "gender",
    "municipality",
    "function",
)
INTAKE_FIELDS = ("participant_id", "business_reason", "signed_on")
#: the six undertakings of the Letter of Commitment [¶49], as enrollment names them
UNDERTAKINGS = (
    "business_plan",
    "fund_contributions",
    "share_experience",
    "collective_competitiveness",
    "particular_commitments",
    "board_representatives",
)
MAX_ROWS = 50
#: a list that always has a value chosen does not make an empty row a typed one
CHOSEN_BY_DEFAULT = frozenset({"function"})
LINE_REFUSED = N_("Enrollment refused this line; correct it and send the sheet again.")


@dataclass(slots=True)
class Row:
    number: int  # the row on the page, from 1
    values: dict[str, str]
    #: field -> (plain words, a message id; the service's own detail)
    problems: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def refuse(self, name: str, message: str, detail: str) -> None:
        self.problems.setdefault(name, []).append((message, detail))


def rows_of(form: Mapping[str, Any], fields: tuple[str, ...]) -> list[Row]:
    """The rows with anything typed in them (`<field>:<row>` form names), in page order."""
    numbers: set[int] = set()
    for name in form:
        base, _, digits = str(name).partition(":")
        if base in fields and digits.isdigit() and 1 <= int(digits) <= MAX_ROWS:
            numbers.add(int(digits))
    rows = []
    for number in sorted(numbers):
        values = {f: str(form.get(f"{f}:{number}") or "").strip() for f in fields}
        if any(v for f, v in values.items() if f not in CHOSEN_BY_DEFAULT):
            rows.append(Row(number, values))
    return rows


def registration_body(rows: list[Row], state_code: str) -> dict[str, Any]:
    """POST /participants/registration-sheets: one participant per row, as typed (enrollment
    checks the CURP, its match with birth date and sex, and the state)."""
    people = []
    for row in rows:
        v = row.values
        person: dict[str, Any] = {
            "curp": v["curp"].upper(),
            "given_names": v["given_names"],
            "first_surname": v["first_surname"],
            "birth_date": v["birth_date"],
            "gender": v["gender"],
            "state_code": state_code,
            "municipality": v["municipality"],
            "functions": [v["function"] or "production"],
        }
        if v["second_surname"]:
            person["second_surname"] = v["second_surname"]
        people.append(person)
    return {"participants": people}


def intake_body(rows: list[Row]) -> dict[str, Any]:
    """POST /groups/{id}/intake-sheets: each row one signed letter, its six undertakings
    accepted on the day it was signed (empty: today, as enrollment takes it)."""
    members = []
    for row in rows:
        v = row.values
        signed = v["signed_on"] or None
        members.append(
            {
                "participant_id": v["participant_id"],
                "business_reason": v["business_reason"],
                "letter_of_commitment": [
                    {"undertaking": u, **({"accepted_on": signed} if signed else {})}
                    for u in UNDERTAKINGS
                ],
            }
        )
    return {"members": members}


def place(problem: dict[str, Any], rows: list[Row], lines_at: str, key_field: str) -> bool:
    """Put a refused sheet's problems on its rows: schema errors by position
    (`loc` [body, <lines_at>, i, field]), the service's `problems[]` by line number
    (registration) or by participant (intake), on the row's `key_field`. True when at least
    one was placed; the rest of the refusal is shown above the sheet."""
    placed = False
    for e in problem.get("errors") or []:
        loc = [p for p in (e.get("loc") or []) if p != "body"] if isinstance(e, dict) else []
        at = loc[1] if len(loc) >= 2 and loc[0] == lines_at else None
        if isinstance(at, int) and 0 <= at < len(rows):
            names = [p for p in loc[2:] if isinstance(p, str)]
            name = _on_page(names[0] if names else key_field, key_field)
            message = BY_FIELD_ERROR.get(str(e.get("type")), "This value is not accepted.")
            rows[at].refuse(name, message, str(e.get("msg") or ""))
            placed = True
    by_participant = {r.values.get("participant_id"): r for r in rows}
    for p in problem.get("problems") or []:
        if not isinstance(p, dict):
            continue
        row: Row | None = None
        line = p.get("line")
        if isinstance(line, int) and 1 <= line <= len(rows):
            row = rows[line - 1]
        elif p.get("participant_id") in by_participant and "line" not in p:
            row = by_participant[p.get("participant_id")]
        if row is not None:
            row.refuse(key_field, LINE_REFUSED, str(p.get("problem") or ""))
            placed = True
    return placed


def _on_page(name: str, key_field: str) -> str:
    """The page's field for a field of the request."""
    return {
        "functions": "function",
        "letter_of_commitment": "signed_on",
        "accepted_on": "signed_on",
        "state_code": key_field,
    }.get(name, name)
