"""`backup` and `restore` on both backends: a consistent copy of a hub being written to, the
same rows back, and clear refusals."""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from paperboy.errors import DatabaseError, InvalidRecord
from paperboy.store import open_database, pgtools, users
from paperboy.store.backup import backup, restore
from paperboy.store.schema import paper_categories, paper_index, papers
from tests.store import sample_hub

PAPERBOY = str(Path(sys.executable).parent / "paperboy")
_numbers = itertools.count(1)


@pytest.fixture
def blank_url(db_url, tmp_path, request):
    """A database without any schema on the same backend as `db_url`."""
    if not db_url.startswith("postgresql"):
        yield str(tmp_path / "restored.db")
        return
    server = request.getfixturevalue("postgres_server")
    name = f"blank_{next(_numbers)}"
    server.execute(f"CREATE DATABASE {name}")
    yield server.url(name)
    server.execute(f"DROP DATABASE {name} WITH (FORCE)")


sums = sample_hub.sums


def suffix(url):
    return ".dump" if url.startswith("postgresql") else ".db"


def test_restore_gives_back_every_row(db, db_url, blank_url, tmp_path):
    sample_hub.fill(db)
    path = tmp_path / f"hub{suffix(db_url)}"
    backup(db, path)
    target = open_database(blank_url, migrate=False)
    try:
        restore(target, path)
    finally:
        target.dispose()
    assert sums(blank_url) == sums(db_url)
    reopened = open_database(blank_url)  # current schema: nothing to migrate, usable at once
    with reopened.engine.begin() as conn:
        assert users.create(conn, name="carol", email="carol@example.org").id == 3
    reopened.dispose()


def test_a_backup_taken_while_writing_is_consistent(db, db_url, blank_url, tmp_path):
    sample_hub.fill(db, count=5)
    stop, written = threading.Event(), []

    def writer() -> None:
        hub = open_database(db_url)
        try:
            for first in itertools.count(1000, 5):
                if stop.is_set():
                    return
                sample_hub.add_papers(hub, first, 5)  # papers, categories, index: one go
                written.append(first)
        finally:
            hub.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            thread.join(0.05)
        path = tmp_path / f"live{suffix(db_url)}"
        backup(db, path)
        mid_backup = len(written)
        while len(written) < mid_backup + 2:
            thread.join(0.05)
    finally:
        stop.set()
        thread.join()

    target = open_database(blank_url, migrate=False)
    try:
        restore(target, path)
        with target.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(papers)).scalar_one()
            indexed = conn.execute(select(func.count()).select_from(paper_index)).scalar_one()
            categories = conn.execute(select(func.count()).select_from(paper_categories)
                                      ).scalar_one()
    finally:
        target.dispose()
    assert (count - 5) % 5 == 0 and 5 + 5 * 3 <= count < 5 + 5 * len(written)
    assert indexed == count  # no paper without the index row written with it
    assert categories == sum(len(sample_hub.record(n).categories)
                             for n in [*range(1, 6), *range(1000, 1000 + count - 5)])
    if db.is_sqlite:  # the backup is itself a database: the restore holds exactly its rows
        assert sums(blank_url) == sums(str(path))


def test_restore_refuses_a_hub_with_rows_unless_forced(db, db_url, tmp_path):
    sample_hub.fill(db, count=3)
    path = tmp_path / f"hub{suffix(db_url)}"
    before = sums(db_url)
    backup(db, path)
    with db.engine.begin() as conn:
        users.create(conn, name="late", email="late@example.org")
    with pytest.raises(DatabaseError, match=r"not empty \(table \w+ has rows\); add --force"):
        restore(db, path)
    result = subprocess.run([PAPERBOY, "--db", db_url, "restore", str(path), "--force"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert sums(db_url) == before


def test_backup_never_overwrites(sqlite_db, tmp_path):
    path = tmp_path / "exists.db"
    path.write_text("keep me")
    with pytest.raises(DatabaseError, match="exists; choose a new file name"):
        backup(sqlite_db, path)
    assert path.read_text() == "keep me"


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("folder", "cannot read: Is a directory"),
    (b"", "not a paperboy backup"),
    (b"PK\x03\x04 a zip file", "not a paperboy backup"),
    ("foreign-sqlite", "not a paperboy backup: no such table: alembic_version"),
    ("pgdump-into-sqlite", "a PostgreSQL dump: restore it into a postgresql:// database"),
])
def test_restore_names_the_file_it_cannot_use(sqlite_db, tmp_path, content, message):
    path = tmp_path / "given.bak"
    if content == "folder":
        path.mkdir()
    elif content == "foreign-sqlite":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (x)")
        conn.close()
    elif content == "pgdump-into-sqlite":
        path.write_bytes(b"PGDMP\x01\x10\x00")
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(InvalidRecord) as caught:
        restore(sqlite_db, path)
    assert caught.value.place == str(path) and message in caught.value.reason


def test_a_sqlite_backup_is_not_restored_into_postgres(sqlite_db, postgres_url, tmp_path):
    path = tmp_path / "hub.db"
    backup(sqlite_db, path)
    result = subprocess.run([PAPERBOY, "--db", postgres_url, "restore", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "a SQLite backup: restore it into a SQLite database" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_dump_is_named(postgres_url, tmp_path):
    path = tmp_path / "cut.dump"
    path.write_bytes(b"PGDMP\x01\x10\x00 cut short")
    db = open_database(postgres_url)
    try:
        with pytest.raises(InvalidRecord) as caught:
            restore(db, path)
    finally:
        db.dispose()
    assert caught.value.place == str(path)
    assert "pg_restore cannot read it" in caught.value.reason


def test_no_pg_dump_for_the_server_says_what_to_install():
    with pytest.raises(DatabaseError, match=r"no pg_dump for PostgreSQL 99 or newer .*"
                                            r"install postgresql-client-99"):
        pgtools.tools_for(99)


def test_backup_of_no_hub_is_refused(tmp_path):
    result = subprocess.run([PAPERBOY, "--db", str(tmp_path / "typo.db"), "backup",
                             str(tmp_path / "out.db")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 4
    assert "backup: no paperboy hub in this database" in result.stderr
    assert not (tmp_path / "out.db").exists()
