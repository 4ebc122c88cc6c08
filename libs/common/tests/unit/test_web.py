from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

from megp_common.errors import PreconditionFailed, PreconditionRequired, ValidationFailed
from megp_common.web import (
    JsonAnswer,
    Page,
    as_json,
    check_idempotency_key,
    check_if_match,
    decode_cursor,
    encode_cursor,
    etag_for,
    expected_version,
    page_of_sequence,
    request_hash,
    run_idempotent,
)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30))


@given(st.dictionaries(st.text(max_size=20), json_scalars, max_size=6))
def test_a_cursor_names_back_the_position_it_was_made_from(position: dict[str, Any]) -> None:
    cursor = encode_cursor(position)
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor) == position


def test_a_cursor_may_carry_dates_and_scores() -> None:
    cursor = encode_cursor({"score": 21, "after": "0190-x", "on": date(2031, 1, 1)})
    assert decode_cursor(cursor) == {"score": 21, "after": "0190-x", "on": "2031-01-01"}


@pytest.mark.parametrize(
    "bad",
    [
        "not base64 at all!",
        "%%%",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),  # JSON, but not an object
        base64.urlsafe_b64encode(b"{not json").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_not_made_here_is_a_422(bad: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        decode_cursor(bad)
    assert err.value.status == 422


def test_paging_a_sequence_visits_every_item_once_in_key_order() -> None:
    items = [f"id-{n:03d}" for n in (5, 1, 9, 3, 7, 2, 8)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page, cursor = page_of_sequence(items, lambda s: s, cursor=cursor, limit=3)
        seen += page
        pages += 1
        if cursor is None:
            break
    assert seen == sorted(items)
    assert pages == 3


def test_the_last_full_page_has_no_next_cursor() -> None:
    page, cursor = page_of_sequence(["a", "b"], lambda s: s, cursor=None, limit=2)
    assert page == ["a", "b"] and cursor is None


def test_a_cursor_for_another_kind_of_list_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        page_of_sequence(["a"], lambda s: s, cursor=encode_cursor({"score": 3}), limit=2)


def test_page_model_serializes_items_and_cursor() -> None:
    page = Page[int](items=[1, 2], next_cursor="abc")
    assert page.model_dump() == {"items": [1, 2], "next_cursor": "abc"}
    assert Page[int](items=[]).next_cursor is None


@given(st.integers(min_value=0, max_value=10**12))
def test_an_etag_names_back_its_version(version: int) -> None:
    assert expected_version(etag_for(version)) == version
    assert etag_for(version) == f'"v{version}"'


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_a_missing_if_match_is_a_428(missing: str | None) -> None:
    with pytest.raises(PreconditionRequired):
        expected_version(missing)


@pytest.mark.parametrize("bad", ["v3", '"3"', 'W/"v3"', "*", '"v-1"', '"vx"', '"v3", "v4"'])
def test_a_malformed_if_match_is_a_422(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        expected_version(bad)


def test_a_stale_if_match_is_a_412_naming_the_current_etag() -> None:
    check_if_match('"v4"', 4)
    with pytest.raises(PreconditionFailed) as err:
        check_if_match('"v3"', 4)
    assert err.value.extensions["current_etag"] == '"v4"'


def test_idempotency_keys_are_checked() -> None:
    assert check_idempotency_key(None, required=False) is None
    assert check_idempotency_key("abc-123:x", required=True) == "abc-123:x"
    with pytest.raises(PreconditionRequired):
        check_idempotency_key(None, required=True)
    for bad in ("", "has space", "x" * 201, "ñ"):
        with pytest.raises(ValidationFailed):
            check_idempotency_key(bad, required=False)


def test_the_request_hash_ignores_key_order_but_not_values() -> None:
    assert request_hash({"a": 1, "b": [1, 2]}) == request_hash({"b": [1, 2], "a": 1})
    assert request_hash({"a": 1}) != request_hash({"a": 2})


async def test_without_a_key_the_operation_just_runs() -> None:
    calls: list[int] = []

    async def operation() -> tuple[int, Any]:
        calls.append(1)
        return 201, {"id": "x"}

    # No key: the store is never touched, so none is needed here.
    result = await run_idempotent(None, "scope", None, {}, operation)  # type: ignore[arg-type]
    assert result == (201, {"id": "x"}) and calls == [1]
    with pytest.raises(PreconditionRequired):
        await run_idempotent(None, "scope", None, {}, operation, required=True)  # type: ignore[arg-type]
    assert calls == [1]


class _Line(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    amount: Decimal
    at: datetime
    kind: str = Field(alias="type")
    note: str | None = None


class _Answer(BaseModel):
    id: str
    lines: list[_Line]
    tags: dict[str, int]


_lines = st.builds(
    _Line,
    amount=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
    at=st.datetimes(timezones=st.just(UTC)),
    kind=st.text(max_size=12),
    note=st.none() | st.text(max_size=12),
)
_answers = st.builds(
    _Answer,
    id=st.text(max_size=20),
    lines=st.lists(_lines, max_size=4),
    tags=st.dictionaries(st.text(max_size=8), st.integers(-(2**53), 2**53), max_size=3),
)


@given(_answers, st.lists(_answers, max_size=3))
def test_an_answer_is_the_json_fastapi_would_make_and_the_bytes_it_would_send(
    answer: _Answer, answers: list[_Answer]
) -> None:
    for value in (answer, answers, {"nested": [answer.model_dump()]}):
        body = as_json(value)
        assert body == jsonable_encoder(value)
        assert JsonAnswer(body).body == JSONResponse(body).body
