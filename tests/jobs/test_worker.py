"""The worker against a real database: due jobs run once, failures retry with backoff and keep
their error, racing workers run a job once, a dead worker's job is taken after its lease."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from paperboy.config import load_settings
from paperboy.jobs.specs import JobSpec, every
from paperboy.jobs.worker import Worker, retry_delay
from paperboy.store import jobs as store
from paperboy.store import open_database

T0 = datetime(2026, 3, 7, 12, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def spec(name="tick", run=None, lease=timedelta(minutes=5)):
    calls = []

    def default(db, settings, now):
        calls.append(now)
        return {"calls": len(calls)}
    return JobSpec(name, "a test job", run or default, every(timedelta(hours=1)), lease), calls


def worker(db, specs, clock, owner=None):
    return Worker(db, load_settings(), specs={s.name: s for s in specs}, clock=clock,
                  owner=owner)


def test_a_due_job_runs_is_recorded_and_waits_for_its_next_time(db):
    job, calls = spec()
    clock = Clock(T0 + timedelta(minutes=10))
    w = worker(db, [job], clock)
    [result] = w.run_once()
    assert (result.status, result.summary) == ("ok", {"calls": 1})
    assert w.run_once()[0].status == "skipped"  # not due again until 13:00
    clock.now = T0 + timedelta(hours=1)
    assert w.run_once()[0].status == "ok"
    with db.engine.connect() as conn:
        row = store.get(conn, "tick")
        runs = store.recent_runs(conn)
    assert row.due_at == T0 + timedelta(hours=2) and row.lease_owner is None
    assert [r.status for r in runs] == ["ok", "ok"] and runs[0].summary == {"calls": 2}
    assert len(calls) == 2


def test_a_failed_job_keeps_its_error_and_retries_with_backoff(db):
    outcomes = [RuntimeError("arXiv said 503"), RuntimeError("still 503"), None]

    def flaky(db, settings, now):
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome
        return {}

    job, _ = spec(run=flaky)
    clock = Clock(T0)
    w = worker(db, [job], clock)
    assert w.run_once()[0].error == "RuntimeError: arXiv said 503"
    with db.engine.connect() as conn:
        row = store.get(conn, "tick")
    assert (row.last_status, row.attempts, row.due_at) == ("failed", 1, T0 + timedelta(minutes=1))
    assert row.last_error == "RuntimeError: arXiv said 503"
    clock.now = T0 + timedelta(minutes=1)
    w.run_once()
    with db.engine.connect() as conn:
        assert store.get(conn, "tick").due_at == clock.now + timedelta(minutes=2)
    clock.now += timedelta(minutes=2)
    assert w.run_once()[0].status == "ok"
    with db.engine.connect() as conn:
        row = store.get(conn, "tick")
        runs = store.recent_runs(conn)
    assert (row.attempts, row.last_status, row.last_error) == (0, "ok", None)
    assert [r.status for r in runs] == ["ok", "failed", "failed"]
    assert runs[1].error == "RuntimeError: still 503"


def test_the_last_successful_run_is_the_latest_started_whatever_came_after(db):
    with db.engine.begin() as conn:
        assert store.last_run(conn, "tick") is None
        for owner, minutes, status in [("a", 0, "ok"), ("b", 20, "ok"), ("c", 10, "ok"),
                                       ("d", 30, "failed"), ("e", 40, "abandoned")]:
            started = T0 + timedelta(minutes=minutes)
            run_id = store.start_run(conn, "tick", owner, started)
            store.finish_run(conn, run_id, started, status=status, summary={"by": owner})
        store.start_run(conn, "tick", "f", T0 + timedelta(minutes=50))  # still running
        store.start_run(conn, "other", "g", T0 + timedelta(hours=1))
    with db.engine.connect() as conn:
        last, failed = store.last_run(conn, "tick"), store.last_run(conn, "tick", "failed")
        assert store.last_run(conn, "other") is None
    assert last is not None and (last.owner, last.started_at, last.summary) == (
        "b", T0 + timedelta(minutes=20), {"by": "b"})
    assert failed is not None and failed.owner == "d"


def test_the_backoff_doubles_up_to_six_hours():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert retry_delay(50) == timedelta(hours=6)


def test_two_racing_workers_run_a_job_once(db):
    url = db.engine.url.render_as_string(hide_password=False)
    started = []

    def slow(db, settings, now):
        started.append(threading.current_thread().name)
        time.sleep(0.5)
        return {}

    job, _ = spec(run=slow)
    worker(db, [job], Clock(T0)).run_once(["tick"], force=False)  # registered, ran once
    started.clear()
    later = Clock(T0 + timedelta(hours=1))
    databases = [open_database(url) for _ in range(4)]
    gate = threading.Barrier(4)
    results = []

    def race(database, n):
        w = worker(database, [job], later, owner=f"worker-{n}")
        gate.wait()
        results.extend(w.run_once())

    threads = [threading.Thread(target=race, args=(d, n), name=f"t{n}")
               for n, d in enumerate(databases)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for d in databases:
        d.dispose()
    assert sorted(r.status for r in results) == ["ok", "skipped", "skipped", "skipped"]
    assert len(started) == 1


def test_a_dead_workers_job_is_taken_again_after_its_lease(db):
    job, calls = spec(lease=timedelta(minutes=5))
    w = worker(db, [job], Clock(T0), owner="alive")
    with db.engine.begin() as conn:  # what a worker killed mid-job leaves behind
        store.ensure(conn, "tick", T0)
        assert store.claim(conn, "tick", "killed", T0, timedelta(minutes=5))
        store.start_run(conn, "tick", "killed", T0)
    w.clock = Clock(T0 + timedelta(minutes=4))
    assert w.run_once()[0].status == "skipped"  # its lease still holds
    w.clock = Clock(T0 + timedelta(minutes=6))
    assert w.run_once()[0].status == "ok"
    assert len(calls) == 1
    with db.engine.connect() as conn:
        taken, dead = store.recent_runs(conn, name="tick")
    assert (dead.owner, dead.status, dead.finished_at) == ("killed", "abandoned",
                                                           T0 + timedelta(minutes=6))
    assert (taken.owner, taken.status) == ("alive", "ok")


def test_a_running_job_renews_its_lease(db):
    seen = []

    def long_job(database, settings, now):
        time.sleep(1.0)
        with database.engine.connect() as conn:
            seen.append(store.get(conn, "tick").lease_until)
        return {}

    job, _ = spec(run=long_job, lease=timedelta(seconds=0.3))
    real = Worker(db, load_settings(), specs={"tick": job})
    real.run_once()
    assert seen[0] > datetime.now(UTC) - timedelta(seconds=0.5)  # renewed while it ran


def test_the_loop_runs_due_jobs_until_asked_to_stop(db):
    holder = {}

    def stop_after_one(database, settings, now):
        holder["worker"].stopping.set()
        return {"stopped": True}

    job, _ = spec(run=stop_after_one)
    w = worker(db, [job], Clock(T0))
    holder["worker"] = w
    w.run_forever(poll=1)  # returns once the job has asked it to stop
    with db.engine.connect() as conn:
        assert [r.summary for r in store.recent_runs(conn)] == [{"stopped": True}]
