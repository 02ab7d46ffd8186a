"""A fresh hub's first two days, end to end: the worker runs its scheduled jobs one after the
other (harvest, daily, embed, digests, confirmations) against real parts, and we look at what
a user would see.

- arXiv's OAI-PMH and the daily-papers listing are replayed by a local HTTP server from
  recorded, trimmed responses (tests/fixtures/pipeline/); nothing leaves the machine,
- the database is a real SQLite file, and a real PostgreSQL database (`db` runs each test on
  both),
- the embed job loads the real embedding model, offline,
- the digest goes to a real SMTP server (aiosmtpd on loopback).

The worker is driven as `paperboy worker` drives it (`Worker.run_once`), its clock set to a
moment each job is due: Tuesday 2026-11-24 06:05 UTC (after Monday's 20:00 announcement in New
York, and just after the reader's 7:00 digest hour in Berlin), then the same time a day later.
The second day gives nothing new, so nothing is stored or sent twice. When arXiv answers 503
or garbage, the harvest's error and retry time are recorded and the other jobs run anyway.

A harvested paper's listing day is the day arXiv announced it, its v1 record's datestamp (not
its v1's UTC day), so one announced a day after its submission reaches the next digest. The
recorded datestamps name the evening of arXiv's 20:00 Eastern announcement; arXiv's own, in UTC,
name the next day (as its listings and feeds do), so real papers reach the digest a day later.

The harvest asks for records changed from a day before its last successful run (the first ever
looks two days back, none more than 30): arXiv's OAI-PMH has Thursday evening's papers, stamped
Friday in UTC, only after the 22:30 Thursday harvest or not at all before Sunday's, and a worker
down for days must catch up. For those tests the replay answers a harvest only when its `from`
reaches back to the page's records, as arXiv would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from paperboy.config import Settings, load_settings
from paperboy.jobs.worker import RunResult, Worker
from paperboy.search.embed import MODEL_NAME, Embedder, load_embedder
from paperboy.search.engine import SearchEngine
from paperboy.store import Database, digests, papers, runs, subscriptions, users
from paperboy.store import jobs as store
from paperboy.store.schema import users as users_table
from tests.conftest import FIXTURES
from tests.mail.conftest import SECRET
from tests.mail.smtpd import SmtpServer
from tests.replay import HOSTILE_BODIES, Query, ReplayServer, Reply

RECORDED = FIXTURES / "pipeline"
OAI, DAILY = "/oai", "/api/daily_papers"
TOKEN = "7311042|1001"  # the resumption token on the harvest's first page
XML, JSON = {"Content-Type": "text/xml"}, {"Content-Type": "application/json"}

DAY_1 = datetime(2026, 11, 24, 6, 5, tzinfo=UTC)
DAY_2 = DAY_1 + timedelta(days=1)
JOB_NAMES = ["harvest", "daily", "embed", "digests", "confirmations"]

# The paper a reader looks for: harvested only (not in any daily listing), in cs.CL, first
# announced on Monday 23 November.
WANTED = "2611.00101"
WANTED_TITLE = "Lossless Tokenizer Transfer Between Multilingual Language Models"
HARVESTED = {WANTED, "2611.00102", "2611.00103", "2510.04321"}  # 2611.00099 is deleted
LISTED = {"2611.00102", "2611.00201", "2611.00301"}  # 2611.00102 comes from both sources
READER = "ada@example.org"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Hub:
    db: Database
    settings: Settings
    sources: ReplayServer
    smtp: SmtpServer
    clock: Clock

    def run(self, at: datetime) -> dict[str, RunResult]:
        """One pass of the worker at `at`: every due job, each job's result by name."""
        self.clock.now = at
        worker = Worker(self.db, self.settings, clock=self.clock, owner="pipeline")
        results = worker.run_once()
        assert [r.job for r in results] == JOB_NAMES
        return {r.job: r for r in results}

    def harvest(self, at: datetime) -> RunResult:
        """The worker at `at` running the harvest alone (if due)."""
        self.clock.now = at
        worker = Worker(self.db, self.settings, clock=self.clock, owner="pipeline")
        [result] = worker.run_once(["harvest"])
        return result

    def job(self, name: str) -> store.Job:
        with self.db.engine.connect() as conn:
            found = store.get(conn, name)
        assert found is not None
        return found

    def recorded_runs(self, name: str) -> list[store.JobRun]:
        """The job's recorded runs, oldest first."""
        with self.db.engine.connect() as conn:
            return store.recent_runs(conn, name=name)[::-1]

    def stored(self, uids: set[str]) -> set[str]:
        with self.db.engine.connect() as conn:
            return {uid for uid in uids if papers.get(conn, uid) is not None}

    def paper_count(self) -> int:
        with self.db.engine.connect() as conn:
            return papers.count(conn)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    """The real model, loaded offline once (the embed job and search share the cache)."""
    loaded, why = load_embedder()
    assert loaded is not None, why
    return loaded


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def hub(db: Database, smtp: SmtpServer, embedder: Embedder) -> Iterator[Hub]:
    with ReplayServer() as sources:
        settings = load_settings(
            database_url=db.engine.url.render_as_string(hide_password=False),
            arxiv_oai_url=sources.url(OAI), daily_papers_url=sources.url(DAILY),
            harvest_sets="cs", request_interval=0.0, max_retries=1, http_timeout=10.0,
            smtp_url=smtp.url, secret_key=SECRET, mail_from="Paperboy <papers@hub.test>",
            base_url="http://hub.test", mail_backoff=0)
        add_readers(db)
        yield Hub(db, settings, sources, smtp, Clock(DAY_1))


