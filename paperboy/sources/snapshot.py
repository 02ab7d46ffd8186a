"""The arXiv bulk metadata snapshot: one JSON object per line, streamed in constant memory.

Fields: id, submitter, authors, title, comments, journal-ref, doi, report-no, categories,
license, abstract, versions [{version, created}], update_date, authors_parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, Version, split_arxiv_id
from paperboy.sources.base import Fields, Format, Item, checked, clean, json_lines, parse_datetime

WITHDRAWN = re.compile(r"\bwithdra(?:wn|w)\b", re.IGNORECASE)


def sniff(head: bytes) -> bool:
    first = head.lstrip()[:4096]
    return first.startswith(b"{") and (b'"versions"' in first or b'"authors_parsed"' in first)


def parse(stream: BinaryIO) -> Iterator[Item]:
    for item in json_lines(stream):
        if isinstance(item, InvalidRecord):
            yield item
            continue
        place, value = item
        try:
            record = _record(Fields(value, place))
        except InvalidRecord as error:
            yield error
            continue
        yield checked(record, f"{place} (id {record.uid})")


def _record(fields: Fields) -> PaperRecord:
    raw_id = fields.ident("id")
    if raw_id is None:
        raise InvalidRecord(fields.place, "no id")
    parts = split_arxiv_id(raw_id)
    if parts is None:
        raise InvalidRecord(fields.place, f"{raw_id[:40]!r} is not an arXiv id")
    arxiv_id = parts[0]
    place = f"{fields.place} (id {arxiv_id})"
    comments = fields.text("comments")
    return PaperRecord(
        uid=arxiv_id,
        arxiv_id=arxiv_id,
        title=fields.text("title") or "",
        abstract=fields.text("abstract") or "",
        authors=_authors(fields, place),
        categories=tuple((fields.text("categories") or "").split()),
        versions=_versions(fields.items("versions"), place),
        comments=comments,
        journal_ref=fields.text("journal-ref"),
        doi=fields.text("doi"),
        license=fields.text("license"),
        withdrawn=bool(comments and WITHDRAWN.search(comments)),
        source="snapshot",
    )


def _authors(fields: Fields, place: str) -> tuple[Author, ...]:
    parsed = fields.items("authors_parsed")
    if not parsed:
        text = fields.text("authors") or ""
        return tuple(Author(name) for name in re.split(r",\s*|\s+and\s+", text) if name.strip())
    authors = []
    for entry in parsed:
        if not isinstance(entry, list) or not all(isinstance(part, str) for part in entry):
            raise InvalidRecord(place, "authors_parsed entries must be lists of strings")
        padded: list[str] = [*entry, "", "", ""]
        name = clean(f"{padded[1]} {padded[0]} {padded[2]}")
        affiliation = clean(", ".join(filter(None, entry[3:]))) if len(entry) > 3 else None
        if name:
            authors.append(Author(name, affiliation))
    return tuple(authors)


def _versions(entries: list[Any], place: str) -> tuple[Version, ...]:
    versions = []
    for entry in entries:
        item = Fields(entry, f"{place}: versions")
        label = item.text("version") or ""
        if not re.fullmatch(r"v\d+", label):
            raise InvalidRecord(place, f"version {label[:20]!r} is not like 'v2'")
        created = parse_datetime(item.text("created"), place)
        if created is None:
            raise InvalidRecord(place, f"version {label} has no date")
        versions.append(Version(int(label[1:]), created))
    return tuple(versions)


FORMAT = Format(
    name="snapshot",
    description="arXiv bulk metadata snapshot (JSON lines, plain or gzipped)",
    sniff=sniff,
    parse=parse,
)
