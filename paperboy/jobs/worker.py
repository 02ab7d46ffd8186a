"""The worker: claim each due job (a lease in the database, renewed while it runs), run it,
record the run, schedule the next one; on failure retry with backoff and keep the error.

Any number of workers may run: the claim is one UPDATE the database serialises, so a job runs
in one of them at a time, and a killed worker's lease runs out and another takes the job.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from paperboy.config import Settings
from paperboy.jobs.specs import JOBS, JobSpec, Summary
from paperboy.store import Database
from paperboy.store import jobs as store

log = logging.getLogger(__name__)
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class RunResult:
    job: str
    status: str  # ok, failed, skipped (not due, or another worker holds it)
    summary: Summary | None = None
    error: str | None = None


def retry_delay(failures: int) -> timedelta:
    """1, 2, 4 ... minutes after the 1st, 2nd, 3rd failure in a row, at most six hours."""
    delay: timedelta = FIRST_RETRY * 2 ** min(max(failures - 1, 0), 20)
    return min(delay, MAX_RETRY)


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(self, db: Database, settings: Settings, *,
                 specs: Mapping[str, JobSpec] = JOBS, owner: str | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db = db
        self.settings = settings
        self.specs = specs
        self.owner = owner or owner_name()
        self.clock = clock
        self.stopping = threading.Event()

    def run_once(self, names: list[str] | None = None, *, force: bool = False
                 ) -> list[RunResult]:
        """Run each due job (every named one, if `force`) that no other worker holds; once
        `stopping` is set (SIGTERM), start no further one."""
        self._register()
        return [self._run(self.specs[name], force) for name in names or list(self.specs)
                if not self.stopping.is_set()]

    def run_forever(self, poll: float = 30.0) -> None:
        """Run due jobs until `stopping` is set, sleeping until the next is due (at most
        `poll` seconds, so new jobs and other workers' changes are noticed)."""
        while not self.stopping.is_set():
            for result in self.run_once():
                if result.status != "skipped":
                    log.info("job %s: %s %s", result.job, result.status,
                             result.error or result.summary)
            self.stopping.wait(self._seconds_to_next(poll))

    def _register(self) -> None:
        now = self.clock()
        with self.db.engine.begin() as conn:
            for spec in self.specs.values():
                store.ensure(conn, spec.name, now)  # a new job runs at once, then on schedule

    def _run(self, spec: JobSpec, force: bool) -> RunResult:
        now = self.clock()
        with self.db.engine.begin() as conn:
            if not store.claim(conn, spec.name, self.owner, now, spec.lease, force=force):
                return RunResult(spec.name, "skipped")
            store.abandon_runs(conn, spec.name, now)  # only a dead worker's can be running
            run_id = store.start_run(conn, spec.name, self.owner, now)
        try:
            with self._heartbeat(spec):
                summary = spec.run(self.db, self.settings, now)
        except Exception as exc:  # any failure is recorded and retried; the worker goes on
            return self._failed(spec, run_id, exc)
        finished = self.clock()
        with self.db.engine.begin() as conn:
            store.succeeded(conn, spec.name, self.owner, finished, spec.next_due(finished))
            store.finish_run(conn, run_id, finished, status="ok", summary=summary)
        return RunResult(spec.name, "ok", summary)

    def _failed(self, spec: JobSpec, run_id: int, exc: Exception) -> RunResult:
        error = f"{type(exc).__name__}: {exc}"
        log.warning("job %s failed: %s", spec.name, "".join(traceback.format_exception(exc)))
        finished = self.clock()
        with self.db.engine.begin() as conn:
            job = store.get(conn, spec.name)
            failures = (job.attempts if job else 0) + 1
            store.failed(conn, spec.name, self.owner, finished, error,
                         finished + retry_delay(failures))
            store.finish_run(conn, run_id, finished, status="failed", error=error)
        return RunResult(spec.name, "failed", error=error)

    @contextmanager
    def _heartbeat(self, spec: JobSpec) -> Iterator[None]:
        """Renew the lease every third of it while the job runs, so only a dead worker's
        lease runs out."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(spec.lease.total_seconds() / 3):
                try:
                    with self.db.engine.begin() as conn:
                        store.renew(conn, spec.name, self.owner, self.clock() + spec.lease)
                except Exception:  # e.g. SQLite busy past its timeout: the next beat may do
                    # it, while a heartbeat that died would let another worker take the job
                    log.warning("job %s: lease not renewed", spec.name, exc_info=True)

        thread = threading.Thread(target=beat, name=f"lease-{spec.name}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _seconds_to_next(self, poll: float) -> float:
        with self.db.engine.connect() as conn:
            due = [job.due_at for job in store.all_jobs(conn) if job.name in self.specs]
        if not due:
            return poll
        wait = (min(due) - self.clock()).total_seconds()
        return min(max(wait, 1.0), poll)

