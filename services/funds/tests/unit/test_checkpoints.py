"""A checkpoint advanced month by month gives the balances a rebuild of the whole journal gives,
whatever the order in which entries were numbered and posted, and whatever was posted late."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funds.domain import accounts as acc
from funds.domain.ledger import Checkpoint, Entry, EntryKind, advance, credit, debit, rebuild

START = datetime(2027, 1, 1, tzinfo=UTC)


def entry(seq: int, posted_at: datetime, cents: int) -> Entry:
    return Entry(
        id=f"e{seq}",
        fund_id="f",
        seq=seq,
        kind=EntryKind.GRANT,
        idempotency_key=f"k{seq}",
        posted_at=posted_at,
        effective_on=date(2027, 1, 1),
        description="a grant",
        lines=[debit(acc.TRUST_CASH, cents), credit(acc.DEVELOPMENT, cents)],
    )


def window(journal: list[Entry], base: Checkpoint | None, at: datetime) -> list[Entry]:
    """What the journal query gives: numbered after the base, posted at or before `at`."""
    after = base.upto_seq if base else 0
    return [e for e in journal if e.seq > after and e.posted_at <= at]


#: each entry: hours after START it is posted at, its amount, and how many of the checkpoints
#: pass before it is stored (a late commit)
ENTRIES = st.lists(
    st.tuples(st.integers(0, 24 * 90), st.integers(1, 10_000), st.integers(0, 2)), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(ENTRIES, st.lists(st.integers(1, 24 * 100), min_size=1, max_size=6, unique=True))
def test_advancing_equals_rebuilding_from_the_whole_journal(
    raw: list[tuple[int, int, int]], hours: list[int]
) -> None:
    instants = [START + timedelta(hours=h) for h in sorted(hours)]
    # entries are numbered in the order they are stored, which need not be their posting order
    stored_order = sorted(range(len(raw)), key=lambda i: (raw[i][2], i))
    journal: list[Entry] = []
    base: Checkpoint | None = None
    for step, at in enumerate(instants):
        for i in stored_order:
            hour, cents, late = raw[i]
            if late <= step and all(e.id != f"x{i}" for e in journal):
                seq = len(journal) + 1
                journal.append(
                    entry(seq, START + timedelta(hours=hour), cents).model_copy(
                        update={"id": f"x{i}"}
                    )
                )
        # the journal query leaves out what was posted after `at`; given it all, the same
        after = base.upto_seq if base else 0
        unfiltered = advance(base, [e for e in journal if e.seq > after], at)
        base = advance(base, window(journal, base, at), at)
        assert unfiltered == base
        expected = rebuild(e for e in journal if e.posted_at <= at)
        assert base.balances == expected
        assert all(e.posted_at <= at for e in journal if e.seq <= base.upto_seq)


def test_an_entry_numbered_after_a_later_one_is_counted_once() -> None:
    end_of_january = datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)
    journal = [
        entry(1, datetime(2027, 1, 10, tzinfo=UTC), 100),
        entry(2, datetime(2027, 2, 1, 0, 0, 1, tzinfo=UTC), 200),  # read the clock after
        entry(3, datetime(2027, 1, 31, 23, 59, 58, tzinfo=UTC), 300),  # ...but stored first
    ]
    january = advance(None, window(journal, None, end_of_january), end_of_january)
    assert january.upto_seq == 1 and january.ahead == {"e3"}
    assert january.balances["MXN"][acc.TRUST_CASH] == 400
    end_of_february = datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC)
    february = advance(january, window(journal, january, end_of_february), end_of_february)
    assert february.upto_seq == 3 and february.ahead == frozenset()
    assert february.balances["MXN"][acc.TRUST_CASH] == 600


def test_a_checkpoint_does_not_move_back_in_time() -> None:
    later = Checkpoint(at=START + timedelta(days=30))
    with pytest.raises(ValueError, match="forward"):
        advance(later, [], START)
