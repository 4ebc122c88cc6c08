"""The queue leases on the real store (each change a read and a write under the key's store
lock): processes racing for one key, each on its own connection, never hold it
together; a renewal keeps it; a holder that stops renewing loses it once it ran out."""

from __future__ import annotations

import asyncio

from megp_common.ids import new_id
from megp_common.locks import Leases, StoreLocks
from megp_common.mongo import make_client
from megp_common.testing.infra import Infra


async def test_one_holder_at_a_time_renewed_and_taken_over_after_expiry(infra: Infra) -> None:
    name = f"webhooks_leases_{new_id()[-12:]}"
    clients = [make_client(infra.mongo) for _ in range(4)]
    try:
        leases = [Leases(c[name], "leases", StoreLocks(c[name], "locks")) for c in clients]
        key = "whs_race"
        for _ in range(5):
            claims = await asyncio.gather(
                *(lease.claim(key, f"p{n}", 1.5) for n, lease in enumerate(leases))
            )
            holders = {c.holder for c in claims}
            assert sum(c.held for c in claims) <= 1 and len(holders) == 1, claims
        holder = next(iter(holders))
        assert holder is not None
        mine = leases[int(holder[1:])]
        renewed = await mine.claim(key, holder, 1.5)
        assert renewed.held
        other = next(f"p{n}" for n in range(4) if f"p{n}" != holder)
        assert not (await leases[0].claim(key, other, 1.5)).held
        await asyncio.sleep(1.6)  # the holder stopped renewing
        taken = await leases[1].claim(key, other, 1.5)
        assert taken.held and taken.holder == other
        assert not (await mine.claim(key, holder, 1.5)).held
        await leases[1].release(key, other)
        assert await leases[2].holders() == {}
    finally:
        await clients[0].drop_database(name)
        for c in clients:
            await c.close()
