"""How long an end-to-end test waits for an event's effect to show in another service.

One figure for every `eventually` helper of the suite: the effect of an event crosses the
relay, the broker and a consumer (which may gather a poll's trickle for `CONSUMER_GATHER_MS`),
and the suite runs two workers, each with its own platform, on the same cores, so a consumer
can be tens of seconds behind a burst of the test before. A wait returns as soon as the effect
shows; the figure only bounds how long a test may take to fail.
`MEGP_TEST_EVENT_WAIT_S` changes it."""

from __future__ import annotations

import os

EVENT_WAIT_S = float(os.environ.get("MEGP_TEST_EVENT_WAIT_S", "90"))
