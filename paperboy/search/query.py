"""The query language people type, parsed into a `Query`. Bad syntax never fails: it becomes words.

    kv cache "speculative decoding" author:Dao cat:cs.CL year:2024 -vision
    from:2024-01-01 to:2024-06-30 has:code 2401.00001 https://arxiv.org/abs/2401.00001v2
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from paperboy import categories as arxiv
from paperboy.models import split_arxiv_id
from paperboy.ranking import InvalidPeriod, month_bounds, parse_day

_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')
MAX_QUERY = 1000  # characters kept; the rest is dropped


@dataclass(frozen=True)
class Query:
    text: str = ""  # the free text (words and phrases) for ranking
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # words or phrases a result must not contain
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    has_code: bool = False
    arxiv_id: str | None = None  # the query was just a paper's id or URL
    notes: tuple[str, ...] = field(default=(), compare=False)  # what was not understood

    @property
    def has_filters(self) -> bool:
        return bool(self.excluded or self.authors or self.categories or self.date_from
                    or self.date_to or self.has_code)

    def with_filters(self, *, categories: tuple[str, ...] = (), authors: tuple[str, ...] = (),
                     date_from: date | None = None, date_to: date | None = None,
                     has_code: bool = False) -> Query:
        """This query with more filters (from API parameters or form fields) added."""
        return replace(self, categories=self.categories + categories,
                       authors=self.authors + authors, date_from=date_from or self.date_from,
                       date_to=date_to or self.date_to, has_code=self.has_code or has_code)


def parse_query(text: str) -> Query:
    text = text.strip()[:MAX_QUERY]
    single = split_arxiv_id(text) if text and " " not in text else None
    if single:
        return Query(text=text, arxiv_id=single[0])
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    authors: list[str] = []
    categories: list[str] = []
    notes: list[str] = []
    dates: dict[str, date] = {}
    has_code = False
    for match in _TOKEN.finditer(text):
        negated, key, quoted, bare = match.groups()
        value = (quoted if quoted is not None else bare or "").strip()
        key = (key or "").lower()
        if not value:
            continue
        if key == "author":
            authors.append(value)
        elif key in ("cat", "category") and arxiv.SHAPE.match(arxiv.canonical(value)):
            categories.append(arxiv.canonical(value))
        elif key == "year" and re.fullmatch(r"\d{4}", value) and (bounds := _bounds(value)):
            dates["from"], dates["to"] = bounds
        elif key in ("from", "since") and (bounds := _bounds(value)):
            dates["from"] = bounds[0]
        elif key in ("to", "until") and (bounds := _bounds(value)):
            dates["to"] = bounds[1]
        elif key == "has" and value.lower() == "code":
            has_code = True
        elif negated and not key:
            excluded.append(value)
        else:
            if key:
                notes.append(f"{key}:{value} not understood; searched as words")
                value = f"{key} {value}"
            (phrases if quoted is not None and " " in value else words).append(value)
    free = " ".join([*words, *phrases])
    return Query(text=free, phrases=tuple(phrases), excluded=tuple(excluded),
                 authors=tuple(authors), categories=tuple(categories),
                 date_from=dates.get("from"), date_to=dates.get("to"), has_code=has_code,
                 notes=tuple(notes))


def _bounds(value: str) -> tuple[date, date] | None:
    """First and last day of '2024', '2024-03' or '2024-03-15'; None for anything else."""
    try:
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 1, 1), date(int(value), 12, 31)
        if re.fullmatch(r"\d{4}-\d{2}", value):
            month = month_bounds(value)
            return month.first, month.last
        day = parse_day(value)
        return day, day
    except (ValueError, InvalidPeriod):
        return None
