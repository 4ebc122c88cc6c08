"""A service refuses a store whose single-document writes are not atomic: FerretDB below the
patch level deploy/local/store.sh builds (megp5); any MongoDB passes."""

from __future__ import annotations

from typing import Any, cast

import pytest

from megp_common.mongo import StoreNotAtomic, require_atomic_document_writes


class Answers:
    """A database whose `buildInfo` answers what a server of that build does."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info

    async def command(self, name: str) -> dict[str, Any]:
        assert name == "buildInfo"
        return self.info


FERRETDB = {"version": "7.0.42", "ok": 1.0}


@pytest.mark.parametrize("version", ["v1.24.2", "v1.24.2-megp4", "v1.24.2-megp4i", "v2.0.0"])
async def test_a_ferretdb_without_the_atomic_writes_patch_is_refused(version: str) -> None:
    with pytest.raises(StoreNotAtomic, match=r"store\.sh restart"):
        await require_atomic_document_writes(
            cast(Any, Answers(FERRETDB | {"ferretdbVersion": version}))
        )


@pytest.mark.parametrize("version", ["v1.24.2-megp5", "v1.24.2-megp12"])
async def test_the_patched_ferretdb_passes(version: str) -> None:
    db = cast(Any, Answers(FERRETDB | {"ferretdbVersion": version}))
    assert await require_atomic_document_writes(db) == f"FerretDB {version}"


async def test_mongodb_passes() -> None:
    db = cast(Any, Answers({"version": "7.0.14", "ok": 1.0}))
    assert await require_atomic_document_writes(db) == "MongoDB 7.0.14"
