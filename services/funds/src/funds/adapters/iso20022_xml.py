"""ISO 20022 documents read safely and checked against their published schemas (vendored in
`iso20022/`, see SOURCE.md). A document is accepted only in a version named here; its version
is its namespace."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from lxml import etree

#: the largest document a bank may send (a year of a busy fund's entries is far below it)
MAX_DOCUMENT_BYTES = 5_000_000
PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
CAMT053_V08 = PREFIX + "camt.053.001.08"
CAMT053_V02 = PREFIX + "camt.053.001.02"
CAMT054_V08 = PREFIX + "camt.054.001.08"
SCHEMA_FILES = {
    CAMT053_V08: "camt.053.001.08.xsd",
    CAMT053_V02: "camt.053.001.02.xsd",
    CAMT054_V08: "camt.054.001.08.xsd",
}


class InvalidDocument(ValueError):
    """Not well-formed XML, another message or version, or one its schema does not accept."""


def message_name(namespace: str) -> str:
    """`camt.053.001.02` for its namespace."""
    return namespace.removeprefix(PREFIX)


@cache
def schema(namespace: str) -> etree.XMLSchema:
    source = resources.files("funds.adapters") / "iso20022" / SCHEMA_FILES[namespace]
    with resources.as_file(source) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def _parser() -> etree.XMLParser:
    # no entities, no network, no DTD: a bank's document is data, nothing it names is fetched
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def load(document: bytes, accepted: Collection[str]) -> tuple[etree._Element, str]:
    """The document's root and namespace, if it is one of the `accepted` messages and its
    schema accepts it; InvalidDocument saying why not otherwise."""
    if len(document) > MAX_DOCUMENT_BYTES:
        raise InvalidDocument(f"a document is at most {MAX_DOCUMENT_BYTES} bytes")
    try:
        root = etree.fromstring(document, _parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidDocument(f"not well-formed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        raise InvalidDocument("a document type declaration (DTD) is not accepted")
    namespace = etree.QName(root).namespace or ""
    if namespace not in accepted:
        names = " or ".join(message_name(n) for n in accepted)
        got = message_name(namespace) if namespace else "a document without a namespace"
        raise InvalidDocument(f"expected {names}, got {got}")
    checker = schema(namespace)
    try:
        valid = checker.validate(root)
    except etree.Error as exc:  # what the validator cannot even walk is not a valid document
        raise InvalidDocument(f"{message_name(namespace)}: {exc}") from exc
    if not valid:
        raise InvalidDocument(f"{message_name(namespace)}: {checker.error_log.last_error}")
    return root, namespace


def validate(document: bytes, namespace: str) -> None:
    """InvalidDocument unless `document` is a `namespace` message its schema accepts."""
    load(document, (namespace,))


def cents(text: str | None, where: str) -> int:
    """An ISO 20022 amount in whole centavos; a fraction of a centavo is refused."""
    try:
        value = Decimal((text or "").strip()) * 100
    except ArithmeticError as exc:
        raise InvalidDocument(f"{where}: not an amount: {text!r}") from exc
    if not value.is_finite() or value != value.to_integral_value():
        raise InvalidDocument(f"{where}: {text} is not a whole number of centavos")
    return int(value)


def day(node: etree._Element, path: str, ns: dict[str, str]) -> date | None:
    """The date of a `DateAndDateTimeChoice` (`Dt`, or the day of `DtTm`) at `path`."""
    text = node.findtext(f"{path}/c:Dt", namespaces=ns) or node.findtext(
        f"{path}/c:DtTm", namespaces=ns
    )
    return date.fromisoformat(text[:10]) if text else None


def texts(node: etree._Element, xpath: str, ns: dict[str, str]) -> list[str]:
    """The stripped, non-empty texts `xpath` selects under `node`, in document order."""
    found = node.xpath(xpath, namespaces=ns)
    assert isinstance(found, list)
    out = []
    for item in found:
        text = item.text if isinstance(item, etree._Element) else str(item)
        if text and text.strip():
            out.append(text.strip())
    return out


def sign(node: etree._Element, ns: dict[str, str], default: int = 1) -> int:
    """+1 for `CdtDbtInd` CRDT, -1 for DBIT, `default` when the node has none."""
    indicator = node.findtext("c:CdtDbtInd", namespaces=ns)
    if indicator is None:
        return default
    return -1 if indicator == "DBIT" else 1


def tx_amount(tx: etree._Element, ns: dict[str, str]) -> etree._Element | None:
    """A transaction's own amount: `Amt` (camt .001.08), else `AmtDtls/TxAmt/Amt` (both)."""
    own = tx.find("c:Amt", ns)
    return own if own is not None else tx.find("c:AmtDtls/c:TxAmt/c:Amt", ns)
