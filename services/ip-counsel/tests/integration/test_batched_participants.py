"""Ip-counsel learns a run of participant events (a registration sheet's people) in one read and
one write, against the real store: the records the run creates are one bulk insert, a
redelivered run writes nothing, and an event older than what the record holds changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ip_counsel.adapters.sealing import Keyring, Sealer
from ip_counsel.service_layer.event_handlers import handlers
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler
from megp_common.contracts import enrollment as enr
from megp_common.events import make_event
from megp_common.ids import new_id
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import counting_client

from .conftest import services_on

AT = datetime(2045, 1, 10, 12, tzinfo=UTC)


def _snapshot(i: int) -> dict[str, Any]:
    return {
        "participant_id": f"p-{i}",
        "curp": "GODE561231MDFRRL09",
        "given_names": "Elena",
        "first_surname": "Gómez",
        "birth_date": date(1960, 5, 4),
        "gender": "female",
        "state_code": "09",
        "state_name": "Ciudad de México",
        "municipality": "Coyoacán",
        "functions": ["production"],
        "member_type": "inventor" if i % 2 else "micro_producer",
        "programmes": ["women"],
        "disabled": False,
        "indigenous": False,
        "inventor": bool(i % 2),
        "group_id": None,
    }


def _event(payload: Any) -> tuple[Any, Any]:
    return make_event(
        payload, source="/megp/enrollment", key=payload.participant_id, time=AT
    ), payload


async def test_a_run_of_participants_is_one_read_and_one_insert(
    infra: Infra, tmp_path: Path
) -> None:
    client, counted = counting_client(infra.mongo)
    db = client[f"ip_people_{new_id()[-12:]}"]
    try:
        clock = SettableClock()
        services = services_on(db, clock, Sealer(Keyring.load(tmp_path / "k.json", create=True)))
        handler = handlers(services)[enr.ParticipantEnrolled.event_type]
        assert isinstance(handler, BatchHandler)
        run = [_event(enr.ParticipantEnrolled(**_snapshot(i), enrolled_at=AT)) for i in range(8)]
        counted.taken(), counted.reads_taken()
        await handler.handle(run)
        assert counted.taken() == {"participants": 1}
        assert counted.reads_taken() == {"participants": 1}
        people = await services.participants.find_by_ids(f"p-{i}" for i in range(8))
        assert sorted(p.id for p in people.values() if p.inventor) == ["p-1", "p-3", "p-5", "p-7"]

        await handler.handle(run)  # redelivered: each event already applied
        assert counted.taken() == {}

        # an update stated before the enrolment: enrollment said something newer already
        older = enr.ParticipantUpdated(
            **_snapshot(1) | {"inventor": False},
            changed=["inventor"],
            updated_at=AT - timedelta(days=1),
        )
        update = handlers(services)[enr.ParticipantUpdated.event_type]
        assert isinstance(update, BatchHandler)
        await update.handle([_event(older)])
        assert (await services.participants.get("p-1")).inventor is True
    finally:
        await client.drop_database(db.name)
        await client.close()
