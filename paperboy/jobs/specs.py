"""The daily schedule: each job's name, when it runs next, how long it may hold its lease,
and what it does (a call into fetchers/, search/ or mail/ returning a JSON summary)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from paperboy import schedule
from paperboy.config import Settings
from paperboy.store import Database

Summary = dict[str, Any]
ARXIV_ZONE = "America/New_York"
# arXiv announces at 20:00 Eastern, Sunday to Thursday; harvest half an hour later.
HARVEST_AT, HARVEST_DAYS = time(20, 30), frozenset({6, 0, 1, 2, 3})


@dataclass(frozen=True)
class JobSpec:
    name: str
    description: str
    run: Callable[[Database, Settings, datetime], Summary]
    next_due: Callable[[datetime], datetime]  # the first run after `now`
    lease: timedelta = timedelta(minutes=30)


def every(interval: timedelta) -> Callable[[datetime], datetime]:
    """Due at the next multiple of `interval` since midnight UTC (steady, whatever the start)."""
    def next_due(now: datetime) -> datetime:
        midnight = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
        steps = (now - midnight) // interval + 1
        return midnight + steps * interval
    return next_due


def after_announcement(now: datetime) -> datetime:
    return schedule.next_at(now, schedule.zone(ARXIV_ZONE), HARVEST_AT, HARVEST_DAYS)


def harvest(db: Database, settings: Settings, now: datetime) -> Summary:
    """OAI-PMH records of the last two days in each configured set (resumable, idempotent)."""
    from paperboy.fetchers.arxiv import harvest as fetch

    since = now.astimezone(UTC).date() - timedelta(days=2)
    reports = [fetch(db, settings, spec, since) for spec in settings.harvest_sets.split()]
    return {"from": since.isoformat(), "sets": settings.harvest_sets.split(),
            "new": sum(r.counts.new for r in reports),
            "updated": sum(r.counts.updated for r in reports)}


def daily(db: Database, settings: Settings, now: datetime) -> Summary:
    """Today's daily-papers listing and yesterday's (late additions and upvotes)."""
    from paperboy.fetchers.daily import fetch_daily

    today = now.astimezone(UTC).date()
    reports = [fetch_daily(db, settings, day) for day in (today - timedelta(days=1), today)]
    return {"days": [str(today - timedelta(days=1)), str(today)],
            "new": sum(r.counts.new for r in reports),
            "updated": sum(r.counts.updated for r in reports)}


def embed(db: Database, settings: Settings, now: datetime) -> Summary:
    """Search terms and embeddings for papers that lack them."""
    from paperboy.search.embed import load_embedder
    from paperboy.search.indexer import index_papers

    embedder, why = load_embedder()
    summary: Summary = index_papers(db, embedder).as_dict()
    return summary | ({"note": why} if why else {})


def digests(db: Database, settings: Settings, now: datetime) -> Summary:
    """Each user's digest once their hour has come in their time zone."""
    from paperboy.mail import digests as runs

    return runs.send(db, settings, runs.due(db, now)).as_dict()


def confirmations(db: Database, settings: Settings, now: datetime) -> Summary:
    """Queued sign-up confirmation mails (the web sends them at once; this catches failures)."""
    from paperboy.mail.signup import send_confirmations

    return send_confirmations(db, settings)


JOBS: dict[str, JobSpec] = {spec.name: spec for spec in [
    JobSpec("harvest", "harvest arXiv (OAI-PMH) after each announcement", harvest,
            after_announcement, timedelta(hours=2)),
    JobSpec("daily", "fetch the daily-papers listing", daily, every(timedelta(hours=3))),
    JobSpec("embed", "index and embed new papers", embed, every(timedelta(hours=1)),
            timedelta(hours=2)),
    JobSpec("digests", "send digests at each user's hour", digests,
            every(timedelta(minutes=10)), timedelta(minutes=30)),
    JobSpec("confirmations", "send queued sign-up confirmations", confirmations,
            every(timedelta(minutes=5)), timedelta(minutes=10)),
]}
