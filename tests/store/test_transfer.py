"""`copy` between real databases, both ways: every table, verified, resumable, refusing what
it must."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest
from sqlalchemy import select, text

from paperboy.errors import DatabaseError
from paperboy.store import open_database, pgsearch, users
from paperboy.store.copy_progress import progress
from paperboy.store.transfer import copy_hub, describe, open_source, open_target
from tests.conftest import TEMPLATE
from tests.store import sample_hub

PAPERBOY = str(Path(sys.executable).parent / "paperboy")


@pytest.fixture
def sqlite_url(tmp_path):
    return str(tmp_path / "hub.db")


sums = sample_hub.sums


def index_names(url):
    with psycopg.connect(url) as conn:
        return sorted(name for (name,) in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"))


def copy(source_url, target_url, batch=7):
    source, target = open_source(source_url), open_target(target_url, source_url)
    try:
        return copy_hub(source, target, describe(source_url), batch)
    finally:
        source.dispose()
        target.dispose()


def test_sqlite_to_postgres_and_back_keeps_every_row(sqlite_url, postgres_url, tmp_path):
    source = open_database(sqlite_url)
    sample_hub.fill(source)
    assert sample_hub.empty_tables(source) == []
    source.dispose()

    report = copy(sqlite_url, postgres_url)
    assert report.matches and not report.resumed
    assert {s.table: s.rows for s in report.target}["paper_categories"] == 45
    assert sums(postgres_url) == sums(sqlite_url)

    back = str(tmp_path / "back.db")
    assert copy(postgres_url, back, batch=1000).matches
    assert sums(back) == sums(sqlite_url)


def test_postgres_gets_vectors_as_embeddings_and_sequences_past_the_ids(sqlite_url,
                                                                        postgres_url):
    source = open_database(sqlite_url)
    sample_hub.fill(source, count=5)
    with source.engine.connect() as conn:
        stored = conn.execute(select(sample_hub.schema.paper_index.c.vector)
                              .order_by(sample_hub.schema.paper_index.c.paper_id)).scalars().all()
    source.dispose()
    copy(sqlite_url, postgres_url)

    target = open_database(postgres_url)
    try:
        with target.engine.begin() as conn:
            assert pgsearch.any_embedding(conn, "minilm")
            embedding = pgsearch.embedding_of(conn, 1, model="minilm")
            assert embedding is not None
            assert np.array_equal(embedding, np.frombuffer(stored[0], dtype=np.float32))
            # The lexical postings are the target's own, written as the papers arrived.
            assert conn.execute(text(
                "SELECT count(DISTINCT paper_id) FROM paper_postings")).scalar_one() == 5
            carol = users.create(conn, name="carol", email="carol@example.org")
            assert carol.id == 3  # after ada and bob, not a clash with a copied id
            sample_hub.add_papers(target, 100, 1)
    finally:
        target.dispose()


def test_refuses_a_target_with_rows(sqlite_url, db_url):
    source = open_database(sqlite_url)
    sample_hub.fill(source, count=2)
    source.dispose()
    target = open_database(db_url)
    with target.engine.begin() as conn:
        users.create(conn, name="zed", email="zed@example.org")
    target.dispose()
    with pytest.raises(DatabaseError, match="table users has rows"):
        copy(sqlite_url, db_url)


def test_refuses_to_resume_another_sources_copy(tmp_path, postgres_url):
    first, second = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    for url in (first, second):
        db = open_database(url)
        sample_hub.fill(db, count=2)
        db.dispose()
    target = open_database(postgres_url)
    with target.engine.begin() as conn:
        progress.create(conn)
        conn.execute(progress.insert().values(name="papers", source=describe(first), rows=0,
                                              done=False))
    target.dispose()
    with pytest.raises(DatabaseError, match=r"unfinished copy from sqlite:///.*a\.db"):
        copy(second, postgres_url)


@pytest.mark.parametrize(("source", "target", "message"), [
    ("missing.db", "out.db", "copy: --from: no SQLite database at"),
    ("hub.db", "hub.db", "copy: --to: the same database as --from"),
    ("hub.db", "mysql://x/y", "copy: --to: database: unsupported URL scheme 'mysql'"),
    ("postgresql://nobody@127.0.0.1:1/x", "out.db", "copy: --from: database: cannot open"),
    ("hub.db", "nowhere/out.db", "copy: --to: database: folder"),
])
def test_bad_places_are_named(tmp_path, source, target, message):
    open_database(str(tmp_path / "hub.db")).dispose()
    result = subprocess.run([PAPERBOY, "copy", "--from", source, "--to", target],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 4
    assert message in result.stderr and "Traceback" not in result.stderr


def test_killed_copy_resumes_to_the_same_checksums(sqlite_url, postgres_url, postgres_server):
    source = open_database(sqlite_url)
    sample_hub.fill(source, count=600)
    source.dispose()
    command = [PAPERBOY, "copy", "--from", sqlite_url, "--to", postgres_url, "--batch", "5",
               "--json"]
    running = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_progress(postgres_url, "papers", rows=100)
    finally:
        os.kill(running.pid, signal.SIGKILL)
        running.communicate()
    assert running.returncode == -signal.SIGKILL

    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["resumed"] and report["matches"]
    assert sums(postgres_url) == sums(sqlite_url)
    assert {t["table"]: t["target_rows"] for t in report["tables"]}["papers"] == 600
    # the indexes set aside while their tables loaded are all back
    assert index_names(postgres_url) == index_names(postgres_server.url(TEMPLATE))


def wait_for_progress(url, table, rows, timeout=120.0):
    """Until the copy into `url` has written at least `rows` rows of `table`."""
    db = open_database(url, migrate=False)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with db.engine.connect() as conn:
                try:
                    found = conn.execute(select(progress.c.rows)
                                         .where(progress.c.name == table)).scalar()
                except Exception:  # the progress table is not there yet
                    found = None
            if found is not None and found >= rows:
                return
            time.sleep(0.05)
        raise AssertionError(f"the copy never reached {rows} rows of {table}")
    finally:
        db.dispose()


def test_an_older_source_is_sent_to_upgrade_first(sqlite_url, tmp_path):
    source = open_database(sqlite_url)
    with source.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    source.dispose()
    with pytest.raises(DatabaseError, match=r"source's schema is at revision 0004.*db upgrade"):
        copy(sqlite_url, str(tmp_path / "new.db"))


def test_the_command_prints_each_table_and_the_verdict(sqlite_url, tmp_path):
    source = open_database(sqlite_url)
    sample_hub.fill(source, count=3)
    source.dispose()
    result = subprocess.run([PAPERBOY, "copy", "--from", sqlite_url, "--to",
                             str(tmp_path / "copy.db")], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"papers +3 [0-9a-f]{32} ok", lines[[line.split()[0] for line in
                                                            lines].index("papers")])
    assert lines[-1].startswith("copy verified (")
    again = subprocess.run([PAPERBOY, "copy", "--from", sqlite_url, "--to",
                            str(tmp_path / "copy.db")], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 4 and "the target is not empty" in again.stderr
