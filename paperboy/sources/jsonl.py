"""Our own JSON lines: one paper per line, for papers from anywhere (with or without arXiv id).

Fields (all but `title` optional): id, title, abstract (or summary), authors (names, or
objects with name and affiliation), authors_count, categories (list or space-separated),
published, announced, upvotes, org, code_urls (or code_url), project_url, comments, doi.
Without an id, the id is a hash of the title. `../shared/corpus/papers.jsonl` is this format.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, split_arxiv_id
from paperboy.sources.base import Format, Item, clean, parse_date, parse_datetime
from paperboy.sources.json_input import Fields, json_records


def sniff(head: bytes) -> bool:
    first = head.lstrip()[:4096]
    return first.startswith(b"{") and b'"title"' in first


def parse(stream: BinaryIO) -> Iterator[Item]:
    yield from json_records(stream, _record)


def title_id(title: str) -> str:
    """The id of a paper known only by its title: the first 12 hex digits of its SHA-1."""
    return hashlib.sha1(title.encode()).hexdigest()[:12]


def _record(fields: Fields) -> PaperRecord:
    title = fields.text("title") or ""
    raw_id = fields.ident("id") or (title_id(title) if title else "")
    arxiv = split_arxiv_id(raw_id) if raw_id else None
    code_urls = [clean(u) for u in fields.items("code_urls") if isinstance(u, str)]
    return PaperRecord(
        uid=arxiv[0] if arxiv else raw_id,
        arxiv_id=arxiv[0] if arxiv else None,
        version=arxiv[1] if arxiv else None,
        title=title,
        abstract=fields.text("abstract") or fields.text("summary") or "",
        authors=_authors(fields),
        authors_count=fields.integer("authors_count"),
        categories=_categories(fields),
        published=parse_datetime(fields.text("published"), fields.place),
        announced=parse_date(fields.text("announced"), fields.place),
        upvotes=fields.integer("upvotes"),
        org=fields.text("org"),
        code_url=next((u for u in code_urls if u), None) or fields.text("code_url"),
        project_url=fields.text("project_url"),
        comments=fields.text("comments"),
        doi=fields.text("doi"),
        source="jsonl",
    )


def _authors(fields: Fields) -> tuple[Author, ...]:
    authors = []
    for entry in fields.items("authors"):
        if isinstance(entry, str):
            name, affiliation = clean(entry), None
        elif isinstance(entry, dict):
            author = Fields(entry, f"{fields.place}: authors")
            name, affiliation = author.text("name"), author.text("affiliation")
        else:
            raise InvalidRecord(fields.place, "authors must be names or {name, affiliation}")
        if name:
            authors.append(Author(name, affiliation))
    return tuple(authors)


def _categories(fields: Fields) -> tuple[str, ...]:
    value = fields.obj.get("categories")
    if isinstance(value, str):
        return tuple(value.split())
    items = fields.items("categories")
    if not all(isinstance(c, str) for c in items):
        raise InvalidRecord(fields.place, "categories must be strings")
    return tuple(c.strip() for c in items if c.strip())


FORMAT = Format(
    name="jsonl",
    description="paperboy JSON lines (one paper per line; arXiv id optional)",
    sniff=sniff,
    parse=parse,
)
