from datetime import UTC, datetime

from megp_common.context import causal_context, current_context
from megp_common.events import make_event
from megp_common.logging import bind_correlation, clear_context
from megp_common.testing.tally import TallyIncremented


def _event():  # type: ignore[no-untyped-def]
    payload = TallyIncremented(counter_id="c", amount=1)
    return make_event(payload, source="/megp/test", key="c", time=datetime.now(UTC))


def test_event_made_while_handling_another_continues_its_chain() -> None:
    with causal_context("corr-1", "cause-1"):
        env = _event()
    assert (env.correlationid, env.causationid) == ("corr-1", "cause-1")


def test_event_made_in_a_request_carries_the_request_correlation_id() -> None:
    bind_correlation("req-42")
    try:
        env = _event()
    finally:
        clear_context()
    assert env.correlationid == "req-42"
    assert env.causationid is None


def test_without_any_context_a_new_chain_starts() -> None:
    first, second = current_context(), current_context()
    assert first.correlation_id != second.correlation_id
