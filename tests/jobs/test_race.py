"""Three real `paperboy worker` processes on one database (SQLite and PostgreSQL).

- Started together, they run a due job once.
- The one sending digests is killed with SIGKILL mid-send: once its lease has run out another
  takes the job over, and every subscriber still gets exactly one digest. The survivors, sent
  SIGTERM while that run is under way, finish it and exit 0.

And, in one process, what that rests on: a lease renewal that fails is tried again at the next
beat (else another worker would take a job that is still running), a stopping worker starts
no further job, and `--lease` is checked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from paperboy import schedule
from paperboy.config import load_settings
from paperboy.jobs.specs import JobSpec, every
from paperboy.jobs.worker import Worker
from paperboy.store import Database, deliveries, digests, papers, subscriptions, users
from paperboy.store import jobs as store
from paperboy.store.schema import users as users_table
from tests.mail.conftest import SECRET, paper
from tests.mail.smtpd import SmtpServer

PAPERBOY = str(Path(sys.executable).parent / "paperboy")
JOB_LEASE = 3.0  # `worker --lease`: how soon a dead worker's job is free again
# Under two thirds of the job's lease (a live holder renews it every third), so the run that
# takes over finds the dead sender's mail free and sends it.
MAIL_LEASE = 0.5
SUBSCRIBERS = 20
KILL_AT = 5  # the sender dies while the server holds its 5th message, never acknowledged
BANNER = "worker "  # the first line a worker prints, once its signal handlers are set


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path  # its stderr

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def is_up(self) -> bool:
        return self.stderr().startswith(BANNER)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def sink() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def start_workers(db: Database, sink: SmtpServer, tmp_path: Path
                  ) -> Iterator[Callable[..., list[Process]]]:
    """Starts three `paperboy worker --job digests` on the test database, mailing to the sink;
    whatever is still running at the end of the test is killed."""
    url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PAPERBOY_SECRET_KEY": SECRET, "PAPERBOY_SMTP_URL": sink.url,
           "PAPERBOY_MAIL_FROM": "Paperboy <papers@hub.test>",
           "PAPERBOY_BASE_URL": "http://hub.test", "PAPERBOY_MAIL_BACKOFF": "0",
           "PAPERBOY_MAIL_LEASE": str(MAIL_LEASE)}
    started: list[Process] = []

    def start_one(n: int, options: tuple[str, ...]) -> Process:
        log = tmp_path / f"worker{n}.stderr"
        with log.open("wb") as stderr:
            popen = subprocess.Popen(
                [PAPERBOY, "--db", url, "worker", "--job", "digests", "--lease", str(JOB_LEASE),
                 *options],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
        started.append(Process(popen, log))
        return started[-1]

    def start(*options: str) -> list[Process]:
        return [start_one(n, options) for n in range(3)]

    yield start
    for process in started:
        if process.popen.poll() is None:
            process.popen.kill()
        process.popen.wait(timeout=30)


def subscribers(db: Database, count: int) -> list[str]:
    """`count` confirmed readers whose daily digest (UTC, at this hour) is due now, with a
    paper to send them: their addresses, sorted."""
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=2)
    due = schedule.due_digest(now, "UTC", "daily", now.hour, 0, long_ago)
    assert due is not None
    emails = [f"reader{n:02}@example.org" for n in range(count)]
    with db.engine.begin() as conn:
        papers.upsert(conn, [paper("2611.09001", "One paper for everyone", day=due[1].last,
                                   upvotes=5)])
        for email in emails:
            user = users.create(conn, name=email.split("@")[0], email=email, confirmed=True)
            # confirmed before this hour's digest was due (a digest waits for confirmation)
            conn.execute(update(users_table).where(users_table.c.id == user.id)
                         .values(confirmed_at=long_ago))
            digests.save(conn, user.id, frequency="daily", hour=now.hour)
            subscriptions.add(conn, user.id, "trending", 1)
    return emails


def recipients(sink: SmtpServer) -> list[str]:
    return sorted(address for mail in sink.received for address in mail.recipients)


def digest_runs(db: Database) -> list[store.JobRun]:
    """The digests job's runs, oldest first."""
    with db.engine.connect() as conn:
        return store.recent_runs(conn, name="digests")[::-1]


