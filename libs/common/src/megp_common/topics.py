"""Create the platform's topics: `<service>.events` and `<service>.dlq` for every service.

python -m megp_common.topics [--bootstrap localhost:9092] [--partitions 6]

A consumer group puts at most one process on a partition, so a topic needs at least as many
partitions as the most processes of any service consuming it (deploy/k8s sets 12 for
autoscalers of up to 12 replicas; docs/architecture.md, "Kafka partitions and autoscaling").
"""

from __future__ import annotations

import argparse
import asyncio
import os

from megp_common.bus import ensure_topics
from megp_common.settings import API_SERVICES, dead_letter_topic, events_topic


def all_topics() -> list[str]:
    return [t for s in API_SERVICES for t in (events_topic(s), dead_letter_topic(s))]


async def _main(bootstrap: str, partitions: int, replication: int) -> None:
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        try:
            created = await ensure_topics(
                bootstrap, all_topics(), partitions=partitions, replication=replication
            )
            break
        except Exception as exc:  # broker still starting
            if asyncio.get_running_loop().time() > deadline:
                raise SystemExit(f"could not create topics on {bootstrap}: {exc!r}") from exc
            await asyncio.sleep(1)
    print(
        f"topics ready on {bootstrap} ({partitions} partitions): "
        f"{len(created)} created, {len(all_topics()) - len(created)} existed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")
    )
    parser.add_argument(
        "--partitions", type=int, default=int(os.environ.get("TOPIC_PARTITIONS", "6"))
    )
    parser.add_argument(
        "--replication", type=int, default=int(os.environ.get("TOPIC_REPLICATION_FACTOR", "1"))
    )
    args = parser.parse_args()
    asyncio.run(_main(args.bootstrap, args.partitions, args.replication))


if __name__ == "__main__":
    main()
