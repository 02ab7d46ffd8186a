"""Scheduled jobs and their history.

Each job has one row. A worker takes a due job with one portable UPDATE ... WHERE the job is
due and nobody holds an unexpired lease: the database decides who wins a race, and a killed
worker's lease simply runs out. Every run leaves a `job_runs` row with its outcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from paperboy.store.schema import job_runs, jobs


@dataclass(frozen=True)
class Job:
    name: str
    due_at: datetime
    lease_owner: str | None
    lease_until: datetime | None
    attempts: int
    last_status: str | None
    last_error: str | None
    last_started_at: datetime | None
    last_finished_at: datetime | None


@dataclass(frozen=True)
class JobRun:
    id: int
    job: str
    owner: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any] | None
    error: str | None


def ensure(conn: Connection, name: str, due_at: datetime) -> None:
    """Create the job's row, due at `due_at`, unless it exists."""
    if conn.execute(select(jobs.c.name).where(jobs.c.name == name)).first():
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(jobs).values(name=name, due_at=due_at))
    except IntegrityError:  # another worker created it
        pass


def claim(conn: Connection, name: str, owner: str, now: datetime, lease: timedelta, *,
          force: bool = False) -> bool:
    """Take the job until `now + lease` if it is due (or `force`) and nobody holds it."""
    free = or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now)
    condition = free if force else free & (jobs.c.due_at <= now)
    result = conn.execute(update(jobs).where(jobs.c.name == name, condition).values(
        lease_owner=owner, lease_until=now + lease, last_started_at=now))
    return result.rowcount == 1


def renew(conn: Connection, name: str, owner: str, until: datetime) -> bool:
    """Extend the lease; False if this owner no longer holds it."""
    result = conn.execute(update(jobs).where(jobs.c.name == name, jobs.c.lease_owner == owner)
                          .values(lease_until=until))
    return result.rowcount == 1


def succeeded(conn: Connection, name: str, owner: str, now: datetime,
              next_due: datetime) -> None:
    conn.execute(update(jobs).where(jobs.c.name == name, jobs.c.lease_owner == owner).values(
        lease_owner=None, lease_until=None, due_at=next_due, attempts=0, last_status="ok",
        last_error=None, last_finished_at=now))


def failed(conn: Connection, name: str, owner: str, now: datetime, error: str,
           retry_at: datetime) -> None:
    conn.execute(update(jobs).where(jobs.c.name == name, jobs.c.lease_owner == owner).values(
        lease_owner=None, lease_until=None, due_at=retry_at, attempts=jobs.c.attempts + 1,
        last_status="failed", last_error=error[:4000], last_finished_at=now))


def get(conn: Connection, name: str) -> Job | None:
    row = conn.execute(select(jobs).where(jobs.c.name == name)).first()
    return Job(**row._mapping) if row else None


def all_jobs(conn: Connection) -> list[Job]:
    return [Job(**row._mapping) for row in conn.execute(select(jobs).order_by(jobs.c.name))]


def start_run(conn: Connection, name: str, owner: str, now: datetime) -> int:
    return int(conn.execute(insert(job_runs).values(job=name, owner=owner, status="running",
                                                    started_at=now)
                            .returning(job_runs.c.id)).scalar_one())


def abandon_runs(conn: Connection, name: str, now: datetime) -> None:
    """Close the job's runs still marked running: called by the worker that has just claimed
    the job, so their workers died (or lost the lease) without finishing them."""
    conn.execute(update(job_runs).where(job_runs.c.job == name, job_runs.c.status == "running")
                 .values(status="abandoned", finished_at=now,
                         error="the worker stopped renewing its lease (killed or hung)"))


def finish_run(conn: Connection, run_id: int, now: datetime, *, status: str,
               summary: dict[str, Any] | None = None, error: str | None = None) -> None:
    conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(
        status=status, finished_at=now, error=error[:4000] if error else None,
        summary=json.dumps(summary, default=str) if summary is not None else None))


def recent_runs(conn: Connection, limit: int = 50, name: str | None = None) -> list[JobRun]:
    query = select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)
    if name is not None:
        query = query.where(job_runs.c.job == name)
    return [_job_run(row._mapping) for row in conn.execute(query)]


def last_run(conn: Connection, name: str, status: str = "ok") -> JobRun | None:
    """The job's run with this status that started last (e.g. its last successful one)."""
    row = conn.execute(select(job_runs).where(job_runs.c.job == name, job_runs.c.status == status)
                       .order_by(job_runs.c.started_at.desc(), job_runs.c.id.desc())
                       .limit(1)).first()
    return _job_run(row._mapping) if row else None


def _job_run(m: RowMapping) -> JobRun:
    return JobRun(id=m["id"], job=m["job"], owner=m["owner"], status=m["status"],
                  started_at=m["started_at"], finished_at=m["finished_at"],
                  summary=json.loads(m["summary"]) if m["summary"] else None, error=m["error"])