def add_readers(db: Database) -> None:
    """Ada (confirmed last week, daily digest at 7:00 in Berlin, 06:00 UTC) and Bob (never
    confirmed) both follow cs.CL."""
    with db.engine.begin() as conn:
        ada = users.create(conn, name="ada", email=READER, confirmed=True,
                           timezone="Europe/Berlin")
        conn.execute(update(users_table).where(users_table.c.id == ada.id)
                     .values(confirmed_at=DAY_1 - timedelta(days=7)))
        digests.save(conn, ada.id, frequency="daily", hour=7)
        bob = users.create(conn, name="bob", email="bob@example.org")
        for reader in (ada, bob):
            subscriptions.add(conn, reader.id, "category", "cs.CL")


def first_page(query: Query) -> bool:
    return "resumptionToken" not in query


def next_page(query: Query) -> bool:
    return query.get("resumptionToken") == TOKEN


def on(day: str) -> Callable[[Query], bool]:
    return lambda query: query.get("date") == day


def oai_page(name: str) -> Reply:
    return Reply(body=(RECORDED / "oai" / f"{name}.xml").read_bytes(), headers=XML)


def serve_arxiv(sources: ReplayServer) -> None:
    """The cs harvest: two pages, whatever the from date (arXiv sends what changed since)."""
    sources.route(OAI, [oai_page("list_records_1")], when=first_page)
    sources.route(OAI, [oai_page("list_records_2")], when=next_page)


def serve_changed_since(sources: ReplayServer, name: str, stamp: str) -> None:
    """A recorded page whose earliest datestamp is `stamp`, for a harvest asking from that day
    or before; one asking from later gets noRecordsMatch (arXiv would send it the records
    stamped from then on: nothing on our pages, for the harvests these tests expect)."""
    sources.route(OAI, [oai_page(name)],
                  when=lambda query: first_page(query) and query["from"] <= stamp)
    sources.route(OAI, [oai_page("no_records_match")], when=first_page)


def froms(sources: ReplayServer) -> list[str]:
    """The `from` of each harvest asked of arXiv, in turn."""
    return [hit.query["from"] for hit in sources.hits_to(OAI) if first_page(hit.query)]


def serve_listings(sources: ReplayServer, *days: str) -> None:
    """Each day's daily-papers listing, once; a day without a recording lists nothing."""
    for day in days:
        path = RECORDED / "daily_papers" / f"{day}.json"
        body = path.read_bytes() if path.exists() else b"[]"
        sources.route(DAILY, [Reply(body=body, headers=JSON)], when=on(day))


