"""Daily listings: the papers of a day, an ISO week or a month, sorted and paged.

A paper's listing day is the day a daily-papers listing showed it, else the day arXiv
announced it, else the day of its v1: `LISTING_DAY` here, `ranking.listing_day` in Python.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Date,
    Select,
    and_,
    bindparam,
    func,
    null,
    or_,
    select,
    type_coerce,
)

from paperboy import ranking
from paperboy.models import PaperRecord
from paperboy.ranking import Period
from paperboy.store import papers as store_papers
from paperboy.store.dialect import utc_day
from paperboy.store.schema import papers

Sort = Literal["publishedAt", "trending"]  # what the JSON API accepts
SORTS: tuple[Sort, ...] = ("publishedAt", "trending")
Order = Literal["publishedAt", "trending", "upvotes"]  # what the pages offer
Side = Literal["before", "after"] | None  # of a day, for the nearest listing day

LISTING_DAY = type_coerce(func.coalesce(papers.c.listing_date, papers.c.announced,
                                        utc_day(papers.c.published)), Date)
# Upvotes imported from a daily-papers listing plus this hub's own.
UPVOTES = func.coalesce(papers.c.upvotes, 0) + papers.c.local_upvotes
VISIBLE = papers.c.hidden_at.is_(None)


def latest_day(conn: Connection, submitter: str | None = None) -> date | None:
    """The latest listing day that has papers (of this submitter, if one is given)."""
    if submitter is None:
        return _edge_day(conn, latest=True)
    query = _where(select(func.max(LISTING_DAY)), None, submitter)
    day: date | None = conn.execute(query).scalar_one()
    return day


def count(conn: Connection, period: Period, submitter: str | None = None) -> int:
    """How many papers are listed in `period`."""
    return int(conn.execute(_where(select(func.count()), period, submitter)).scalar_one())


def neighbour_days(conn: Connection, period: Period) -> tuple[date | None, date | None]:
    """The latest listing day before `period` and the earliest after it that have papers."""
    return day_before(conn, period.first), _edge_day(conn, latest=False, after=period.last)


def day_before(conn: Connection, day: date) -> date | None:
    """The latest listing day before `day` that has papers."""
    return _edge_day(conn, latest=True, before=day)


def listed_page(conn: Connection, period: Period, *, now: datetime, sort: Order,
                offset: int, limit: int) -> tuple[int, list[PaperRecord]]:
    """How many papers `period` lists, and one page of them (`daily_papers`' order): by
    trending, the count comes from the scoring, which reads every paper of the period anyway."""
    if sort == "trending":
        uids = _trending(conn, period, None, ranking.trending_moment(period, now))
        return len(uids), store_papers.get_many(conn, uids[offset:offset + limit])
    return count(conn, period), daily_papers(conn, period, now=now, sort=sort, offset=offset,
                                             limit=limit)


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
        query = query.where(_listed_in(period.first, period.last))
    if submitter is not None:
        query = query.where(func.lower(papers.c.submitted_by) == submitter.lower())
    return query


# LISTING_DAY is a COALESCE, which no index answers: a filter or an edge on it is spelled per
# source of the day instead (listing date; else announcement; else v1), so that each branch
# reads the index of its own column rather than the whole table.


def _listed_in(first: date, last: date) -> ColumnElement[bool]:
    """LISTING_DAY between `first` and `last` (both included)."""
    listed, announced, published = papers.c.listing_date, papers.c.announced, papers.c.published
    return or_(listed.between(first, last),
               and_(_unset(listed), announced.between(first, last)),
               and_(_unset(listed), _unset(announced),
                    published >= ranking.day_start(first),
                    published < ranking.day_start(last + timedelta(days=1))))


def _unset(column: ColumnElement[Any]) -> ColumnElement[bool]:
    """`column IS NULL`, spelled so that no index answers it: the planner (SQLite's, without
    statistics) would otherwise read every paper without that date through its index."""
    return func.coalesce(column, null()).is_(None)


def _edge_day(conn: Connection, *, latest: bool, before: date | None = None,
              after: date | None = None) -> date | None:
    """The latest (or earliest) LISTING_DAY of a visible paper, before or after a day if given:
    the nearest of each branch's nearest, each found by one index read (in one statement)."""
    side: Side = None
    params: dict[str, Any] = {}
    if before is not None:
        side, params = "before", {"day": before, "moment": ranking.day_start(before)}
    if after is not None:
        side, params = "after", {"day": after,
                                 "moment": ranking.day_start(after + timedelta(days=1))}
    values = conn.execute(_edge_statement(latest, side), params).one()
    found = [value.date() if isinstance(value, datetime) else value
             for value in values if value is not None]
    if not found:
        return None
    return max(found) if latest else min(found)


@cache
def _edge_statement(latest: bool, side: Side) -> Select[Any]:
    """`_edge_day`'s statement, built once (building it costs far more than running it); the
    bound is `:day` for the date columns and `:moment` (its start, as a UTC time) for v1."""
    listed, announced, published = papers.c.listing_date, papers.c.announced, papers.c.published
    nearest = []
    # The v1 branch is found through the few papers without an announcement day.
    for column, unset in ((listed, []), (announced, [_unset(listed)]),
                          (published, [_unset(listed), announced.is_(None)])):
        query = select(column).where(VISIBLE, column.is_not(None), *unset)
        bound: BindParameter[Any] = bindparam("moment" if column is published else "day")
        if side == "before":
            query = query.where(column < bound)
        elif side == "after":
            query = query.where(column >= bound if column is published else column > bound)
        nearest.append(query.order_by(column.desc() if latest else column.asc()).limit(1)
                       .scalar_subquery())
    return select(*nearest)
