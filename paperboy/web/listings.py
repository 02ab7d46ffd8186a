"""Listing pages and their feeds: the latest day (`/`), a day, an ISO week, a month, trending.

Each page takes `?sort=trending|upvotes|newest` and `?p=` (from 1); its feeds are the same path
plus `/feed.rss` or `/feed.atom` (first page only, `FEED_SIZE` papers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from paperboy import ranking
from paperboy.ranking import Period
from paperboy.store import listings
from paperboy.store.listings import Order
from paperboy.views import PaperView
from paperboy.web import feeds
from paperboy.web.errors import PageError
from paperboy.web.links import absolute, with_params
from paperboy.web.paging import PAGE_SIZE, PageNumber, Pager
from paperboy.web.periods import Kind, Neighbours, Span, neighbours, span_text
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)

ListingSort = Literal["trending", "upvotes", "newest"]
SORTS: tuple[tuple[ListingSort, str], ...] = (
    ("trending", "Trending"), ("upvotes", "Most upvoted"), ("newest", "Newest"))
ORDER: dict[ListingSort, Order] = {"trending": "trending", "upvotes": "upvotes",
                                   "newest": "publishedAt"}
TRENDING_DAYS = 7
NOUNS: dict[Kind, str] = {"date": "day", "week": "week", "month": "month"}

SortParam = Annotated[ListingSort, Query(description="trending, upvotes or newest.")]


@dataclass(frozen=True)
class Around:
    """The links beside a period's heading."""

    noun: str
    previous: Span | None
    next: Span | None
    wider: list[Span] = field(default_factory=list)


@router.get("/", response_class=HTMLResponse)
def latest(request: Request, sort: SortParam = "trending", p: PageNumber = 1) -> Response:
    with _connect(request) as conn:
        day = listings.latest_day(conn)
    if day is None:
        return render(request, "listing.html", {"title": "Latest papers", "heading":
                                                "Latest papers", "papers": [],
                                                "empty_hub": True, "section": "latest"})
    span = Span.containing("date", day)
    return _period_page(request, span, sort, p, front=True)


@router.get("/papers/trending", response_class=HTMLResponse)
def trending(request: Request, sort: SortParam = "trending", p: PageNumber = 1) -> Response:
    with _connect(request) as conn:
        period = listings.recent(conn, TRENDING_DAYS)
        found, pager = _page(conn, period, sort, p)
    context = {"title": "Trending papers", "heading": "Trending papers",
               "subheading": (f"Papers listed {span_text(period)}, by upvotes that fade with "
                              "age" if period else None),
               "empty_hub": period is None, "empty_text": "recently", "section": "trending"}
    return _render(request, context, found, pager, sort, "/papers/trending")


@router.get("/papers/date/{day}", response_class=HTMLResponse)
def day_page(request: Request, day: str, sort: SortParam = "trending",
             p: PageNumber = 1) -> Response:
    return _period_page(request, _span("date", day), sort, p)


@router.get("/papers/week/{week}", response_class=HTMLResponse)
def week_page(request: Request, week: str, sort: SortParam = "trending",
              p: PageNumber = 1) -> Response:
    return _period_page(request, _span("week", week), sort, p)


@router.get("/papers/month/{month}", response_class=HTMLResponse)
def month_page(request: Request, month: str, sort: SortParam = "trending",
               p: PageNumber = 1) -> Response:
    return _period_page(request, _span("month", month), sort, p)


@router.get("/feed.{fmt}")
def latest_feed(request: Request, fmt: str, sort: SortParam = "trending") -> Response:
    with _connect(request) as conn:
        day = listings.latest_day(conn)
        found = _feed_papers(conn, Period(day, day) if day else None, sort)
    channel = feeds.Channel("paperboy: latest papers", "The papers of the latest day.",
                            with_params(request, "/"))
    return feeds.response(request, feeds.feed_format(fmt), channel, found)