def summaries(results: dict[str, RunResult]) -> dict[str, Any]:
    return {name: r.summary for name, r in results.items()}


def assert_all_ok(hub: Hub, results: dict[str, RunResult]) -> None:
    assert {name: (r.status, r.error) for name, r in results.items()} == {
        name: ("ok", None) for name in JOB_NAMES}
    for name, result in results.items():  # the worker's record says the same
        job, last = hub.job(name), hub.recorded_runs(name)[-1]
        assert (job.last_status, job.attempts, job.last_error, job.lease_owner) == (
            "ok", 0, None, None)
        assert (last.status, last.summary, last.error) == ("ok", result.summary, None)


def plain_text(smtp: SmtpServer, n: int = 0) -> str:
    body = smtp.received[n].message.get_body(("plain",))
    assert body is not None
    text: str = body.get_content()
    return " ".join(text.split())


def test_two_days_of_the_schedule_store_index_and_mail_each_paper_once(hub: Hub) -> None:
    serve_arxiv(hub.sources)
    serve_listings(hub.sources, "2026-11-23", "2026-11-24")
    first = hub.run(DAY_1)
    assert_all_ok(hub, first)
    done = summaries(first)
    assert done["harvest"] == {"from": "2026-11-22", "sets": ["cs"], "last_ok": None,
                               "new": 4, "updated": 0}
    # 2611.00102 was harvested a moment before: its listing adds upvotes, not a paper
    assert done["daily"] == {"days": ["2026-11-23", "2026-11-24"], "new": 2, "updated": 1}
    assert "note" not in done["embed"]  # the model loaded: no lexical-only fallback
    assert {k: done["embed"][k] for k in ("indexed", "embedded", "remaining", "model")} == {
        "indexed": 6, "embedded": 6, "remaining": 0, "model": MODEL_NAME}
    assert done["digests"] == {"users": 1, "sent": 1, "empty": 0, "done_before": 0, "held": 0,
                               "failed": 0, "retry": 0, "gone": 0, "stopped": None}
    assert [hit.query for hit in hub.sources.hits_to(OAI)] == [
        {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2026-11-22", "set": "cs"},
        {"verb": "ListRecords", "resumptionToken": TOKEN}]
    assert [hit.query["date"] for hit in hub.sources.hits_to(DAILY)] == [
        "2026-11-23", "2026-11-24"]

    # Each job waits for its next time: the harvest for Tuesday's announcement to reach OAI-PMH
    # (22:30 in New York), the others for their next step.
    due = {name: hub.job(name).due_at for name in JOB_NAMES}
    assert due == {"harvest": datetime(2026, 11, 25, 3, 30, tzinfo=UTC),
                   "daily": datetime(2026, 11, 24, 9, tzinfo=UTC),
                   "embed": datetime(2026, 11, 24, 7, tzinfo=UTC),
                   "digests": datetime(2026, 11, 24, 6, 10, tzinfo=UTC),
                   "confirmations": datetime(2026, 11, 24, 6, 10, tzinfo=UTC)}
    assert all(r.status == "skipped" for r in hub.run(DAY_1).values())  # nothing due again

    # Day two: the same harvest pages (arXiv resends what changed since the 23rd, a day before
    # the first harvest: the overlap changes nothing), Tuesday's listing again and an empty
    # Wednesday.
    serve_arxiv(hub.sources)
    serve_listings(hub.sources, "2026-11-24", "2026-11-25")
    second = hub.run(DAY_2)
    assert_all_ok(hub, second)
    again = summaries(second)
    assert again["harvest"] == {"from": "2026-11-23", "sets": ["cs"],
                                "last_ok": DAY_1.isoformat(), "new": 0, "updated": 0}
    assert again["daily"] == {"days": ["2026-11-24", "2026-11-25"], "new": 0, "updated": 0}
    assert (again["embed"]["indexed"], again["embed"]["embedded"]) == (0, 0)
    # Ada's digest of Tuesday: nothing in cs.CL was listed then, so no mail
    assert (again["digests"]["users"], again["digests"]["sent"],
            again["digests"]["empty"]) == (1, 0, 1)
    assert [len(hub.recorded_runs(name)) for name in JOB_NAMES] == [2] * len(JOB_NAMES)
    with hub.db.engine.connect() as conn:
        fetches = runs.recent_runs(conn)
    assert [f["status"] for f in fetches] == ["ok"] * 6  # 2 harvests, 4 listings

    # What a reader sees: every paper once ...
    assert hub.stored(HARVESTED | LISTED) == HARVESTED | LISTED
    assert hub.paper_count() == len(HARVESTED | LISTED)
    with hub.db.engine.connect() as conn:
        both = papers.get(conn, "2611.00102")
    assert both is not None and (both.upvotes, both.categories) == (57, ("cs.LG", "cs.CL"))

    # ... the harvested paper found by its words, ranked by words and meaning both ...
    found = SearchEngine(hub.db).search("moving a language model to another tokenizer",
                                        mode="hybrid")
    assert (found.mode, found.notes) == ("hybrid", ())
    assert found.hits[0].paper.uid == WANTED

    # ... and one digest, to the confirmed reader only, holding it.
    [mail] = hub.smtp.received
    assert mail.recipients == [READER]
    assert mail.message["Subject"].startswith("Your papers on Mon 23 Nov 2026")
    text = plain_text(hub.smtp)
    assert WANTED_TITLE in text and "http://hub.test/papers/2611.00101" in text
    assert "Sparse Mixture Routing Without Load Balancing Losses" in text  # the other cs.CL
    assert "Counting Birds" not in text and "Video Diffusion" not in text


OUTAGES = {
    "503": ([Reply(503, b"busy", {"Retry-After": "0"})] * 2,  # max_retries=1
            "FetchError: GET {oai}?verb=ListRecords&metadataPrefix=arXivRaw&from=2026-11-22"
            "&set=cs: HTTP 503 Service Unavailable (gave up after 1 retries)"),
    "garbage": ([Reply(body=HOSTILE_BODIES["html error page"], headers=XML)],
                "FetchError: {oai} set=cs from=2026-11-22 until=-: OAI-PMH response: got an HTML "
                "page, not XML (an error page?)"),
}


@pytest.mark.parametrize("outage", sorted(OUTAGES))
def test_a_failed_harvest_is_recorded_retried_and_the_other_jobs_still_run(
        hub: Hub, outage: str) -> None:
    replies, error = OUTAGES[outage]
    error = error.format(oai=hub.sources.url(OAI))
    hub.sources.route(OAI, replies)
    serve_listings(hub.sources, "2026-11-23", "2026-11-24")
    results = hub.run(DAY_1)

    harvest = results.pop("harvest")
    assert harvest.status == "failed" and harvest.error is not None
    assert harvest.error == error
    assert len(hub.sources.hits_to(OAI)) == len(replies)  # a 503 is retried once, then given up
    assert {name: r.status for name, r in results.items()} == {
        name: "ok" for name in JOB_NAMES[1:]}
    assert results["daily"].summary == {"days": ["2026-11-23", "2026-11-24"], "new": 3,
                                        "updated": 0}
    assert results["embed"].summary is not None and results["embed"].summary["embedded"] == 3
    assert results["digests"].summary is not None
    assert results["digests"].summary["empty"] == 1  # no cs.CL paper without the harvest
    assert hub.smtp.received == []

    # The error is kept and the harvest is due again in a minute (the first backoff step).
    job = hub.job("harvest")
    assert (job.last_status, job.attempts, job.last_error) == ("failed", 1, harvest.error)
    assert job.due_at == DAY_1 + timedelta(minutes=1) and job.lease_owner is None
    [run] = hub.recorded_runs("harvest")
    assert (run.status, run.error, run.summary) == ("failed", harvest.error, None)
    with hub.db.engine.connect() as conn:
        fetch = runs.recent_runs(conn)[-1]  # the harvest's, the first fetch of the day
    assert fetch["status"] == "failed" and fetch["format"] == "oai"

    # A minute later arXiv answers again: only the harvest is due, and it catches up.
    serve_arxiv(hub.sources)
    retried = hub.run(DAY_1 + timedelta(minutes=1))
    assert {name: r.status for name, r in retried.items()} == {
        name: "ok" if name == "harvest" else "skipped" for name in JOB_NAMES}
    # (a failed run is no harvest: the retry still looks back from a first harvest's day)
    assert retried["harvest"].summary == {"from": "2026-11-22", "sets": ["cs"], "last_ok": None,
                                          "new": 3, "updated": 1}
    job = hub.job("harvest")
    assert (job.last_status, job.attempts, job.last_error) == ("ok", 0, None)
    assert job.due_at == datetime(2026, 11, 25, 3, 30, tzinfo=UTC)
    assert hub.paper_count() == len(HARVESTED | LISTED)


def test_a_paper_announced_the_day_after_its_submission_reaches_the_next_digest(
        hub: Hub) -> None:
    serve_arxiv(hub.sources)
    serve_listings(hub.sources, "2026-11-23", "2026-11-24")
    hub.run(DAY_1)
    # Wednesday's harvest brings a cs.CL paper submitted on Monday at 15:10 in New York,
    # announced on Tuesday evening: news on Wednesday morning, as far as Ada can tell.
    hub.sources.route(OAI, [oai_page("list_records_late")])
    serve_listings(hub.sources, "2026-11-24", "2026-11-25")
    second = hub.run(DAY_2)
    assert (second["harvest"].summary or {}).get("new") == 1
    assert len(hub.smtp.received) == 2, "the late paper is in no digest"
    assert hub.smtp.received[1].message["Subject"].startswith("Your papers on Tue 24 Nov 2026")
    assert "Dialect Identification From Twelve Seconds of Speech" in plain_text(hub.smtp, 1)


def test_a_paper_harvested_a_day_late_is_in_the_next_digest(hub: Hub) -> None:
    serve_arxiv(hub.sources)
    serve_listings(hub.sources, "2026-11-23", "2026-11-24")
    hub.run(DAY_1)
    assert len(hub.smtp.received) == 1  # Monday's papers, as the harvest had them
    # Monday's announcement had one more cs.CL paper, in arXiv's OAI-PMH only a day later:
    # after Ada's digest of Monday went out, so it is new to her Tuesday digest.
    hub.sources.route(OAI, [oai_page("list_records_monday_late")])
    serve_listings(hub.sources, "2026-11-24", "2026-11-25")
    second = hub.run(DAY_2)
    assert (second["harvest"].summary or {}).get("new") == 1
    assert announced(hub, "2611.00160") == {"2611.00160": "2026-11-23"}
    assert len(hub.smtp.received) == 2, "the late paper is in no digest"
    assert hub.smtp.received[1].message["Subject"] == "Your papers on Tue 24 Nov 2026: 1 paper"
    text = plain_text(hub.smtp, 1)
    assert "Grammar Repair for Low-Resource Machine Translation" in text
    assert WANTED_TITLE not in text  # sent on Monday: never again


# Harvests at 22:30 in New York (EST in December: 03:30 UTC the next day).
A_YEAR_BEFORE = datetime(2025, 12, 2, 3, 30, tzinfo=UTC)  # Monday 1 December 2025
MONDAY = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)  # 30 November 2026
THURSDAY = datetime(2026, 12, 4, 3, 30, tzinfo=UTC)  # 3 December
SUNDAY = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)  # 6 December


