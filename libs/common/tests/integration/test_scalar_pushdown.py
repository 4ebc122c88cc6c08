"""The store's scalar pushdown (mongo.SCALAR_EQ) against the real store: a query carrying the
comment returns exactly what the same query returns without it, as long as the fields it compares
by equality are scalars; on the FerretDB that deploy/local/store.sh builds, the comparison runs in
SQLite, which the array case below shows (MongoDB ignores the comment)."""

from __future__ import annotations

from megp_common.ids import new_id
from megp_common.mongo import SCALAR_EQ, make_client
from megp_common.testing.infra import Infra


async def test_scalar_equalities_are_answered_alike_with_and_without_the_comment(
    infra: Infra,
) -> None:
    client = make_client(infra.mongo)
    db = client[f"pushdown_{new_id()[-12:]}"]
    try:
        col = db["entries"]
        await col.create_index([("fund_id", 1), ("seq", 1)], unique=True)
        await col.insert_many(
            [
                {"_id": f"{fund}:{seq}", "fund_id": fund, "seq": seq, "kind": kind}
                for fund in ("f1", "f2", "f3")
                for seq in range(1, 8)
                for kind in ["deposit" if seq % 2 else "grant"]
            ]
        )
        queries = [
            {"fund_id": "f2"},
            {"fund_id": "f2", "seq": {"$gt": 3}},
            {"fund_id": "f1", "kind": "grant"},
            {"fund_id": "f9"},
            {"fund_id": "f3", "$or": [{"seq": 1}, {"kind": "grant"}]},
            {"seq": {"$lte": 2}},  # nothing to push down
        ]
        for query in queries:
            plain = [d["_id"] async for d in col.find(query, sort=[("seq", 1), ("_id", 1)])]
            pushed = [
                d["_id"]
                async for d in col.find(query, sort=[("seq", 1), ("_id", 1)], comment=SCALAR_EQ)
            ]
            assert pushed == plain, query
        limited = [
            d["seq"]
            async for d in col.find(
                {"fund_id": "f1", "seq": {"$gt": 2}}, sort=[("seq", 1)], limit=2, comment=SCALAR_EQ
            )
        ]
        assert limited == [3, 4]

        # the contract's edge: an array field compared by equality
        await db["tags"].insert_many([{"_id": 1, "tag": "x"}, {"_id": 2, "tag": ["x", "y"]}])
        plain = sorted([d["_id"] async for d in db["tags"].find({"tag": "x"})])
        pushed = sorted([d["_id"] async for d in db["tags"].find({"tag": "x"}, comment=SCALAR_EQ)])
        assert plain == [1, 2]
        info = await db.command("buildInfo")
        if "ferretdbVersion" in info:  # the comparison ran in SQLite: exact for scalars only
            assert pushed == [1]
        else:
            assert pushed == [1, 2]
    finally:
        await client.drop_database(db.name)
        await client.close()
