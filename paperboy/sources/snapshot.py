"""The arXiv bulk metadata snapshot: one JSON object per line, streamed in constant memory.

Fields: id, submitter, authors, title, comments, journal-ref, doi, report-no, categories,
license, abstract, versions [{version, created}], update_date, authors_parsed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, Version
from paperboy.sources.base import (
    Format,
    Item,
    arxiv_id_and_version,
    clean,
    is_withdrawn,
    read_version,
)
from paperboy.sources.json_input import Fields, json_records
from paperboy.sources.names import split_authors


def sniff(head: bytes) -> bool:
    first = head.lstrip()[:4096]
    return first.startswith(b"{") and (b'"versions"' in first or b'"authors_parsed"' in first)


def parse(stream: BinaryIO) -> Iterator[Item]:
    yield from json_records(stream, _record)


def _record(fields: Fields) -> PaperRecord:
    raw_id = fields.ident("id")
    if raw_id is None:
        raise InvalidRecord(fields.place, "no id")
    arxiv_id, _ = arxiv_id_and_version(raw_id, fields.place)
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
        withdrawn=is_withdrawn(comments),
        source="snapshot",
    )


def _authors(fields: Fields, place: str) -> tuple[Author, ...]:
    parsed = fields.items("authors_parsed")
    if not parsed:
        return split_authors(fields.text("authors") or "")
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
        versions.append(read_version(item.text("version") or "", item.text("created"), place))
    return tuple(versions)


FORMAT = Format(
    name="snapshot",
    description="arXiv bulk metadata snapshot (JSON lines, plain or gzipped)",
    sniff=sniff,
    parse=parse,
)
