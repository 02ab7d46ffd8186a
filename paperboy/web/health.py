"""`/healthz` for load balancers and `/metrics` for Prometheus, and the middleware that times
every request.

Request counts and latencies are per process, labelled with its `pid`: with `serve --workers
N` each scrape reaches one process, so query them summed over pids (`sum without (pid)
(rate(...))`; docs/deploy.md). What the database holds (papers, ingest lag, job runs, mails,
users) is read from the database on each scrape, so every process reports the same numbers.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperboy import __version__
from paperboy.errors import PaperboyError
from paperboy.store import health

router = APIRouter()
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SCOPE_KEY = "paperboy.metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics:
    """Counts and latency histograms by (method, route template, status), for one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = {}  # route: a count per bucket, then +Inf
        self.sums: dict[str, float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.counts[(method, route, str(status))] += 1
            counts = self.buckets.setdefault(route, [0] * (len(BUCKETS) + 1))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            counts[-1] += 1
            self.sums[route] += seconds

    def lines(self, pid: str) -> list[str]:
        with self._lock:
            counts, buckets, sums = dict(self.counts), dict(self.buckets), dict(self.sums)
        out = _header("paperboy_http_requests_total", "counter",
                      "HTTP requests served, by route template and status.")
        out += [_sample("paperboy_http_requests_total", {"pid": pid, "method": m, "route": r,
                                                         "status": s}, n)
                for (m, r, s), n in sorted(counts.items())]
        name = "paperboy_http_request_duration_seconds"
        out += _header(name, "histogram", "Time to serve a request, by route template.")
        for route, counted in sorted(buckets.items()):
            labels = {"pid": pid, "route": route}
            for bound, n in zip([*map(str, BUCKETS), "+Inf"], counted, strict=True):
                out.append(_sample(f"{name}_bucket", {**labels, "le": bound}, n))
            out.append(_sample(f"{name}_sum", labels, round(sums[route], 6)))
            out.append(_sample(f"{name}_count", labels, counted[-1]))
        return out


class TimeRequests:
    """ASGI middleware: times each HTTP request and records it under its route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.metrics = RequestMetrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[SCOPE_KEY] = self.metrics
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.observe(method, route_template(scope), status,
                                 time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The matched route's path template (bounded label values), not the path asked for."""
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    if scope.get("path", "").startswith("/static/"):
        return "/static"
    return "<unmatched>"


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    """200 when the database answers and its schema is current, else 503 with the reason."""
    body: dict[str, Any] = {"version": __version__}
    try:
        state = health.schema_state(request.app.state.db.engine)
    except (PaperboyError, SQLAlchemyError) as exc:
        return JSONResponse({"status": "error", "reason": f"database: {_first_line(exc)}",
                             **body}, status_code=503)
    body.update(database=request.app.state.db.engine.dialect.name, revision=state.revision,
                head=state.head)
    if not state.current:
        return JSONResponse({"status": "error", "reason": f"schema at {state.revision}, "
                             f"expected {state.head}: run paperboy db upgrade", **body},
                            status_code=503)
    return JSONResponse({"status": "ok", **body})


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> PlainTextResponse:
    lines = _hub_lines(request)
    recorded: RequestMetrics | None = request.scope.get(SCOPE_KEY)
    if recorded is not None:
        lines += recorded.lines(str(os.getpid()))
    return PlainTextResponse("\n".join(lines) + "\n", media_type=CONTENT_TYPE)


def _hub_lines(request: Request) -> list[str]:
    try:
        with request.app.state.db.engine.connect() as conn:
            numbers = health.hub_numbers(conn)
    except (PaperboyError, SQLAlchemyError):
        return [*_header("paperboy_database_up", "gauge", "Whether the database answered."),
                "paperboy_database_up 0"]
    now = datetime.now(UTC)
    out = [*_header("paperboy_database_up", "gauge", "Whether the database answered."),
           "paperboy_database_up 1"]
    out += _gauge("paperboy_papers_total", "Papers in the hub (above 100,000 on PostgreSQL: "
                  "its planner's estimate).", numbers.papers)
    out += _gauge("paperboy_users_total", "User accounts.", numbers.users)
    if numbers.newest_published is not None:
        out += _gauge("paperboy_newest_paper_age_seconds", "Age of the newest paper's first "
                      "version.", _age(now, numbers.newest_published))
    if numbers.last_ingest_ok_at is not None:
        out += _gauge("paperboy_ingest_lag_seconds", "Time since the last successful ingest "
                      "run finished.", _age(now, numbers.last_ingest_ok_at))
    out += _header("paperboy_last_ingest_run", "gauge", "1 for the latest ingest run's status.")
    out += [_sample("paperboy_last_ingest_run", {"status": s}, int(s == numbers.
                    last_ingest_status)) for s in ("ok", "failed", "running")]
    out += _grouped("paperboy_job_runs", "Worker job runs recorded, by job and status.",
                    ("job", "status"), numbers.job_runs.items())
    out += _grouped("paperboy_mails", "Mails in the send ledger, by kind and status "
                    "(sent, failed, retry, pending...).", ("kind", "status"),
                    numbers.mails.items())
    return out


def _age(now: datetime, then: datetime) -> float:
    return round(max((now - then).total_seconds(), 0.0), 3)


def _grouped(name: str, help_text: str, label_names: tuple[str, str],
             values: Iterable[tuple[tuple[str, str], int]]) -> list[str]:
    return [*_header(name, "gauge", help_text),
            *(_sample(name, dict(zip(label_names, key, strict=True)), n)
              for key, n in sorted(values))]


def _gauge(name: str, help_text: str, value: float) -> list[str]:
    return [*_header(name, "gauge", help_text), _sample(name, {}, value)]


def _header(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    if not labels:
        return f"{name} {value}"
    inner = ",".join(f'{k}="{_escaped(v)}"' for k, v in labels.items())
    return f"{name}{{{inner}}} {value}"


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