def announced(hub: Hub, *uids: str) -> dict[str, str | None]:
    """The day arXiv announced each paper, as the hub holds it (None: not held)."""
    with hub.db.engine.connect() as conn:
        held = {uid: papers.get(conn, uid) for uid in uids}
    return {uid: str(p.announced) if p is not None else None for uid, p in held.items()}


def test_the_first_harvest_looks_two_days_back(hub: Hub) -> None:
    hub.sources.route(OAI, [oai_page("no_records_match")])
    result = hub.harvest(SUNDAY)
    assert (result.status, result.summary) == ("ok", {
        "from": "2026-12-05", "sets": ["cs"], "last_ok": None, "new": 0, "updated": 0})
    assert froms(hub.sources) == ["2026-12-05"]


def test_thursday_evenings_papers_stamped_friday_are_harvested_on_sunday(hub: Hub) -> None:
    # Thursday 22:30 in New York: arXiv's OAI-PMH does not have the evening's papers yet.
    hub.sources.route(OAI, [oai_page("no_records_match")])
    assert hub.harvest(THURSDAY).summary == {
        "from": "2026-12-02", "sets": ["cs"], "last_ok": None, "new": 0, "updated": 0}
    # No harvest on Friday or Saturday evening: the next is Sunday's.
    assert hub.job("harvest").due_at == SUNDAY
    assert hub.harvest(SUNDAY - timedelta(minutes=1)).status == "skipped"

    # Thursday's papers, stamped Friday (UTC), come to the harvest that asks from Friday or
    # before: Sunday's asks from the day before Thursday's harvest (Friday in UTC).
    serve_changed_since(hub.sources, "thursday_batch", "2026-12-04")
    sunday = hub.harvest(SUNDAY)
    assert (sunday.status, sunday.summary) == ("ok", {
        "from": "2026-12-03", "sets": ["cs"], "last_ok": THURSDAY.isoformat(), "new": 1,
        "updated": 0})
    assert froms(hub.sources) == ["2026-12-02", "2026-12-03"]
    assert announced(hub, "2612.00455") == {"2612.00455": "2026-12-04"}


