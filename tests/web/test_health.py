"""/healthz and /metrics on a real hub, both backends; the exposition format checked line by
line."""

from __future__ import annotations

import os
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from paperboy.config import load_settings
from paperboy.store import migrations, open_database
from paperboy.web.app import create_app
from tests.store import sample_hub

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(?:,|$)')


def parse(exposition):
    """Samples as {(name, frozenset(labels)): value}, checking every family is declared."""
    declared, samples = {}, {}
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            declared[name] = kind
        elif line.startswith("# HELP "):
            continue
        else:
            found = SAMPLE.match(line)
            assert found, f"not a sample line: {line!r}"
            name, labels, value = found.groups()
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            assert name in declared or family in declared, f"{name} has no TYPE"
            pairs = LABEL.findall(labels or "")
            assert ",".join(f'{k}="{v}"' for k, v in pairs) == (labels or "")
            samples[(name, frozenset(pairs))] = float(value)
    return samples


def value(samples, name, **labels):
    wanted = set(labels.items())
    found = [v for (n, pairs), v in samples.items() if n == name and wanted <= set(pairs)]
    assert len(found) == 1, (name, labels, found)
    return found[0]


@pytest.fixture
def client(db_url):
    db = open_database(db_url)
    sample_hub.fill(db)
    db.dispose()
    with TestClient(create_app(load_settings(database_url=db_url))) as client:
        yield client


def test_healthz_says_ok_with_the_schema(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["revision"] == migrations.head_revision()


def test_healthz_is_503_when_the_schema_is_behind(client, db_url):
    db = open_database(db_url, migrate=False)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    db.dispose()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert "schema at 0004, expected" in response.json()["reason"]


def test_metrics_count_requests_by_route_template(client):
    for path in ("/papers/2411.00001", "/papers/2411.00002", "/no/such/page", "/healthz"):
        client.get(path)
    client.request("BREW", "/healthz")  # methods are a bounded label too
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = parse(response.text)
    pid = str(os.getpid())
    paper = {"pid": pid, "route": "/papers/{paper_id:path}"}
    assert value(samples, "paperboy_http_requests_total", status="200", method="GET",
                 **paper) == 2
    assert value(samples, "paperboy_http_requests_total", route="<unmatched>",
                 status="404") == 1
    assert value(samples, "paperboy_http_request_duration_seconds_count", **paper) == 2
    assert value(samples, "paperboy_http_requests_total", route="/healthz", method="other",
                 status="405") == 1
    buckets = sorted((float(dict(pairs)["le"]), v) for (n, pairs), v in samples.items()
                     if n == "paperboy_http_request_duration_seconds_bucket"
                     and ("route", "/papers/{paper_id:path}") in pairs)
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)  # cumulative
    assert buckets[-1] == (float("inf"), 2)


def test_metrics_read_the_hub_from_the_database(client):
    samples = parse(client.get("/metrics").text)
    assert value(samples, "paperboy_database_up") == 1
    assert value(samples, "paperboy_papers_total") == 30
    assert value(samples, "paperboy_users_total") == 2
    assert value(samples, "paperboy_last_ingest_run", status="ok") == 1
    assert value(samples, "paperboy_last_ingest_run", status="failed") == 0
    assert 0 <= value(samples, "paperboy_ingest_lag_seconds") < 600
    assert value(samples, "paperboy_newest_paper_age_seconds") > 0
    assert value(samples, "paperboy_job_runs", job="harvest", status="ok") == 1
    assert value(samples, "paperboy_mails", kind="digest", status="sent") == 1


def test_metrics_say_when_the_database_fails(client, db_url):
    db = open_database(db_url, migrate=False)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE job_runs"))
    db.dispose()
    client.get("/healthz")
    samples = parse(client.get("/metrics").text)
    assert value(samples, "paperboy_database_up") == 0
    assert value(samples, "paperboy_http_requests_total", route="/healthz") == 1
