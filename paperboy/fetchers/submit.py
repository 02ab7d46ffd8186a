"""A user submits a paper by arXiv id or URL: fetched from the arXiv API, added to today's
listing with the submitter recorded. Papers already listed, or whose v1 is older than the
window (14 days by default, as on the site we follow), are refused with a reason."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from paperboy.config import Settings
from paperboy.errors import FetchError, InvalidRecord, PaperboyError
from paperboy.fetchers.http import HttpClient
from paperboy.fetchers.runs import http_client
from paperboy.models import PaperRecord, split_arxiv_id
from paperboy.sources import arxiv_atom
from paperboy.store import Database, papers


class Refused(PaperboyError):
    """The submission is not taken; the message says why, for the submitter."""

    def __init__(self, message: str, existing: str | None = None) -> None:
        super().__init__(message)
        self.existing = existing  # uid of the paper already listed, for a link


def submit(db: Database, settings: Settings, text: str, submitter: str, *,
           today: date | None = None, client: HttpClient | None = None) -> PaperRecord:
    """Add the paper named by `text` to today's listing; its stored record."""
    today = today or datetime.now(UTC).date()
    parts = split_arxiv_id(text.strip()[:300])
    if parts is None:
        raise Refused("That is not an arXiv id or URL (like 2411.10440 or "
                      "https://arxiv.org/abs/2411.10440).")
    uid = parts[0]
    with db.engine.connect() as conn:
        existing = papers.get(conn, uid)
    if existing is not None and (existing.listing_date or existing.submitted_by):
        raise Refused(f"arXiv:{uid} is already listed here.", existing=uid)
    record = existing or _fetch(settings, uid, client)
    oldest = today - timedelta(days=settings.submit_window_days)
    if record.published is not None and record.published.date() < oldest:
        raise Refused(f"arXiv:{uid} first appeared on {record.published.date()}, more than "
                      f"{settings.submit_window_days} days ago; only recent papers can be "
                      "submitted.")
    listed = dataclasses.replace(record, listing_date=today, submitted_by=submitter)
    with db.engine.begin() as conn:
        papers.upsert(conn, [listed])
        stored = papers.get(conn, uid)
    assert stored is not None
    return stored


def _fetch(settings: Settings, uid: str, client: HttpClient | None) -> PaperRecord:
    try:
        with http_client(settings, client) as http:
            page = arxiv_atom.parse_page(http.get(settings.arxiv_api_url,
                                                  {"id_list": uid, "max_results": 1}))
    except (FetchError, InvalidRecord) as error:
        raise Refused(f"arXiv could not be asked about arXiv:{uid} just now ({error}); "
                      "try again later.") from error
    for item in page.items:
        if isinstance(item, PaperRecord) and item.uid == uid:
            return item
    raise Refused(f"arXiv has no paper arXiv:{uid}.")
