"""How an aggregate's state is stored: plain values made BSON (`to_bson`), fields packed into
one compressed value (`pack`, `unpacked`), and the fingerprints a commit compares to write only
the fields that changed (`stored_fields`)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import bson
from bson.codec_options import CodecOptions

from megp_common.answers import ANSWERS
from megp_common.store import OUTBOX_FLAG, Document

_PLAIN = frozenset({str, int, float, bool, type(None), datetime})


def to_bson(value: Any) -> Any:
    """Plain python -> what BSON (and FerretDB v1) stores: Decimal as str, date as ISO str.
    Every commit converts its whole aggregate, so the common cases are tested first by exact
    type (an `isinstance` against an abstract class costs several times more)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {str(k): to_bson(v) for k, v in value.items()}
    if kind is list:
        return [to_bson(v) for v in value]
    if kind is Decimal:
        return str(value)
    if kind is date:
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_bson(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_bson(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_bson(value.value)
    return value


#: The field holding an aggregate's packed fields (see `AggregateRepository.packed`).
PACKED = "packed"
PACK_LEVEL = 1  # zlib: fast; the documents are ids and small numbers, which compress well


def pack(fields: Mapping[str, Any]) -> bytes:
    """Fields (already `to_bson`) as one compressed BSON value."""
    return zlib.compress(bson.encode(fields), PACK_LEVEL)


def unpack(blob: bytes, codec: CodecOptions[Document]) -> Document:
    return dict(bson.decode(zlib.decompress(blob), codec_options=codec))


def unpack_sized(blob: bytes, codec: CodecOptions[Document]) -> tuple[Document, int]:
    """`unpack`, and the size of the BSON it decoded (for a cache that bounds what it holds)."""
    raw = zlib.decompress(blob)
    return dict(bson.decode(raw, codec_options=codec)), len(raw)


def unpacked(
    doc: Mapping[str, Any], codec: CodecOptions[Document], items: Iterable[str] = ()
) -> Document:
    """A stored document as its aggregate sees it: the packed fields back in place, and each
    blob of the `items` lists decoded (a raw reader of a repository's collection uses this)."""
    out = dict(doc)
    blob = out.pop(PACKED, None)
    if blob is not None:
        out.update(unpack(blob, codec))
    for name in items:
        if name in out:
            out[name] = [unpack(item, codec) for item in out[name]]
    return out


_SCALARS = frozenset({str, int, float, bool, type(None), datetime, bytes})
_ENCODED = "bson"


class Items(tuple[Any, ...]):
    """A list field's fingerprint: one per item, so that a list that only grew is told apart
    (its new items are `$push`ed, not the list again)."""

    __slots__ = ()


def _item_print(value: Any, codec: CodecOptions[Document]) -> Any:
    kind = type(value)
    if kind is str or kind is bytes:
        return value  # never equal to one of another kind, nor to a tuple
    if kind in _SCALARS:
        return (kind, value)
    return (_ENCODED, bson.encode({"": value}, codec_options=codec))


def fingerprint(value: Any, codec: CodecOptions[Document]) -> Any:
    """What a commit compares of a stored top-level field (a value as BSON holds it: after
    `to_bson`, or as read): equal fingerprints, equal stored values. An immutable scalar is its
    own (with its type: 1, 1.0 and True are three BSON values); a list is one per item
    (`Items`); anything else its BSON encoding. Immutable, so that a copy's later changes in
    place never reach it. Two renderings of one value may still differ (a map's keys in
    another order): the field is then written again, which is only a larger write."""
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)
    if kind is list:
        return Items(_item_print(v, codec) for v in value)
    return (_ENCODED, bson.encode({"": value}, codec_options=codec))


#: fields of a stored document that are never an aggregate's state (`stored_fields`)
_NOT_STATE = frozenset({"_id", "version", "outbox", OUTBOX_FLAG, ANSWERS})


def stored_fields(doc: Mapping[str, Any], codec: CodecOptions[Document]) -> dict[str, Any]:
    """The fingerprint of each field of a document as read (or as a commit wrote it): what
    the next commit of that copy compares its state with (`AggregateRepository.save`)."""
    return {k: fingerprint(v, codec) for k, v in doc.items() if k not in _NOT_STATE}
