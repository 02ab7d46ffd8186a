"""Untrusted XML in: no DTD entities, no network, no huge trees; HTML error pages named."""

from __future__ import annotations

import re

from lxml import etree

from paperboy.errors import InvalidRecord
from paperboy.sources.base import MAX_DOCUMENT, clean

_ROOT = re.compile(rb"^(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*<(?:[\w.-]+:)?([\w.-]+)", re.S)


def root_name(head: bytes) -> bytes | None:
    """The local name of an XML document's root element, from its first bytes."""
    match = _ROOT.match(head.removeprefix(b"\xef\xbb\xbf")[:8192])
    return match.group(1) if match else None


def is_html(head: bytes) -> bool:
    """Whether a document is an HTML page: it starts with <!DOCTYPE html or its root is <html>."""
    start = head[:8192].removeprefix(b"\xef\xbb\xbf").lstrip()
    return (start[:14].lower() == b"<!doctype html"
            or (root_name(start) or b"").lower() == b"html")


def parse_xml(data: bytes, place: str = "document") -> etree._Element:
    """Parse untrusted XML: no DTDs, entities, network or huge trees; no HTML error pages."""
    if not data.strip():
        raise InvalidRecord(place, "empty document")
    if len(data) > MAX_DOCUMENT:
        raise InvalidRecord(place, f"document is {len(data):,} bytes (limit {MAX_DOCUMENT:,})")
    if is_html(data):
        raise InvalidRecord(place, "got an HTML page, not XML (an error page?)")
    if b"<!ENTITY" in data:
        raise InvalidRecord(place, "document declares XML entities; refused")
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        where = f"{place}, line {exc.lineno}" if exc.lineno else place
        raise InvalidRecord(where, f"not well-formed XML: {exc.msg}") from exc
    assert isinstance(root, etree._Element)
    return root


def require_root(root: etree._Element, tag: str, expected: str, place: str) -> None:
    """InvalidRecord unless the root element is `tag` ('{namespace}name'), naming what it is."""
    if root.tag != tag:
        raise InvalidRecord(place, f"expected {expected}, found <{etree.QName(root).localname}>")


def text_of(element: etree._Element | None) -> str | None:
    """All text inside an element, cleaned; None for a missing element."""
    if element is None:
        return None
    return clean("".join(str(t) for t in element.itertext()))
