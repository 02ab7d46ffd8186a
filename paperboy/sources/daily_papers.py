"""A daily-papers listing: the JSON list `GET /api/daily_papers?date=YYYY-MM-DD` returns.

Each element is {"paper": {id, title, summary, authors [{name, ...}], publishedAt,
submittedOnDailyAt, upvotes, githubRepo?, projectPage?, organization? {name, fullname}, ...},
title, summary, numComments, submittedBy {name, fullname, ...}, ...}. The paper id is an arXiv id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, BinaryIO

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, split_arxiv_id
from paperboy.sources.base import Format, Item, checked, parse_date, parse_datetime, read_limited
from paperboy.sources.json_input import Fields, load_json


def sniff(head: bytes) -> bool:
    first = head.lstrip()[:4096]
    return first.startswith(b"[") and b'"paper"' in first


def parse(stream: BinaryIO) -> Iterator[Item]:
    yield from parse_listing(read_limited(stream))


def parse_listing(data: bytes, listing_date: date | None = None) -> list[Item]:
    """The listing's papers; `listing_date` is the day asked for, used when an item has none."""
    entries = _entries(data)
    return [_item(entry, f"item {number}", listing_date)
            for number, entry in enumerate(entries, start=1)]


def _entries(data: bytes) -> list[Any]:
    if not data.strip():
        raise InvalidRecord("document", "empty document")
    if data.lstrip()[:1] == b"<":
        raise InvalidRecord("document", "an HTML or XML page, not a daily-papers JSON list "
                            "(an error page?)")
    value = load_json(data, "document")
    if isinstance(value, dict):
        error = value.get("error")
        detail = f": {str(error)[:200]}" if error else ""
        raise InvalidRecord("document", f"expected a JSON list of papers, got an object{detail}")
    if not isinstance(value, list):
        kind = type(value).__name__
        raise InvalidRecord("document", f"expected a JSON list of papers, got {kind}")
    return value


def _item(entry: Any, place: str, listing_date: date | None) -> Item:
    try:
        record = _record(Fields(entry, place), listing_date)
    except InvalidRecord as error:
        return error
    return checked(record, f"{place} (id {record.uid})")


def _record(item: Fields, listing_date: date | None) -> PaperRecord:
    paper = item.obj_field("paper")
    if paper is None:
        raise InvalidRecord(item.place, "no 'paper' object")
    arxiv_id = _arxiv_id(paper, item.place)
    place = f"{item.place} (id {arxiv_id})"
    published = parse_datetime(paper.text("publishedAt"), place)
    on_daily = parse_date(paper.text("submittedOnDailyAt") or item.text("submittedOnDailyAt"),
                          place)
    return PaperRecord(
        uid=arxiv_id,
        arxiv_id=arxiv_id,
        title=paper.text("title") or item.text("title") or "",
        abstract=paper.text("summary") or item.text("summary") or "",
        authors=_authors(paper, place),
        published=published,
        upvotes=paper.integer("upvotes"),
        code_url=paper.text("githubRepo"),
        project_url=paper.text("projectPage"),
        org=_org(paper),
        num_comments=item.integer("numComments"),
        submitted_by=_submitter(item, paper),
        listing_date=on_daily or listing_date or (published.date() if published else None),
        source="daily-papers",
    )


def _arxiv_id(paper: Fields, place: str) -> str:
    raw_id = paper.obj.get("id")
    if not isinstance(raw_id, str):  # a number would lose digits: 2411.10440 -> 2411.1044
        raise InvalidRecord(place, "paper id must be a string like '2411.10440'")
    parts = split_arxiv_id(raw_id)
    if parts is None:
        raise InvalidRecord(place, f"paper id {raw_id[:40]!r} is not an arXiv id")
    return parts[0]


def _authors(paper: Fields, place: str) -> tuple[Author, ...]:
    authors = []
    for entry in paper.items("authors"):
        name = Fields(entry, f"{place}: authors").text("name")
        if name:
            authors.append(Author(name))
    return tuple(authors)


def _org(paper: Fields) -> str | None:
    organization = paper.obj_field("organization")
    return (organization.text("fullname") or organization.text("name")) if organization else None


def _submitter(item: Fields, paper: Fields) -> str | None:
    """The user name of who put the paper on the list."""
    submitted_by = item.obj_field("submittedBy")
    if submitted_by is not None:
        return submitted_by.text("name")
    on_daily_by = paper.obj_field("submittedOnDailyBy")
    return (on_daily_by.text("name") or on_daily_by.text("user")) if on_daily_by else None


FORMAT = Format(
    name="daily-papers",
    description="daily-papers listing (the JSON list of /api/daily_papers)",
    sniff=sniff,
    parse=parse,
)
