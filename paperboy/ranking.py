"""Pure ranking rules: numbers and dates in, order out. No database, no web.

- `listing_day`: the day a paper belongs to in a daily listing.
- `Period` and `parse_period`: the day, ISO week or month a listing covers.
- `trending_score`: hot ranking, upvotes decayed by age.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from paperboy.errors import PaperboyError
from paperboy.models import PaperRecord

GRAVITY = 1.8
MIN_YEAR, MAX_YEAR = 1, 9998  # so that every period and the day after it are dates

_DAY = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


class InvalidPeriod(PaperboyError, ValueError):
    """A day, week or month that cannot be read; `name` is the parameter that held it."""

    exit_code = 2

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Period:
    """The days `first` to `last`, both included."""

    first: date
    last: date

    @property
    def end(self) -> datetime:
        """The instant the period is over: midnight UTC after its last day."""
        return day_start(self.last + timedelta(days=1))


def listing_day(paper: PaperRecord) -> date | None:
    """The paper's day in a daily listing when it has one, else the day arXiv announced it,
    else the (UTC) day of its v1. The store's listing queries use the same order."""
    if paper.listing_date is not None:
        return paper.listing_date
    if paper.announced is not None:
        return paper.announced
    return paper.published.astimezone(UTC).date() if paper.published else None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def trending_score(upvotes: int, age_hours: float, gravity: float = GRAVITY) -> float:
    """Hot ranking, as Hacker News does it: `upvotes / (age_hours + 2) ** gravity`.

    Votes count for less the older a paper is; `gravity` says how fast they fade. With 1.8, a
    paper a day old needs about 100 times the votes of a brand-new one to rank level with it,
    one two days old about 3 times those of one a day old. The 2 hours keep brand-new papers
    from dividing by almost nothing. Ages below zero (a paper listed after
    the moment scored) count as zero, and so do negative vote counts.
    """
    if gravity <= 0:
        raise ValueError(f"gravity must be positive, got {gravity}")
    return float(max(upvotes, 0) / (max(age_hours, 0.0) + 2.0) ** gravity)


def age_hours(since: datetime, at: datetime) -> float:
    return (at - since).total_seconds() / 3600.0


def trending_moment(period: Period, now: datetime) -> datetime:
    """When a period's papers are scored: at its end, or now if it is not over yet."""
    return min(period.end, now)


def parse_day(text: str, name: str = "date") -> date:
    """'2024-11-18' -> that day."""
    match = _DAY.match(text.strip())
    if not match:
        raise InvalidPeriod(name, f"{_shown(text)} is not a day (expected YYYY-MM-DD, "
                                  "e.g. 2024-11-18)")
    year, month, day = (int(part) for part in match.groups())
    _check_year(name, text, year)
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidPeriod(name, f"{_shown(text)} is not a day of the calendar") from None


def week_bounds(text: str, name: str = "week") -> Period:
    """'2024-W47' -> its Monday to its Sunday (ISO 8601 weeks)."""
    match = _WEEK.match(text.strip())
    if not match:
        raise InvalidPeriod(name, f"{_shown(text)} is not an ISO week (expected YYYY-Www, "
                                  "e.g. 2024-W47)")
    year, week = (int(part) for part in match.groups())
    _check_year(name, text, year)
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidPeriod(name, f"{year} has no week {week}") from None
    return Period(monday, monday + timedelta(days=6))


def month_bounds(text: str, name: str = "month") -> Period:
    """'2024-11' -> its first to its last day."""
    match = _MONTH.match(text.strip())
    if not match:
        raise InvalidPeriod(name, f"{_shown(text)} is not a month (expected YYYY-MM, "
                                  "e.g. 2024-11)")
    year, month = (int(part) for part in match.groups())
    _check_year(name, text, year)
    if not 1 <= month <= 12:
        raise InvalidPeriod(name, f"{_shown(text)} is not a month of the calendar")
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period(first, following - timedelta(days=1))


def parse_period(day: str | None = None, week: str | None = None,
                 month: str | None = None) -> Period | None:
    """The period named by at most one of a day, an ISO week or a month; None for none."""
    given = [name for name, value in (("date", day), ("week", week), ("month", month))
             if value is not None]
    if len(given) > 1:
        raise InvalidPeriod(given[1], f"give only one of date, week and month "
                                      f"(got {' and '.join(given)})")
    if day is not None:
        one = parse_day(day)
        return Period(one, one)
    if week is not None:
        return week_bounds(week)
    if month is not None:
        return month_bounds(month)
    return None


def _check_year(name: str, text: str, year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidPeriod(name, f"{_shown(text)} is out of range (years {MIN_YEAR} to "
                                  f"{MAX_YEAR})")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


__all__ = ["GRAVITY", "InvalidPeriod", "Period", "age_hours", "day_start", "listing_day",
           "month_bounds", "parse_day", "parse_period", "trending_moment", "trending_score",
           "week_bounds"]
