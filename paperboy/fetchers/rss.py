"""Fetch arXiv's announcement feed for some categories (one request) and write its papers.

Several categories come in one feed: rss.arxiv.org/rss/cs.CL+cs.LG. Also home of what the
daily fetcher shares: `logged_run` (the ingest_runs entry), `http_client`, `write_all`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from paperboy.config import Settings
from paperboy.errors import FetchError, InvalidRecord, PaperboyError
from paperboy.fetchers.http import HttpClient
from paperboy.ingest import InputReport, write_items
from paperboy.sources import rss
from paperboy.sources.base import Item
from paperboy.store import Database, runs
from paperboy.store.papers import Counts

Progress = Callable[[str], None]

# An archive (cs, hep-th, q-bio), optionally with a subject class (cs.CL, cond-mat.mes-hall).
CATEGORY = re.compile(r"^[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[a-z]+)?)?$")


def fetch_rss(db: Database, settings: Settings, categories: Sequence[str],
              progress: Progress | None = None, *, client: HttpClient | None = None
              ) -> InputReport:
    """Today's announcements in `categories` (e.g. ["cs.CL", "cs.LG"]), written to `db`.

    Bad category names raise InvalidRecord before any request; a failed fetch is logged and
    raised as FetchError, and writes nothing.
    """
    url = feed_url(settings, valid_categories(categories))
    report = InputReport(url, rss.FORMAT.name)
    with http_client(settings, client) as http, logged_run(db, report):
        if progress:
            progress(f"GET {url}")
        items = list(rss.parse(io.BytesIO(http.get(url))))
        if progress:
            progress(f"{len(items)} announcement(s) in the feed")
        write_all(db, items, report)
    return report


def valid_categories(categories: Sequence[str]) -> list[str]:
    """The categories without repeats, or InvalidRecord naming the first that is not one."""
    names = list(dict.fromkeys(c.strip() for c in categories))
    if not names:
        raise InvalidRecord("categories", "no category given (e.g. cs.CL)")
    for name in names:
        if not CATEGORY.match(name):
            raise InvalidRecord("categories", f"{name[:40]!r} is not an arXiv category like cs.CL")
    return names


def feed_url(settings: Settings, categories: Sequence[str]) -> str:
    return f"{settings.arxiv_rss_url.rstrip('/')}/rss/{'+'.join(categories)}"


def write_all(db: Database, items: Iterable[Item], report: InputReport) -> None:
    """Write a whole fetch in one transaction, counting into `report`."""
    with db.engine.begin() as conn:
        write_items(conn, items, report, skip_invalid=True)


@contextmanager
def http_client(settings: Settings, client: HttpClient | None) -> Iterator[HttpClient]:
    """The caller's client (left open), or a new one closed afterwards."""
    if client is not None:
        yield client
        return
    with HttpClient(settings) as own:
        yield own


@contextmanager
def logged_run(db: Database, report: InputReport) -> Iterator[None]:
    """Log the block as an ingest run; on failure log the error and raise it as FetchError.

    The run is committed as running first, so that a slow fetch shows. A failed run counts
    only the rejected records: the block's transaction, if it got that far, was rolled back.
    """
    with db.engine.begin() as conn:
        run_id = runs.start_run(conn, report.source, report.format)
    try:
        yield
    except BaseException as error:  # an interrupted fetch must not stay "running"
        with db.engine.begin() as conn:
            runs.finish_run(conn, run_id, Counts(rejected=report.counts.rejected),
                            error=str(error) or type(error).__name__)
        if isinstance(error, PaperboyError) and not isinstance(error, FetchError):
            raise FetchError(f"{report.source}: {error}") from error
        raise
    with db.engine.begin() as conn:
        runs.finish_run(conn, run_id, report.counts)
