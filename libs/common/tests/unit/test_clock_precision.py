"""The platform's time is kept to the millisecond, the store's precision: a record answered at
once and read back later says the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import bson
from bson.codec_options import CodecOptions

from megp_common.clock import SettableClock

AWARE = CodecOptions(tz_aware=True, tzinfo=UTC)


def test_now_is_what_the_store_keeps_of_it() -> None:
    real = datetime(2026, 12, 2, 3, 6, 2, 100205, tzinfo=UTC)
    clock = SettableClock(real=lambda: real)
    now = clock.now()
    assert now == datetime(2026, 12, 2, 3, 6, 2, 100000, tzinfo=UTC)
    assert bson.decode(bson.encode({"t": now}), codec_options=AWARE)["t"] == now
    # a running simulated clock too: set 0.5 ms past a second, then 1.2345 ms of real time
    clock.set(datetime(2030, 1, 1, 12, 0, 0, 500, tzinfo=UTC), frozen=False)
    real += timedelta(microseconds=1234)
    assert clock.now() == datetime(2030, 1, 1, 12, 0, 0, 1000, tzinfo=UTC)
    stored = bson.decode(bson.encode({"t": clock.now()}), codec_options=AWARE)["t"]
    assert stored == clock.now()
