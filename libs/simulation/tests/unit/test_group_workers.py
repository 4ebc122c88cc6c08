"""The groups' workers live from phase to phase: each thread keeps its HTTP clients and their
connections, instead of a new pool (and new clients, each loading the CA store) per phase."""

from __future__ import annotations

import threading
import time

from megp_simulation.api import Api
from megp_simulation.model import Scale
from megp_simulation.scenario import Simulation


def _simulation(workers: int) -> Simulation:
    api = Api({"enrollment": "http://127.0.0.1:9"}, {})
    return Simulation(api, Scale(states=2, groups=6, members=2, months=1, workers=workers), 7)


def test_the_phases_share_their_workers_until_closed() -> None:
    sim = _simulation(workers=3)
    seen: list[set[threading.Thread]] = []
    for _ in range(3):
        phase: set[threading.Thread] = set()
        lock = threading.Lock()

        def work(
            _group: object, into: set[threading.Thread] = phase, lock: threading.Lock = lock
        ) -> None:
            time.sleep(0.02)  # long enough for every worker to take a group
            with lock:
                into.add(threading.current_thread())

        sim.parallel("phase", work)
        seen.append(phase)
    assert all(len(phase) <= 3 for phase in seen)
    assert seen[0] == seen[1] == seen[2]  # the same threads, so the same clients
    sim.close()
    after: set[threading.Thread] = set()
    sim.parallel("after", lambda _g: after.add(threading.current_thread()))
    assert after and after.isdisjoint(seen[0])  # a closed pool's threads are gone
    sim.close()


def test_the_clients_share_one_tls_context() -> None:
    api = Api({"a": "http://127.0.0.1:9", "b": "http://127.0.0.1:10"}, {})
    contexts = {id(api._client(s)._transport._pool._ssl_context) for s in ("a", "b")}
    assert len(contexts) == 1
