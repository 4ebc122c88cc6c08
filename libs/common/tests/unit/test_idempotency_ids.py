"""The ids of stored answers: distinct (scope, caller, key) never share one, whatever the parts
hold, and parts without "%" or ":" keep the ids of the earlier format."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from megp_common.idempotency import Once, id_part, record_id

KEY_CHARS = "AZaz09._:~-"
scopes = st.text(alphabet="fundsp:.-F1", min_size=1, max_size=12)
callers = st.text(min_size=1, max_size=12)  # a subject may hold any character
keys = st.text(alphabet=KEY_CHARS, min_size=1, max_size=8)
requests = st.tuples(scopes, callers, keys)


def ids(scope: str, caller: str, key: str) -> tuple[str, str, str]:
    once = Once(scope, caller, key)
    return record_id(once.stored_scope, key), once.stored_scope, once.new_id()


@given(requests, requests)
def test_two_requests_share_an_id_only_when_they_are_one(
    a: tuple[str, str, str], b: tuple[str, str, str]
) -> None:
    rec_a, scope_a, new_a = ids(*a)
    rec_b, scope_b, new_b = ids(*b)
    assert (rec_a == rec_b) == (a == b)
    assert (new_a == new_b) == (a == b)
    assert (scope_a == scope_b) == (a[:2] == b[:2])


def test_the_pair_the_raw_join_confused() -> None:
    assert ids("pay", "a", "b:c")[0] == "pay:a:b%3Ac"
    assert ids("pay", "a:b", "c")[0] == "pay:a%3Ab:c"


@given(scopes, st.text(alphabet="abc-|@._", min_size=1), st.text(alphabet="AZaz09._~-", min_size=1))
def test_plain_parts_keep_the_earlier_ids(scope: str, caller: str, key: str) -> None:
    once = Once(scope, caller, key)
    assert record_id(once.stored_scope, key) == f"{scope}:{caller}:{key}"
    assert (once.legacy_scope, once.legacy_record_id) == (None, None)


@given(st.text())
def test_an_escaped_part_holds_no_colon_and_reads_back(part: str) -> None:
    escaped = id_part(part)
    assert ":" not in escaped
    assert escaped.replace("%3A", ":").replace("%25", "%") == part
