"""arXiv's announcement feeds (rss.arxiv.org/rss/cs.CL, rss.arxiv.org/atom/cs.CL; format of 2024).

One item per announcement: a new paper, a cross-list, or a replacement (replace,
replace-cross). Its id is "oai:arXiv.org:2401.06104v1"; its description (RSS) or summary
(Atom) reads "arXiv:2401.06104v1 Announce Type: new Abstract: ...". Categories come primary
first; authors are one comma-separated dc:creator (or Atom author/name elements). A weekend or
holiday feed has no items and is valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import BinaryIO, TypedDict

from lxml import etree

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, split_arxiv_id
from paperboy.sources.base import Format, Item, checked, clean, read_limited
from paperboy.sources.names import split_authors
from paperboy.sources.xml_input import parse_xml, root_name, text_of

ATOM = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM, "arxiv": "http://arxiv.org/schemas/atom",
      "dc": "http://purl.org/dc/elements/1.1/"}
REPLACEMENTS = frozenset({"replace", "replace-cross"})

_PREFIX = re.compile(
    r"^arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>\S+)\s*(?:Abstract:\s*)?", re.IGNORECASE
)


@dataclass(frozen=True)
class _Entry:
    """An RSS item or Atom entry, reduced to the texts both flavours share."""

    guid: str | None  # oai:arXiv.org:2401.06104v1
    title: str | None
    text: str | None  # with its "arXiv:... Announce Type: ... Abstract:" prefix
    categories: tuple[str, ...]
    authors: tuple[Author, ...]
    published: str | None  # the announcement day, as the feed writes it
    announce_type: str | None
    rights: str | None
    doi: str | None
    journal_ref: str | None


def sniff(head: bytes) -> bool:
    root = root_name(head)
    if root == b"rss":
        return True
    if root != b"feed" or b"opensearch" in head or b"arxiv.org/api" in head:
        return False  # the arXiv API's Atom feed is another format
    return b"announce_type" in head or b"rss.arxiv.org" in head


def parse(stream: BinaryIO) -> Iterator[Item]:
    root = parse_xml(read_limited(stream))
    name = etree.QName(root)
    if name.localname == "rss":
        channel = root.find("channel")
        if channel is None:
            raise InvalidRecord("document", "RSS feed without a <channel>")
        feed_day = announcement_day(text_of(channel.find("pubDate")), "channel pubDate")
        for number, item in enumerate(channel.iterfind("item"), start=1):
            yield _item(_rss_entry(item), f"item {number}", feed_day)
    elif name.localname == "feed" and name.namespace == ATOM:
        for number, entry in enumerate(root.iterfind("atom:entry", NS), start=1):
            yield _item(_atom_entry(entry), f"entry {number}", None)
    else:
        raise InvalidRecord("document", f"expected an RSS or Atom feed, found <{name.localname}>")


def announcement_day(text: str | None, place: str) -> date | None:
    """The calendar day a feed date names, in the feed's own time zone (arXiv's is US Eastern)."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text) if text[0].isdigit() else parsedate_to_datetime(text)
    except (ValueError, TypeError) as exc:
        raise InvalidRecord(place, f"cannot read date {text[:40]!r}") from exc
    return value.date()


def _rss_entry(item: etree._Element) -> _Entry:
    return _Entry(
        guid=text_of(item.find("guid")),
        title=text_of(item.find("title")),
        text=text_of(item.find("description")),
        categories=tuple(text_of(c) or "" for c in item.iterfind("category")),
        authors=_creators(item),
        published=text_of(item.find("pubDate")),
        **_arxiv_fields(item),
    )


def _atom_entry(entry: etree._Element) -> _Entry:
    return _Entry(
        guid=text_of(entry.find("atom:id", NS)),
        title=text_of(entry.find("atom:title", NS)),
        text=text_of(entry.find("atom:summary", NS)),
        categories=tuple(clean(c.get("term")) or "" for c in entry.iterfind("atom:category", NS)),
        authors=_atom_authors(entry) or _creators(entry),
        published=text_of(entry.find("atom:published", NS)),
        **_arxiv_fields(entry),
    )


class _ArxivFields(TypedDict):
    announce_type: str | None
    rights: str | None
    doi: str | None
    journal_ref: str | None


def _arxiv_fields(element: etree._Element) -> _ArxivFields:
    return {
        "announce_type": text_of(element.find("arxiv:announce_type", NS)),
        "rights": text_of(element.find("dc:rights", NS)),
        "doi": text_of(element.find("arxiv:DOI", NS)),
        "journal_ref": text_of(element.find("arxiv:journal_reference", NS)),
    }


def _atom_authors(entry: etree._Element) -> tuple[Author, ...]:
    names = (text_of(author.find("atom:name", NS)) for author in entry.iterfind("atom:author", NS))
    return tuple(Author(name) for name in names if name)


def _creators(element: etree._Element) -> tuple[Author, ...]:
    """Authors from dc:creator: 'Ada Lovelace, Alan Turing, and Grace Hopper'."""
    return tuple(author for creator in element.iterfind("dc:creator", NS)
                 for author in split_authors(text_of(creator) or ""))


def _item(entry: _Entry, place: str, feed_day: date | None) -> Item:
    try:
        record = _record(entry, place, feed_day)
    except InvalidRecord as error:
        return error
    return checked(record, f"{place} (id {record.uid})")


def _record(entry: _Entry, place: str, feed_day: date | None) -> PaperRecord:
    prefix = _PREFIX.match(entry.text or "")
    parts = split_arxiv_id(entry.guid or "") or (split_arxiv_id(prefix["id"]) if prefix else None)
    if parts is None:
        raise InvalidRecord(place, f"no arXiv id (guid {(entry.guid or '')[:40]!r})")
    arxiv_id, version = parts
    place = f"{place} (id {arxiv_id})"
    announce_type = (entry.announce_type or (prefix["type"] if prefix else "")).lower()
    day = announcement_day(entry.published, place) or feed_day
    return PaperRecord(
        uid=arxiv_id,
        arxiv_id=arxiv_id,
        version=version,
        title=entry.title or "",
        abstract=(entry.text or "")[prefix.end() if prefix else 0:],
        authors=entry.authors,
        categories=tuple(dict.fromkeys(c for c in entry.categories if c)),
        # A replacement's day is when the new version was announced, not the paper.
        announced=None if announce_type in REPLACEMENTS else day,
        license=entry.rights,
        doi=entry.doi,
        journal_ref=entry.journal_ref,
        source="rss",
    )


FORMAT = Format(
    name="rss",
    description="arXiv announcement feed (rss.arxiv.org, RSS 2.0 or Atom)",
    sniff=sniff,
    parse=parse,
)
