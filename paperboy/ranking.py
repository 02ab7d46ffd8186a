"""Pure ranking rules: numbers and dates in, order out. No database, no web.

- `listing_day`: the day a paper belongs to in a daily listing.
- `Period` and `parse_period`: the day, ISO week or month a listing covers.
- `trending_score`: hot ranking, upvotes decayed by age.
- digests: `merge_picks` (dedup across subscriptions), `trending_order`, `fold_name`.
- recommendations: `fit_preferences` (per-user logistic regression), `recommend`, `cold_start`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt

from paperboy.errors import InvalidValue
from paperboy.models import PaperRecord

GRAVITY = 1.8
MIN_YEAR, MAX_YEAR = 1, 9998  # so that every period and the day after it are dates

_DAY = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


class InvalidPeriod(InvalidValue):
    """A day, week or month that cannot be read; `name` is the parameter that held it."""

    @property
    def name(self) -> str:
        return self.field


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



# Digests: each subscription picks papers (in its own order, with the reason it picked them);
# a digest shows each paper once, with all its reasons, and at most a cap of them.

@dataclass(frozen=True)
class Pick:
    key: int  # the paper's row id
    reasons: tuple[str, ...]


def merge_picks(groups: Sequence[Sequence[tuple[int, str]]]) -> list[Pick]:
    """One list from each subscription's ordered (paper, reason) picks, each paper once.

    Interleaved by rank (every subscription's first pick, then every second one, ...), so a
    capped digest gives each subscription its best papers rather than one subscription all.
    """
    reasons: dict[int, list[str]] = {}
    order: dict[int, tuple[int, int]] = {}
    for group_index, group in enumerate(groups):
        for rank, (key, reason) in enumerate(group):
            if key not in reasons:
                reasons[key], order[key] = [], (rank, group_index)
            if reason not in reasons[key]:
                reasons[key].append(reason)
    return [Pick(key, tuple(reasons[key])) for key in sorted(order, key=order.__getitem__)]


def trending_order(items: Iterable[tuple[int, int, date | None, datetime | None]],
                   at: datetime) -> list[int]:
    """Keys of (key, upvotes, listing day, published) by trending score at `at`, hottest first
    (ties: newest first), as the listings' trending sort does."""
    scored = []
    for key, upvotes, day, published in items:
        since = day_start(day) if day else (published or at)
        score = trending_score(upvotes, age_hours(since, at))
        scored.append((-score, -(published.timestamp() if published else float("-inf")), key))
    return [key for *_, key in sorted(scored)]


def fold_name(name: str) -> str:
    """A person's name for matching: case, accents, dots and spacing folded away."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[.\-,]", " ", plain).split())


# Recommendations: a per-user linear classifier over paper embeddings (L2-regularised logistic
# regression, fitted by Newton's method: a few 385x385 solves), positives against a sample of
# other papers, as arxiv-sanity does with a per-tag SVM.

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LinearModel:
    weights: npt.NDArray[np.float64]
    bias: float

    def scores(self, vectors: Matrix) -> npt.NDArray[np.float64]:
        return np.asarray(vectors, dtype=np.float64) @ self.weights + self.bias


def fit_preferences(positives: Matrix, negatives: Matrix, l2: float = 1.0,
                    iterations: int = 12) -> LinearModel:
    """Logistic regression separating a user's papers from others, classes weighted equally."""
    if len(positives) == 0 or len(negatives) == 0:
        raise ValueError("need at least one positive and one negative example")
    x = np.vstack([positives, negatives]).astype(np.float64)
    x = np.hstack([x, np.ones((len(x), 1))])
    y = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))])
    weight = np.where(y == 1, len(y) / (2 * len(positives)), len(y) / (2 * len(negatives)))
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    theta = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ theta, -30, 30)))
        gradient = x.T @ (weight * (p - y)) + penalty * theta
        hessian = (x.T * (weight * p * (1 - p))) @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if float(np.abs(step).max()) < 1e-6:
            break
    return LinearModel(theta[:-1], float(theta[-1]))


def recommend(model: LinearModel, keys: Sequence[int], vectors: Matrix,
              limit: int) -> list[int]:
    """The `limit` keys whose vectors the model likes best, best first."""
    if not keys:
        return []
    scores = model.scores(vectors)
    order = np.lexsort((np.asarray(keys), -scores))  # ties: lower key first, for stable output
    return [keys[i] for i in order[:limit]]


def cold_start(candidates: Sequence[tuple[int, Sequence[str]]], liked: Sequence[str],
               trending: Sequence[int], limit: int) -> list[int]:
    """For a user with no papers of their own: papers in the categories they care about
    (weighted by how often), hottest first, then the rest of the trending list."""
    weight = Counter(liked)
    heat = {key: rank for rank, key in enumerate(trending)}
    matched = [(-sum(weight[c] for c in set(categories)), heat.get(key, len(heat)), key)
               for key, categories in candidates if any(c in weight for c in categories)]
    picked = [key for *_, key in sorted(matched)]
    chosen = set(picked)
    picked += [key for key in trending if key not in chosen]
    return picked[:limit]


__all__ = ["GRAVITY", "InvalidPeriod", "LinearModel", "Period", "Pick", "age_hours",
           "cold_start", "day_start", "fit_preferences", "fold_name", "listing_day",
           "merge_picks", "month_bounds", "parse_day", "parse_period", "recommend",
           "trending_moment", "trending_order", "trending_score", "week_bounds"]
