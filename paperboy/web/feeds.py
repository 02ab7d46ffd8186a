"""RSS 2.0 and Atom feeds of a list of papers, built with feedgen (which writes through lxml, so
every string is XML-escaped).

A listing or search page at PATH has its feeds at PATH/feed.rss and PATH/feed.atom, with the
same query string (`/` has `/feed.rss`; `/search?q=x` has `/search/feed.rss?q=x`). Titles and
abstracts are plain text: Atom says so (`type="text"`); RSS descriptions are HTML by
convention, so there the abstract is HTML-escaped once more and readers show it as written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from paperboy.views import PaperView
from paperboy.web.errors import PageError
from paperboy.web.links import absolute, paper_path

FeedFormat = Literal["rss", "atom"]
FORMATS: tuple[FeedFormat, ...] = ("rss", "atom")
MEDIA_TYPES: dict[FeedFormat, str] = {"rss": "application/rss+xml",
                                      "atom": "application/atom+xml"}
FEED_SIZE = 50
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Channel:
    title: str
    description: str
    page_path: str  # the HTML page the feed follows, with its query string


@dataclass(frozen=True)
class Alternate:
    """A `<link rel="alternate">` of a page."""

    media_type: str
    href: str
    title: str


def feed_format(name: str) -> FeedFormat:
    """'rss' or 'atom' from the path; any other is a 404."""
    for known in FORMATS:
        if name == known:
            return known
    raise PageError(404, "No such feed", f"Feeds end in feed.rss or feed.atom, not "
                                         f"feed.{name[:20]}.")


def feed_path(page_path: str, fmt: FeedFormat) -> str:
    """`/papers/date/2024-11-18?sort=upvotes` -> `/papers/date/2024-11-18/feed.rss?sort=...`."""
    path, _, query = page_path.partition("?")
    return f"{path.rstrip('/')}/feed.{fmt}" + (f"?{query}" if query else "")


def alternates(page_path: str, title: str) -> list[Alternate]:
    return [Alternate(f"{MEDIA_TYPES[fmt]}", feed_path(page_path, fmt),
                      f"{title} ({fmt.upper() if fmt == 'rss' else 'Atom'})")
            for fmt in FORMATS]


def response(request: Request, fmt: FeedFormat, channel: Channel,
             papers: Sequence[PaperView]) -> Response:
    body = render(fmt, channel, papers, lambda path: absolute(request, path))
    return Response(body, media_type=f"{MEDIA_TYPES[fmt]}; charset=utf-8")


def render(fmt: FeedFormat, channel: Channel, papers: Sequence[PaperView],
           url: Callable[[str], str]) -> bytes:
    """The feed as bytes; `url` makes a path of this site absolute."""
    feed = FeedGenerator()
    page_url = url(channel.page_path)
    feed.id(page_url)
    feed.title(_text(channel.title))
    feed.description(_text(channel.description))
    feed.link(href=url(feed_path(channel.page_path, fmt)), rel="self")
    feed.link(href=page_url, rel="alternate")
    feed.language("en")
    if fmt == "rss":
        feed.load_extension("dc")
    dates = [paper.shown_at for paper in papers if paper.shown_at is not None]
    feed.updated(max(dates, default=datetime.now(UTC)))
    for paper in papers:
        _entry(feed, fmt, paper, url(paper_path(paper.id)))
    data: bytes = feed.rss_str(pretty=True) if fmt == "rss" else feed.atom_str(pretty=True)
    return data


def _entry(feed: FeedGenerator, fmt: FeedFormat, paper: PaperView, link: str) -> None:
    entry = feed.add_entry(order="append")
    entry.id(link)
    entry.title(_text(paper.title) or paper.id)
    entry.link(href=link)
    when = paper.shown_at or paper.published_at
    if when is not None:
        entry.published(when)
        entry.updated(when)
    for category in paper.categories:
        entry.category(term=_text(category))
    authors = [_text(name) for name in paper.authors if _text(name)]
    abstract = _text(paper.summary)
    if fmt == "rss":
        entry.guid(link, permalink=True)
        if authors:
            entry.dc.dc_creator(authors)
        entry.description(html.escape(abstract, quote=False) or " ")
    else:
        for name in authors:
            entry.author(name=name)
        entry.summary(abstract or " ", type="text")


def _text(value: str) -> str:
    """What XML can hold of a string (lxml refuses the rest)."""
    return _NOT_XML.sub("", value).strip()
