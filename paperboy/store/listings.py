"""Daily listings: the papers of a day, an ISO week or a month, sorted and paged.

A paper's listing day is the day a daily-papers listing showed it, else the day arXiv
announced it, else the day of its v1: `LISTING_DAY` here, `ranking.listing_day` in Python.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Date, Select, func, select, type_coerce

from paperboy import ranking
from paperboy.models import PaperRecord
from paperboy.ranking import Period
from paperboy.store import papers as store_papers
from paperboy.store.dialect import utc_day
from paperboy.store.schema import papers

Sort = Literal["publishedAt", "trending"]  # what the JSON API accepts
SORTS: tuple[Sort, ...] = ("publishedAt", "trending")
Order = Literal["publishedAt", "trending", "upvotes"]  # what the pages offer

LISTING_DAY = type_coerce(func.coalesce(papers.c.listing_date, papers.c.announced,
                                        utc_day(papers.c.published)), Date)
# Upvotes imported from a daily-papers listing plus this hub's own.
UPVOTES = func.coalesce(papers.c.upvotes, 0) + papers.c.local_upvotes
VISIBLE = papers.c.hidden_at.is_(None)


def latest_day(conn: Connection, submitter: str | None = None) -> date | None:
    """The latest listing day that has papers (of this submitter, if one is given)."""
    query = _where(select(func.max(LISTING_DAY)), None, submitter)
    day: date | None = conn.execute(query).scalar_one()
    return day


def count(conn: Connection, period: Period, submitter: str | None = None) -> int:
    """How many papers are listed in `period`."""
    return int(conn.execute(_where(select(func.count()), period, submitter)).scalar_one())


def neighbour_days(conn: Connection, period: Period) -> tuple[date | None, date | None]:
    """The latest listing day before `period` and the earliest after it that have papers."""
    day = LISTING_DAY
    before = select(type_coerce(func.max(day), Date)).where(day < period.first, VISIBLE)
    after = select(type_coerce(func.min(day), Date)).where(day > period.last, VISIBLE)
    return conn.execute(before).scalar_one(), conn.execute(after).scalar_one()


def recent(conn: Connection, days: int) -> Period | None:
    """The `days` days ending with the latest listing day that has papers (None: no papers)."""
    last = latest_day(conn)
    return Period(last - timedelta(days=days - 1), last) if last is not None else None


def daily_papers(conn: Connection, period: Period | None, *, now: datetime,
                 submitter: str | None = None, sort: Order = "publishedAt", offset: int = 0,
                 limit: int = 50) -> list[PaperRecord]:
    """One page of the papers listed in `period` (None: the latest day that has any).

    `publishedAt`: newest v1 first. `trending`: by `ranking.trending_score`, each paper aged
    from the start of its listing day to the end of the period (or `now`, if sooner).
    `upvotes`: most upvoted first (ties: newest v1 first).
    """
    if period is None:
        day = latest_day(conn, submitter)
        if day is None:
            return []
        period = Period(day, day)
    if sort == "trending":
        uids = _trending(conn, period, submitter, ranking.trending_moment(period, now))
        page = uids[offset:offset + limit]
    else:
        newest = (papers.c.published.desc().nulls_last(), papers.c.id.desc())
        order = ((UPVOTES.desc(), *newest) if sort == "upvotes"
                 else newest)
        query = (_where(select(papers.c.uid), period, submitter)
                 .order_by(*order).offset(offset).limit(limit))
        page = list(conn.execute(query).scalars())
    return store_papers.get_many(conn, page)


def submitted_by(conn: Connection, submitter: str, limit: int = 30) -> list[PaperRecord]:
    """The papers a user submitted, latest listing day first."""
    query = (_where(select(papers.c.uid), None, submitter)
             .order_by(LISTING_DAY.desc(), papers.c.id.desc()).limit(limit))
    return store_papers.get_many(conn, list(conn.execute(query).scalars()))


def listing_days(conn: Connection, uids: list[str]) -> dict[str, date | None]:
    """The listing day the store computes for each paper (for checks against ranking.py)."""
    query = select(papers.c.uid, LISTING_DAY).where(papers.c.uid.in_(uids))
    return {uid: day for uid, day in conn.execute(query)}


def _trending(conn: Connection, period: Period, submitter: str | None,
              at: datetime) -> list[str]:
    query = _where(select(papers.c.uid, UPVOTES, LISTING_DAY, papers.c.published),
                   period, submitter)
    scored = []
    for uid, upvotes, day, published in conn.execute(query):
        age = ranking.age_hours(ranking.day_start(day), at)
        score = ranking.trending_score(upvotes or 0, age)
        scored.append((-score, -(published.timestamp() if published else float("-inf")), uid))
    return [uid for *_, uid in sorted(scored)]


def _where(query: Select[Any], period: Period | None, submitter: str | None) -> Select[Any]:
    query = query.where(VISIBLE)
    if period is not None:
        query = query.where(LISTING_DAY.between(period.first, period.last))
    if submitter is not None:
        query = query.where(func.lower(papers.c.submitted_by) == submitter.lower())
    return query
