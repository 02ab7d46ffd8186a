"""Fetch arXiv's announcement feed for some categories (one request) and write its papers.

Several categories come in one feed: rss.arxiv.org/rss/cs.CL+cs.LG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from paperboy import categories as arxiv_categories
from paperboy.config import Settings
from paperboy.errors import InvalidRecord
from paperboy.fetchers.http import HttpClient
from paperboy.fetchers.runs import (
    Progress,
    http_client,
    logged_run,
    quiet,
    write_in_one_transaction,
)
from paperboy.ingest import InputReport
from paperboy.sources import rss
from paperboy.store import Database


def fetch_rss(db: Database, settings: Settings, categories: Sequence[str],
              progress: Progress | None = None, *, client: HttpClient | None = None
              ) -> InputReport:
    """Today's announcements in `categories` (e.g. ["cs.CL", "cs.LG"]), written to `db`.

    Bad category names raise InvalidRecord before any request; a failed fetch is logged and
    raised as FetchError, and writes nothing.
    """
    say = progress or quiet
    url = feed_url(settings, valid_categories(categories))
    report = InputReport(url, rss.FORMAT.name)
    with http_client(settings, client) as http, logged_run(db, report):
        say(f"GET {url}")
        items = list(rss.parse(io.BytesIO(http.get(url))))
        say(f"{len(items)} announcement(s) in the feed")
        write_in_one_transaction(db, items, report)
    return report


def valid_categories(categories: Sequence[str]) -> list[str]:
    """The categories as arXiv writes them, without repeats, or InvalidRecord naming the first
    that is not one (before any request: a made-up name would be pasted into the URL)."""
    if not categories:
        raise InvalidRecord("categories", "no category given (e.g. cs.CL)")
    try:
        return list(dict.fromkeys(arxiv_categories.checked(name) for name in categories))
    except arxiv_categories.UnknownCategory as problem:
        raise InvalidRecord("categories", problem.reason) from None


def feed_url(settings: Settings, categories: Sequence[str]) -> str:
    return f"{settings.arxiv_rss_url.rstrip('/')}/rss/{'+'.join(categories)}"