@router.get("/papers/trending/feed.{fmt}")
def trending_feed(request: Request, fmt: str, sort: SortParam = "trending") -> Response:
    with _connect(request) as conn:
        found = _feed_papers(conn, listings.recent(conn, TRENDING_DAYS), sort)
    channel = feeds.Channel("paperboy: trending papers",
                            f"Papers of the last {TRENDING_DAYS} listing days, by upvotes "
                            "that fade with age.", with_params(request, "/papers/trending"))
    return feeds.response(request, feeds.feed_format(fmt), channel, found)


@router.get("/papers/date/{day}/feed.{fmt}")
def day_feed(request: Request, day: str, fmt: str, sort: SortParam = "trending") -> Response:
    return _period_feed(request, _span("date", day), fmt, sort)


@router.get("/papers/week/{week}/feed.{fmt}")
def week_feed(request: Request, week: str, fmt: str, sort: SortParam = "trending") -> Response:
    return _period_feed(request, _span("week", week), fmt, sort)


@router.get("/papers/month/{month}/feed.{fmt}")
def month_feed(request: Request, month: str, fmt: str, sort: SortParam = "trending"
               ) -> Response:
    return _period_feed(request, _span("month", month), fmt, sort)


def _period_feed(request: Request, span: Span, fmt: str, sort: ListingSort) -> Response:
    with _connect(request) as conn:
        found = _feed_papers(conn, span.period, sort)
    channel = feeds.Channel(f"paperboy: {span.label}", f"The papers listed in {span.label}.",
                            with_params(request, span.path))
    return feeds.response(request, feeds.feed_format(fmt), channel, found)


def _period_page(request: Request, span: Span, sort: ListingSort, number: int,
                 front: bool = False) -> Response:
    with _connect(request) as conn:
        found, pager = _page(conn, span.period, sort, number)
        near = _front_neighbours(conn, span) if front else neighbours(conn, span)
    noun = NOUNS[span.kind]
    context = {"title": "Latest papers" if front else f"Papers of {span.label}",
               "heading": span.label, "section": "latest" if front else None,
               "subheading": "The latest day with papers" if front else None,
               "around": Around(noun, near.previous, near.next, span.wider()),
               "empty_text": f"on {span.label}" if span.kind == "date" else f"in {span.label}",
               "canonical": absolute(request, span.path) if front else None}
    path = "/" if front else span.path
    return _render(request, context, found, pager, sort, path)


def _front_neighbours(conn: Connection, span: Span) -> Neighbours:
    """The latest day's: nothing comes after it, so only the day before is looked up."""
    before = listings.day_before(conn, span.period.first)
    return Neighbours(Span.containing("date", before) if before else None, None)


def _render(request: Request, context: dict[str, Any], found: list[PaperView], pager: Pager,
            sort: ListingSort, path: str) -> Response:
    page_path = with_params(request, path, p=None)
    context |= {"papers": found, "pager": pager, "sort": sort, "sorts": SORTS,
                "feeds": feeds.alternates(page_path, context["title"])}
    return render(request, "listing.html", context)


def _page(conn: Connection, period: Period | None, sort: ListingSort,
          number: int) -> tuple[list[PaperView], Pager]:
    if period is None:
        return [], Pager(1, 0)
    total, found = listings.listed_page(conn, period, now=datetime.now(UTC), sort=ORDER[sort],
                                        offset=Pager(number, 0).offset, limit=PAGE_SIZE)
    pager = Pager(number, total).check()
    return [PaperView.of(record) for record in found], pager


def _feed_papers(conn: Connection, period: Period | None, sort: ListingSort
                 ) -> list[PaperView]:
    if period is None:
        return []
    found = listings.daily_papers(conn, period, now=datetime.now(UTC), sort=ORDER[sort],
                                  limit=feeds.FEED_SIZE)
    return [PaperView.of(record) for record in found]


def _span(kind: Kind, text: str) -> Span:
    try:
        return Span.parse(kind, text)
    except ranking.InvalidPeriod as error:
        raise PageError(404, f"No such {NOUNS[kind]}", f"{error.reason}.") from None


def _connect(request: Request) -> Connection:
    conn: Connection = request.app.state.db.engine.connect()
    return conn
