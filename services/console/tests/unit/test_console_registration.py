"""The registration and intake sheets: rows typed on the page become one request, and
enrollment's refusal lands on the rows and fields it concerns."""

from __future__ import annotations

from console.domain.registration import (
    INTAKE_FIELDS,
    REGISTRATION_FIELDS,
    UNDERTAKINGS,
    intake_body,
    place,
    registration_body,
    rows_of,
)


def test_only_rows_with_something_typed_are_sent_in_page_order() -> None:
    form = {
        "curp:3": "gamL850312mocrpr07",
        "given_names:3": "María",
        "function:1": "production",  # chosen by default: row 1 is still empty
        "curp:1": "",
        "curp:2": " ",
        "curp:99": "too far",
        "curp:x": "not a row",
        "first_surname:5": "López",
    }
    rows = rows_of(form, REGISTRATION_FIELDS)
    assert [r.number for r in rows] == [3, 5]
    body = registration_body(rows, "20")
    first = body["participants"][0]
    assert first["curp"] == "GAML850312MOCRPR07" and first["state_code"] == "20"
    assert first["functions"] == ["production"] and "second_surname" not in first


def test_a_refused_registration_lands_on_its_rows() -> None:
    form = {"curp:2": "A", "given_names:2": "Ana", "curp:4": "B", "given_names:4": "Eva"}
    rows = rows_of(form, REGISTRATION_FIELDS)
    problem = {
        "type": "https://megp.mx/problems/validation-failed",
        "errors": [
            {"loc": ["body", "participants", 1, "birth_date"], "type": "missing", "msg": "x"}
        ],
        "problems": [{"line": 1, "curp": "A", "problem": "the CURP's check digit is wrong"}],
    }
    assert place(problem, rows, "participants", "curp")
    assert rows[0].problems == {
        "curp": [
            (
                "Enrollment refused this line; correct it and send the sheet again.",
                "the CURP's check digit is wrong",
            )
        ]
    }
    assert rows[1].problems == {"birth_date": [("This field is required.", "x")]}
    assert not place({"problems": [{"line": 7, "problem": "?"}]}, rows, "participants", "curp")


def test_an_intake_sheet_is_each_persons_whole_letter_and_refusals_name_the_person() -> None:
    form = {"participant_id:1": "p-1", "business_reason:1": "vender juntas"}
    form |= {"participant_id:2": "p-2", "business_reason:2": "r", "signed_on:2": "2030-01-05"}
    rows = rows_of(form, INTAKE_FIELDS)
    body = intake_body(rows)
    letters = [m["letter_of_commitment"] for m in body["members"]]
    assert [u["undertaking"] for u in letters[0]] == list(UNDERTAKINGS)
    assert "accepted_on" not in letters[0][0] and letters[1][0]["accepted_on"] == "2030-01-05"
    problem = {"problems": [{"participant_id": "p-2", "problem": "already a member"}]}
    assert place(problem, rows, "members", "participant_id")
    assert rows[1].problems["participant_id"][0][1] == "already a member"
    assert not rows[0].problems
