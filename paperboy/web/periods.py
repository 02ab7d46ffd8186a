"""The periods a listing covers (a day, an ISO week, a month) and the way between them.

Previous/next skip to the nearest period that has papers (weekends and holidays are never an
empty page to click through); a period with no papers at all still shows, with both links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import Connection

from paperboy import ranking
from paperboy.ranking import Period
from paperboy.store import listings

Kind = Literal["date", "week", "month"]
WIDER: dict[Kind, tuple[Kind, ...]] = {"date": ("week", "month"), "week": ("month",),
                                       "month": ()}


@dataclass(frozen=True)
class Span:
    kind: Kind
    period: Period

    @classmethod
    def parse(cls, kind: Kind, text: str) -> Span:
        """The period a listing path names; `ranking.InvalidPeriod` if it names none."""
        if kind == "date":
            day = ranking.parse_day(text)
            return cls(kind, Period(day, day))
        if kind == "week":
            return cls(kind, ranking.week_bounds(text))
        return cls(kind, ranking.month_bounds(text))

    @classmethod
    def containing(cls, kind: Kind, day: date) -> Span:
        if kind == "date":
            return cls(kind, Period(day, day))
        if kind == "week":
            year, week, _ = day.isocalendar()
            return cls(kind, ranking.week_bounds(f"{year:04d}-W{week:02d}"))
        return cls(kind, ranking.month_bounds(f"{day.year:04d}-{day.month:02d}"))

    @property
    def slug(self) -> str:
        first = self.period.first
        if self.kind == "date":
            return first.isoformat()
        if self.kind == "week":
            year, week, _ = first.isocalendar()
            return f"{year:04d}-W{week:02d}"
        return f"{first.year:04d}-{first.month:02d}"

    @property
    def path(self) -> str:
        return f"/papers/{self.kind}/{self.slug}"

    @property
    def label(self) -> str:
        first = self.period.first
        if self.kind == "date":
            return f"{first:%A}, {first.day} {first:%B %Y}"
        if self.kind == "week":
            return f"Week {first.isocalendar()[1]} of {first.isocalendar()[0]} " \
                   f"({span_text(self.period)})"
        return f"{first:%B %Y}"

    @property
    def short_label(self) -> str:
        first = self.period.first
        if self.kind == "date":
            return f"{first.day} {first:%b %Y}"
        if self.kind == "week":
            return self.slug
        return f"{first:%b %Y}"

    def wider(self) -> list[Span]:
        """The week and month around a day, the month a week starts in."""
        return [Span.containing(kind, self.period.first) for kind in WIDER[self.kind]]


@dataclass(frozen=True)
class Neighbours:
    previous: Span | None
    next: Span | None


def neighbours(conn: Connection, span: Span) -> Neighbours:
    """The nearest periods of the same kind before and after `span` that have papers."""
    before, after = listings.neighbour_days(conn, span.period)
    return Neighbours(Span.containing(span.kind, before) if before else None,
                      Span.containing(span.kind, after) if after else None)


def span_text(period: Period) -> str:
    """'18–24 November 2024', '28 October – 3 November 2024', '30 December 2024 – 5 January
    2025'."""
    first, last = period.first, period.last
    if first == last:
        return f"{first.day} {first:%B %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
    return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"