def pid_of(owner: str) -> int:
    return int(owner.split(":")[1])  # host:pid:random, see jobs.worker.owner_name


def stop_and_wait(processes: list[Process]) -> None:
    for process in processes:
        process.popen.send_signal(signal.SIGTERM)
    wait_for(lambda: all(p.popen.poll() is not None for p in processes), "workers to exit")


def assert_exited_cleanly(process: Process) -> None:
    assert process.popen.returncode == 0, process.stderr()
    assert "Traceback" not in process.stderr()


def test_three_workers_started_together_run_a_due_job_once(db, sink, start_workers):
    emails = subscribers(db, 6)
    # Due a little later, so the three are up by then and all wake for it at once (with
    # --poll 30 each sleeps until the job is due).
    due = datetime.now(UTC) + timedelta(seconds=4)
    with db.engine.begin() as conn:
        store.ensure(conn, "digests", due)
    workers = start_workers("--poll", "30")
    wait_for(lambda: all(w.is_up() for w in workers), "three workers to start")
    all_up = datetime.now(UTC)
    wait_for(lambda: "ok" in [r.status for r in digest_runs(db)], "the digests run")
    # every worker has had its try at the job by now
    wait_for(lambda: datetime.now(UTC) > max(due, all_up) + timedelta(seconds=1), "a moment")
    stop_and_wait(workers)
    for process in workers:
        assert_exited_cleanly(process)
    [run] = digest_runs(db)
    assert pid_of(run.owner) in {w.pid for w in workers}
    assert run.summary is not None and run.summary["sent"] == 6
    assert recipients(sink) == emails


@dataclass
class KillMidSend:
    """The sink's hook: at message KILL_AT it SIGKILLs the worker holding the digests job,
    two messages into the run that took over it sends SIGTERM to the other two (and lets the
    sink take the rest at full speed)."""

    sink: SmtpServer
    db: Database
    workers: list[Process]
    victim: Process | None = None
    victim_owner: str = ""
    ledger_at_kill: dict[str, int] = field(default_factory=dict)
    lease_at_kill: tuple[datetime, datetime] | None = None  # (killed at, lease until)
    errors: list[BaseException] = field(default_factory=list)

    @property
    def survivors(self) -> list[Process]:
        return [w for w in self.workers if w is not self.victim]

    def __call__(self, n: int) -> None:
        try:  # an exception here would only become an SMTP error reply: keep it for the test
            if n == KILL_AT:
                self.kill_the_sender()
            elif n == KILL_AT + 2:
                # long up by now; checked, since SIGTERM before the handler is set would kill
                wait_for(lambda: all(p.is_up() for p in self.survivors), "the survivors")
                for process in self.survivors:
                    process.popen.send_signal(signal.SIGTERM)
                self.sink.sink.on_data = None
        except Exception as exc:
            self.errors.append(exc)

    def kill_the_sender(self) -> None:
        with self.db.engine.connect() as conn:
            job = store.get(conn, "digests")
            self.ledger_at_kill = deliveries.counts(conn)
        assert job is not None and job.lease_owner and job.lease_until
        self.victim_owner = job.lease_owner
        [self.victim] = [w for w in self.workers if w.pid == pid_of(job.lease_owner)]
        self.lease_at_kill = (datetime.now(UTC), job.lease_until)
        self.victim.popen.kill()
        self.victim.popen.wait(timeout=10)  # dead, its socket closed, before the sink answers


