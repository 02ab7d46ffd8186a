"""The daily schedule: each job's name, when it runs next, how long it may hold its lease,
and what it does (a call into fetchers/, search/ or mail/ returning a JSON summary)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from paperboy import schedule
from paperboy.config import Settings
from paperboy.store import Database
from paperboy.store import jobs as job_store

Summary = dict[str, Any]
log = logging.getLogger(__name__)
ARXIV_ZONE = "America/New_York"
# arXiv announces at 20:00 Eastern, Sunday to Thursday, but its OAI-PMH interface has the
# evening's records later: "metadata is made available via the OAI-PMH interface once they are
# announced, typically around 10pm EST Sunday through Thursday" (info.arxiv.org/help/oa). So
# harvest at 22:30 New York time (EST or EDT, whichever is in force), Sunday to Thursday. An
# evening whose update comes later still is not lost: the next harvest starts from this one.
HARVEST_AT, HARVEST_DAYS = time(22, 30), frozenset({6, 0, 1, 2, 3})
# The harvest's `from`: the UTC day the last successful harvest started, a day earlier (see
# harvest_from); the first harvest looks FIRST_HARVEST back, and none looks further back than
# MAX_HARVEST (the rest of a longer gap is left to `paperboy fetch arxiv`, and said so).
HARVEST_OVERLAP = timedelta(days=1)
FIRST_HARVEST = timedelta(days=2)
MAX_HARVEST = timedelta(days=30)


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


@dataclass(frozen=True)
class HarvestWindow:
    start: date  # the OAI-PMH `from` (a UTC day, inclusive)
    last_ok: datetime | None  # when the last successful harvest started; None before the first
    wanted: date  # where the window would start without MAX_HARVEST

    @property
    def capped(self) -> bool:
        return self.start > self.wanted


def harvest_from(last_ok: datetime | None, now: datetime) -> HarvestWindow:
    """Where a harvest at `now` starts, given when the last successful one started.

    arXiv's OAI-PMH datestamps are the UTC day a record last changed, and arXiv asks
    incremental harvesters to ask `from` the date of their last harvest (info.arxiv.org/help/oa).
    We take the UTC day our last successful harvest *started* (a run that failed or died
    harvested some pages at most, so it does not count; a harvest that found nothing still
    does), a day earlier: records stamped before that day but published to OAI-PMH after the run
    (arXiv stamps the 20:00 announcement with the next UTC day and publishes it hours later),
    and a clock a little off, are all asked for again. Re-harvesting is harmless: ingest is
    idempotent. The run's own day rather than the latest datestamp it saw, because it is always
    there: a harvest that matched no record, or a day arXiv did not announce, gives no datestamp
    but still says that nothing up to then was missed.
    """
    today = now.astimezone(UTC).date()
    if last_ok is None:
        wanted = today - FIRST_HARVEST
    else:  # a last run stamped after now (a clock set back) still asks for a day
        wanted = min(last_ok.astimezone(UTC).date(), today) - HARVEST_OVERLAP
    return HarvestWindow(max(wanted, today - MAX_HARVEST), last_ok, wanted)


def harvest(db: Database, settings: Settings, now: datetime) -> Summary:
    """OAI-PMH records in each configured set changed since a day before the last successful
    harvest (resumable, idempotent); see harvest_from."""
    from paperboy.fetchers.arxiv import harvest as fetch

    with db.engine.connect() as conn:
        last = job_store.last_run(conn, "harvest", status="ok")
    window = harvest_from(last.started_at if last else None, now)
    sets = settings.harvest_sets.split()
    summary: Summary = {"from": window.start.isoformat(), "sets": sets,
                        "last_ok": window.last_ok.isoformat() if window.last_ok else None}
    if window.capped:
        assert window.last_ok is not None
        summary["note"] = (
            f"the last successful harvest started {window.last_ok.astimezone(UTC):%Y-%m-%d %H:%M}"
            f" UTC; harvesting from {window.start} only (at most {MAX_HARVEST.days} days back); "
            "the rest: " + "; ".join(f"paperboy fetch arxiv --set {spec} --from {window.wanted} "
                                     f"--until {window.start}" for spec in sets))
        log.warning("harvest: %s", summary["note"])
    reports = [fetch(db, settings, spec, window.start) for spec in sets]
    return summary | {"new": sum(r.counts.new for r in reports),
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
    """Queued link mails: confirmations, manage links, password and reset links (the web
    sends them at once; this catches failures)."""
    from paperboy.mail.links import send_queued

    return send_queued(db, settings)


JOBS: dict[str, JobSpec] = {spec.name: spec for spec in [
    JobSpec("harvest", "harvest arXiv (OAI-PMH) after each announcement", harvest,
            after_announcement, timedelta(hours=2)),
    JobSpec("daily", "fetch the daily-papers listing", daily, every(timedelta(hours=3))),
    JobSpec("embed", "index and embed new papers", embed, every(timedelta(hours=1)),
            timedelta(hours=2)),
    JobSpec("digests", "send digests at each user's hour", digests,
            every(timedelta(minutes=10)), timedelta(minutes=30)),
    JobSpec("confirmations", "send queued confirmation, manage, password and reset links",
            confirmations,
            every(timedelta(minutes=5)), timedelta(minutes=10)),
]}