def test_a_worker_down_for_five_days_catches_up_on_its_first_run_back(hub: Hub) -> None:
    hub.sources.route(OAI, [oai_page("no_records_match")])
    assert hub.harvest(MONDAY).status == "ok"
    # Down from Tuesday to Sunday noon: the harvests of Tuesday, Wednesday and Thursday
    # evening never ran; the first run back is due at once and asks from Monday's day on.
    serve_changed_since(hub.sources, "catch_up", "2026-12-02")
    back = hub.harvest(datetime(2026, 12, 6, 12, tzinfo=UTC))
    assert (back.status, back.summary) == ("ok", {
        "from": "2026-11-30", "sets": ["cs"], "last_ok": MONDAY.isoformat(), "new": 3,
        "updated": 0})
    assert froms(hub.sources) == ["2026-11-29", "2026-11-30"]
    assert announced(hub, "2612.00210", "2612.00320", "2612.00430") == {
        "2612.00210": "2026-12-02", "2612.00320": "2026-12-03", "2612.00430": "2026-12-04"}
    assert hub.job("harvest").due_at == SUNDAY  # and then back on schedule


def test_a_harvest_looks_at_most_30_days_back_and_says_what_it_left(
        hub: Hub, caplog: pytest.LogCaptureFixture) -> None:
    hub.sources.route(OAI, [oai_page("no_records_match")] * 2)
    assert hub.harvest(A_YEAR_BEFORE).status == "ok"
    with caplog.at_level(logging.WARNING, logger="paperboy.jobs.specs"):
        late = hub.harvest(SUNDAY)
    note = ("the last successful harvest started 2025-12-02 03:30 UTC; harvesting from "
            "2026-11-07 only (at most 30 days back); the rest: paperboy fetch arxiv --set cs "
            "--from 2025-12-01 --until 2026-11-07")
    assert (late.status, late.summary) == ("ok", {
        "from": "2026-11-07", "sets": ["cs"], "last_ok": A_YEAR_BEFORE.isoformat(),
        "note": note, "new": 0, "updated": 0})
    assert froms(hub.sources) == ["2025-11-30", "2026-11-07"]
    assert [r.getMessage() for r in caplog.records] == [f"harvest: {note}"]
