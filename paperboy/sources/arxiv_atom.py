"""The arXiv API's Atom feed (export.arxiv.org/api/query): a search or an id_list lookup.

Each entry describes one version of a paper: <id> is its versioned abs URL, <published> the
date of v1 and <updated> the date of this version. The feed carries OpenSearch paging counts.
The API reports a bad query as a feed whose single entry has an id like
http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345; that is raised, not yielded.
ACM and MSC classes, which the feed also lists as categories, are left out of `categories`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from lxml import etree

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, Version, split_arxiv_id
from paperboy.sources.base import (
    Format,
    Item,
    checked,
    clean,
    first_doi,
    is_withdrawn,
    parse_datetime,
    read_limited,
)
from paperboy.sources.xml_input import parse_xml, require_root, text_of

ATOM = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM, "arxiv": "http://arxiv.org/schemas/atom",
      "opensearch": "http://a9.com/-/spec/opensearch/1.1/"}
PLACE = "arXiv API response"

_ARXIV_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?")
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/", re.IGNORECASE)


@dataclass(frozen=True)
class AtomPage:
    items: list[Item]
    total_results: int | None
    start_index: int | None
    items_per_page: int | None
    entry_ids: frozenset[str] = frozenset()  # arXiv ids (no version) of all entries, read or not


def sniff(head: bytes) -> bool:
    first = head[:4096]
    return b"<feed" in first and (b"arxiv.org/api" in first or b"a9.com/-/spec/opensearch" in first)


def parse(stream: BinaryIO) -> Iterator[Item]:
    yield from parse_page(read_limited(stream)).items


def parse_page(data: bytes) -> AtomPage:
    """Entries and paging counts of one API response; InvalidRecord for an error or non-feed."""
    root = parse_xml(data, PLACE)
    require_root(root, f"{{{ATOM}}}feed", "an Atom <feed>", PLACE)
    entries = root.findall("atom:entry", NS)
    _raise_api_error(entries)
    items: list[Item] = []
    ids: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        arxiv_id, item = _item(entry, number)
        items.append(item)
        if arxiv_id:
            ids.add(arxiv_id)
    return AtomPage(
        items=items,
        total_results=_count(root, "opensearch:totalResults"),
        start_index=_count(root, "opensearch:startIndex"),
        items_per_page=_count(root, "opensearch:itemsPerPage"),
        entry_ids=frozenset(ids),
    )


def _raise_api_error(entries: list[etree._Element]) -> None:
    for entry in entries:
        entry_id = text_of(entry.find("atom:id", NS)) or ""
        if "arxiv.org/api/errors" in entry_id:
            message = text_of(entry.find("atom:summary", NS))
            message = message or entry_id.partition("#")[2].replace("_", " ") or "no details"
            raise InvalidRecord(PLACE, f"the arXiv API refused the query: {message}")


def _count(root: etree._Element, path: str) -> int | None:
    text = text_of(root.find(path, NS))
    return int(text) if text and text.isdigit() else None


def _item(entry: etree._Element, number: int) -> tuple[str | None, Item]:
    """The entry's arXiv id (if it has one) and the entry as a record or an error."""
    raw_id = text_of(entry.find("atom:id", NS))
    parts = split_arxiv_id(raw_id) if raw_id else None
    if parts is None:
        reason = f"{raw_id[:60]!r} is not an arXiv abs URL" if raw_id else "no <id>"
        return None, InvalidRecord(f"entry {number}", reason)
    arxiv_id, version = parts
    place = f"entry {number} (id {arxiv_id})"
    try:
        record = _record(entry, arxiv_id, version, place)
    except InvalidRecord as error:
        return arxiv_id, error
    return arxiv_id, checked(record, place)


def _record(entry: etree._Element, arxiv_id: str, version: int | None, place: str) -> PaperRecord:
    published = parse_datetime(text_of(entry.find("atom:published", NS)), place)
    updated = parse_datetime(text_of(entry.find("atom:updated", NS)), place)
    comments = text_of(entry.find("arxiv:comment", NS))
    return PaperRecord(
        uid=arxiv_id,
        arxiv_id=arxiv_id,
        title=text_of(entry.find("atom:title", NS)) or "",
        abstract=text_of(entry.find("atom:summary", NS)) or "",
        authors=_authors(entry),
        categories=_categories(entry),
        version=version,
        versions=_versions(version, published, updated),
        published=published,
        updated=updated,
        comments=comments,
        journal_ref=text_of(entry.find("arxiv:journal_ref", NS)),
        doi=_doi(entry),
        withdrawn=is_withdrawn(comments),
        abs_url=_latest_version_url(_link(entry, "alternate")),
        pdf_url=_latest_version_url(_link(entry, "related", "pdf")),
        source="arxiv-atom",
    )


def _authors(entry: etree._Element) -> tuple[Author, ...]:
    authors = []
    for author in entry.iterfind("atom:author", NS):
        name = text_of(author.find("atom:name", NS))
        affiliations = [text_of(a) for a in author.iterfind("arxiv:affiliation", NS)]
        if name:
            authors.append(Author(name, "; ".join(a for a in affiliations if a) or None))
    return tuple(authors)


def _categories(entry: etree._Element) -> tuple[str, ...]:
    """arXiv categories, primary first; ACM ('I.2.7') and MSC ('68T50') classes left out."""
    primary = entry.find("arxiv:primary_category", NS)
    terms = [primary.get("term")] if primary is not None else []
    terms += [c.get("term") for c in entry.iterfind("atom:category", NS)]
    ordered: dict[str, None] = {}
    for term in terms:
        term = clean(term)
        if term and _ARXIV_CATEGORY.fullmatch(term):
            ordered[term] = None
    return tuple(ordered)


def _versions(version: int | None, published: datetime | None,
              updated: datetime | None) -> tuple[Version, ...]:
    """What an entry tells of the history: v1 on `published`, this version on `updated`."""
    if version is None or published is None:
        return ()
    if version == 1 or updated is None:
        return (Version(1, published),)
    return (Version(1, published), Version(version, updated))


def _doi(entry: etree._Element) -> str | None:
    text = text_of(entry.find("arxiv:doi", NS))
    if text is None:
        link = _link(entry, "related", "doi")
        text = _DOI_URL.sub("", link) if link else None
    return first_doi(text)


def _link(entry: etree._Element, rel: str, title: str | None = None) -> str | None:
    for link in entry.iterfind("atom:link", NS):
        if link.get("rel") == rel and link.get("title") == title:
            return clean(link.get("href"))
    return None


def _latest_version_url(href: str | None) -> str | None:
    """An abs or pdf link as https and without its version, so that it opens the latest one."""
    if href is None:
        return None
    return re.sub(r"^http://", "https://", re.sub(r"v\d+$", "", href))


FORMAT = Format(
    name="arxiv-atom",
    description="arXiv API Atom feed (export.arxiv.org/api/query responses)",
    sniff=sniff,
    parse=parse,
)