def test_the_sender_killed_mid_send_is_taken_over_and_each_digest_goes_once(
        db, sink, start_workers):
    emails = subscribers(db, SUBSCRIBERS)
    hook = KillMidSend(sink, db, [])
    sink.sink.on_data = hook  # also holds each message 0.3 s, until the SIGTERM
    hook.workers = start_workers()
    wait_for(lambda: all(w.popen.poll() is not None for w in hook.workers),
             "the sender to be killed and the other two to finish and stop", timeout=60)
    assert not hook.errors, hook.errors
    # the victim was the one sending: it held the job, one mail was claimed, unacknowledged
    assert hook.victim is not None and hook.victim.popen.returncode == -signal.SIGKILL
    assert hook.ledger_at_kill == {"sent": KILL_AT - 1, "sending": 1}
    assert hook.lease_at_kill is not None
    killed_at, lease_until = hook.lease_at_kill
    assert killed_at < lease_until <= killed_at + timedelta(seconds=JOB_LEASE)  # --lease's
    for process in hook.survivors:
        assert_exited_cleanly(process)
    # every subscriber got exactly one digest, the killed one's unfinished mail included
    assert recipients(sink) == emails
    with db.engine.connect() as conn:
        assert deliveries.counts(conn) == {"sent": SUBSCRIBERS}
        job = store.get(conn, "digests")
    assert job is not None and (job.lease_owner, job.last_status) == (None, "ok")
    dead, taken_over = digest_runs(db)
    assert (dead.owner, dead.status) == (hook.victim_owner, "abandoned")
    assert dead.finished_at == taken_over.started_at and "lease" in dead.error
    assert taken_over.status == "ok" and taken_over.finished_at is not None
    assert taken_over.started_at >= lease_until  # taken once the lease had run out
    assert pid_of(taken_over.owner) in {p.pid for p in hook.survivors}
    assert taken_over.summary is not None
    assert (taken_over.summary["done_before"], taken_over.summary["sent"]) == (
        KILL_AT - 1, SUBSCRIBERS - KILL_AT + 1)
    # SIGTERM came two mails into its run: it finished the job, then stopped
    [runner] = [p for p in hook.survivors if p.pid == pid_of(taken_over.owner)]
    assert "job digests: ok" in runner.stderr()


def test_a_stopping_worker_starts_no_further_job(db):
    ran: list[str] = []

    def job(name: str, stop: bool) -> JobSpec:
        def run(database, settings, now):
            ran.append(name)
            if stop:  # SIGTERM while this job runs
                worker.stopping.set()
            return {}
        return JobSpec(name, "a test job", run, every(timedelta(hours=1)))

    worker = Worker(db, load_settings(), specs={"first": job("first", stop=True),
                                                "second": job("second", stop=False)})
    worker.run_forever(poll=1)  # both are due at once; the first asks it to stop
    assert ran == ["first"]
    with db.engine.connect() as conn:
        assert [r.job for r in store.recent_runs(conn)] == ["first"]


def test_a_lease_renewal_that_fails_is_tried_at_the_next_beat(db, monkeypatch, caplog):
    renewals: list[datetime] = []
    renew = store.renew

    def renew_failing_once(conn, name, owner, until):
        renewals.append(until)
        if len(renewals) == 1:
            raise OperationalError("UPDATE jobs", None, Exception("database is locked"))
        return renew(conn, name, owner, until)

    def long_job(database, settings, now):
        wait_for(lambda: len(renewals) >= 3, "renewals after the failed one", timeout=10)
        with database.engine.connect() as conn:
            job = store.get(conn, "long")
        assert job is not None
        return {"lease_until": job.lease_until}

    monkeypatch.setattr(store, "renew", renew_failing_once)
    spec = JobSpec("long", "a test job", long_job, every(timedelta(hours=1)),
                   lease=timedelta(seconds=0.3))  # renewed every 0.1 s
    [result] = Worker(db, load_settings(), specs={"long": spec}).run_once()
    assert result.status == "ok", result.error
    assert result.summary is not None and result.summary["lease_until"] >= renewals[1]
    assert "job long: lease not renewed" in caplog.text


def test_the_lease_option_is_checked():
    result = subprocess.run([PAPERBOY, "worker", "--lease", "0.5"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "--lease" in result.stderr and "Traceback" not in result.stderr
