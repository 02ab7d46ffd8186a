"""What every parser shares: the item type, limits, text cleaning, dates, ids, validation.

Parsers are pure: bytes in, `PaperRecord`s (or `InvalidRecord`s for records they could not
read) out. A problem with the whole input (not XML at all, an OAI error) is raised instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import BinaryIO

from paperboy.errors import InvalidRecord
from paperboy.models import PaperRecord, Version, split_arxiv_id, with_defaults

Item = PaperRecord | InvalidRecord

MAX_TITLE = 1_000  # characters
MAX_ABSTRACT = 10_000  # arXiv's own limit is 1,920
MAX_FIELD = 10_000  # comments, journal-ref, names
MAX_AUTHORS = 10_000  # large collaborations list about 3,000
MAX_CATEGORIES = 50  # arXiv papers list up to ~10
MAX_CATEGORY = 32  # characters, the column width (arXiv's longest is 18)
MAX_LINE = 8 * 1024 * 1024  # bytes in one JSON line
MAX_DOCUMENT = 256 * 1024 * 1024  # bytes in one XML or JSON document

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WITHDRAWN = re.compile(r"\bwithdra(?:wn|w)\b", re.IGNORECASE)
_VERSION = re.compile(r"v\d+")
# The root element's local name, after any XML declaration, comments and DOCTYPE.


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    sniff: Callable[[bytes], bool]  # given the first bytes (decompressed), is it ours?
    parse: Callable[[BinaryIO], Iterator[Item]]


def clean(text: object) -> str | None:
    """Collapse whitespace and drop control characters; empty becomes None."""
    if text is None:
        return None
    if not isinstance(text, str):
        text = str(text)
    if not text.isprintable() and _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return " ".join(text.split()) or None


def parse_datetime(text: str | None, place: str) -> datetime | None:
    """ISO 8601 ('2024-01-02', '2024-01-02T03:04:05Z') or RFC 822 ('Tue, 2 Jan 2024 ...') as UTC."""
    text = clean(text)
    if text is None:
        return None
    try:
        if text[0].isdigit():
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            value = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError) as exc:
        raise InvalidRecord(place, f"cannot read date {text[:40]!r}") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_date(text: str | None, place: str) -> date | None:
    value = parse_datetime(text, place)
    return value.date() if value else None


def arxiv_id_and_version(text: str, place: str) -> tuple[str, int | None]:
    """'2401.00001v2' -> ('2401.00001', 2), or InvalidRecord saying the text is not an arXiv id."""
    parts = split_arxiv_id(text)
    if parts is None:
        raise InvalidRecord(place, f"{text[:40]!r} is not an arXiv id")
    return parts


def first_doi(text: str | None) -> str | None:
    """The first DOI of a field that may list several (a few papers do)."""
    return text.split()[0] if text else None


def is_withdrawn(comments: str | None) -> bool:
    """Whether a paper's comments say it is withdrawn ("This paper has been withdrawn")."""
    return bool(comments and _WITHDRAWN.search(comments))


def read_version(label: str, created: str | None, place: str) -> Version:
    """A version from its label ('v2') and date, or InvalidRecord saying which is wrong."""
    if not _VERSION.fullmatch(label):
        raise InvalidRecord(place, f"version {label[:20]!r} is not like 'v2'")
    when = parse_datetime(created, place)
    if when is None:
        raise InvalidRecord(place, f"version {label} has no date")
    return Version(int(label[1:]), when)


def checked(record: PaperRecord, place: str) -> Item:
    """The record with derived fields filled, or an InvalidRecord saying what is wrong with it."""
    problem = _problem(record)
    return InvalidRecord(place, problem) if problem else with_defaults(record)


def _problem(record: PaperRecord) -> str | None:
    if not record.title:
        return "no title"
    if not record.uid:
        return "no id"
    if len(record.uid) > 64:
        return "id longer than 64 characters"
    if len(record.title) > MAX_TITLE:
        return f"title is {len(record.title):,} characters (limit {MAX_TITLE:,})"
    if len(record.abstract) > MAX_ABSTRACT:
        return f"abstract is {len(record.abstract):,} characters (limit {MAX_ABSTRACT:,})"
    if len(record.authors) > MAX_AUTHORS:
        return f"{len(record.authors):,} authors (limit {MAX_AUTHORS:,})"
    if len(record.categories) > MAX_CATEGORIES:
        return f"{len(record.categories):,} categories (limit {MAX_CATEGORIES})"
    for category in record.categories:
        if len(category) > MAX_CATEGORY:
            return f"category {category[:40]!r} is longer than {MAX_CATEGORY} characters"
    for name in ("comments", "journal_ref", "doi", "license", "org", "submitted_by",
                 "abs_url", "pdf_url", "code_url", "project_url"):
        value = getattr(record, name)
        if value is not None and len(value) > MAX_FIELD:
            return f"{name} is {len(value):,} characters (limit {MAX_FIELD:,})"
    for author in record.authors:
        if len(author.name) > MAX_FIELD:
            return "an author name is over the length limit"
    for url_field in ("code_url", "project_url"):
        value = getattr(record, url_field)
        if value is not None and not value.startswith(("https://", "http://")):
            return f"{url_field} is not an http(s) URL"
    if record.upvotes is not None and not 0 <= record.upvotes < 2**31:
        return "upvotes out of range"
    return None


def read_limited(stream: BinaryIO, place: str = "document") -> bytes:
    """Read a whole document, refusing one over MAX_DOCUMENT."""
    data = stream.read(MAX_DOCUMENT + 1)
    if len(data) > MAX_DOCUMENT:
        raise InvalidRecord(place, f"document is over the {MAX_DOCUMENT:,}-byte limit")
    return data
