"""JSON Schema and AsyncAPI documents of the published events, and the compatibility rule.

    python -m megp_common.contracts.export           write contracts/ at the repository root
    python -m megp_common.contracts.export --check   fail if contracts/ is stale or a change breaks
                                                      a published version

Within one schema version a payload may only gain optional fields: no field removed, no field's
type changed, no new required field. Anything else needs a new version (a new registered type).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from megp_common.contracts import load_all
from megp_common.events import EventEnvelope, registered_types
from megp_common.settings import REPO_ROOT

OUT = REPO_ROOT / "contracts"
_DOC_KEYS = {"description", "title", "examples", "default"}


def published_types() -> dict[str, type]:
    load_all()
    return {k: v for k, v in sorted(registered_types().items()) if not k.startswith("testing.")}


def schema_key(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}"


def payload_schemas() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, model in published_types().items():
        schema = model.model_json_schema(mode="serialization")  # type: ignore[attr-defined]
        schema["x-event-type"] = name
        schema["x-schema-version"] = model.schema_version  # type: ignore[attr-defined]
        out[schema_key(name, model.schema_version)] = schema  # type: ignore[attr-defined]
    return out


def asyncapi(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for key, schema in schemas.items():
        service = schema["x-event-type"].split(".")[0].replace("_", "-")
        topic = f"{service}.events"
        msg_name = key.replace(".", "_")
        messages[msg_name] = {
            "name": schema["x-event-type"],
            "contentType": "application/cloudevents+json",
            "payload": {"$ref": f"schemas/{key}.json"},
        }
        channel = channels.setdefault(topic, {"address": topic, "messages": {}})
        channel["messages"][msg_name] = {"$ref": f"#/components/messages/{msg_name}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "MEGP platform events",
            "version": "1.0.0",
            "description": "Domain events on Kafka; every message is a CloudEvents 1.0 envelope "
            "(schemas/envelope.json) keyed by project group id, or participant id.",
        },
        "channels": channels,
        "components": {"messages": messages},
    }


def _shape(prop: dict[str, Any]) -> Any:
    if isinstance(prop, dict):
        return {k: _shape(v) for k, v in prop.items() if k not in _DOC_KEYS}
    if isinstance(prop, list):
        return [_shape(v) for v in prop]
    return prop


def compatibility_problems(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What makes `new` an incompatible successor of the published `old` (same version)."""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for field, spec in old_props.items():
        if field not in new_props:
            problems.append(f"field '{field}' was removed")
        elif _shape(spec) != _shape(new_props[field]):
            problems.append(f"field '{field}' changed its type")
    for field in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"field '{field}' became required")
    if _shape(old.get("$defs", {})) != _shape(
        {k: v for k, v in new.get("$defs", {}).items() if k in old.get("$defs", {})}
    ):
        problems.append("a nested definition changed")
    return problems


def documents() -> dict[Path, dict[str, Any]]:
    schemas = payload_schemas()
    docs = {OUT / "schemas" / f"{k}.json": v for k, v in schemas.items()}
    docs[OUT / "schemas" / "envelope.json"] = EventEnvelope.model_json_schema()
    docs[OUT / "asyncapi.json"] = asyncapi(schemas)
    return docs


def _render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def check() -> list[str]:
    problems = []
    current = documents()
    for path, doc in current.items():
        if not path.exists():
            problems.append(f"{path.relative_to(REPO_ROOT)} is missing")
            continue
        published = json.loads(path.read_text())
        if path.parent.name == "schemas" and path.name != "envelope.json":
            problems += [f"{path.stem}: {p}" for p in compatibility_problems(published, doc)]
        if path.read_text() != _render(doc):
            problems.append(f"{path.relative_to(REPO_ROOT)} is stale: run `make contracts`")
    for path in (OUT / "schemas").glob("*.json"):
        if path not in current:
            problems.append(f"{path.stem} was published and is gone: keep its type registered")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        sys.exit(1 if problems else 0)
    for path, doc in documents().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_render(doc))
    print(f"wrote {len(documents())} documents under {OUT.relative_to(REPO_ROOT)}/")


if __name__ == "__main__":
    main()
