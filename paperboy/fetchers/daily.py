"""Fetch one day's daily-papers listing (`GET {daily_papers_url}?date=YYYY-MM-DD`) and write it.

The listing comes in pages of at most PAGE_SIZE; a full page means there may be another
(`p=1`, `p=2`, ...). All pages are fetched before anything is written, in one transaction.
"""

from __future__ import annotations

from datetime import date

from paperboy.config import Settings
from paperboy.fetchers.http import HttpClient, Params
from paperboy.fetchers.runs import (
    Progress,
    http_client,
    logged_run,
    quiet,
    write_in_one_transaction,
)
from paperboy.ingest import InputReport
from paperboy.models import PaperRecord
from paperboy.sources import daily_papers
from paperboy.sources.base import Item
from paperboy.store import Database

PAGE_SIZE = 100  # the most the listing API returns at once
MAX_PAGES = 50  # a server that ignores `p` would otherwise page forever


def fetch_daily(db: Database, settings: Settings, day: date, progress: Progress | None = None,
                *, client: HttpClient | None = None) -> InputReport:
    """The listing of `day`, every page of it, written to `db`."""
    say = progress or quiet
    url = settings.daily_papers_url
    report = InputReport(f"{url}?date={day.isoformat()}", daily_papers.FORMAT.name)
    with http_client(settings, client) as http, logged_run(db, report):
        items = _listing(http, url, day, say)
        say(f"{len(items)} paper(s) listed on {day.isoformat()}")
        write_in_one_transaction(db, items, report)
    return report


def _listing(http: HttpClient, url: str, day: date, say: Progress) -> list[Item]:
    """Every page of the day's listing."""
    items: list[Item] = []
    for page in range(MAX_PAGES):
        params: Params = {"date": day.isoformat(), "limit": PAGE_SIZE}
        if page:
            params = {**params, "p": page}
        say(f"GET {url} date={day.isoformat()} page {page + 1}")
        found = daily_papers.parse_listing(http.get(url, params), day)
        new = _new_items(items, found)
        items += new
        if len(found) < PAGE_SIZE or not new:
            break
    return items


def _new_items(seen: list[Item], page: list[Item]) -> list[Item]:
    """The page's items, less papers an earlier page already gave (pages can shift under us)."""
    known = {item.uid for item in seen if isinstance(item, PaperRecord)}
    return [item for item in page if not (isinstance(item, PaperRecord) and item.uid in known)]
