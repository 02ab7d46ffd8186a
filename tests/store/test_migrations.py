import sqlite3
from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from paperboy.errors import DatabaseError
from paperboy.models import PaperRecord
from paperboy.store import migrations, open_database, papers
from paperboy.store import search as store_search
from paperboy.store.db import normalize_url
from paperboy.store.pgsearch import NOT_IN_SCHEMA
from paperboy.store.schema import metadata


def test_an_empty_database_is_brought_to_the_latest_schema(tmp_path):
    db = open_database(str(tmp_path / "new.db"))
    assert migrations.current_revision(db.engine) == migrations.head_revision()
    assert migrations.upgrade(db.engine) is False  # already there


def test_the_migrations_create_exactly_the_tables_the_queries_use(db):
    def declared(item, name, kind, reflected, _compare_to):
        return name not in NOT_IN_SCHEMA  # search objects, listed in store/pgsearch.py

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": declared})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_sqlite_pragmas_are_set(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_database_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "future.db"
    open_database(str(path)).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseError, match="newer than this paperboy knows"):
        open_database(str(path))


def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(DatabaseError, match="cannot open"):
        open_database(str(path))


@pytest.mark.parametrize(("given", "expected"), [
    ("postgresql://u:p@localhost/db", "postgresql+psycopg://u:p@localhost/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_urls_are_normalised(given, expected):
    assert normalize_url(given) == expected


@pytest.mark.parametrize("given", ["", "mysql://x/y", "http://example.com/db"])
def test_unsupported_urls_are_refused(given):
    with pytest.raises(DatabaseError):
        normalize_url(given)


def test_a_path_in_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(str(tmp_path / "no" / "such" / "folder" / "x.db"))


def test_postgresql_connections_run_in_utc_with_a_statement_timeout(postgres_url):
    db = open_database(postgres_url)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "30s"
    finally:
        db.dispose()


def test_a_postgresql_server_that_is_not_there_gets_a_clear_error():
    with pytest.raises(DatabaseError, match="cannot open"):
        open_database("postgresql://nobody@127.0.0.1:1/none")


def test_papers_stored_before_the_postings_existed_get_theirs(postgres_server):
    postgres_server.execute("CREATE DATABASE before_postings")
    url = normalize_url(postgres_server.url("before_postings"))
    engine = create_engine(url)
    try:
        command.upgrade(migrations._config(engine, True), "0007")
        with engine.begin() as conn:
            papers.upsert(conn, [PaperRecord("k", "Kelp forests", "Coast, coast.", source="jsonl")])
        assert migrations.upgrade(engine)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT lexeme FROM paper_postings")).scalars()
            assert sorted(stored) == ["coast", "forest", "kelp"]
    finally:
        engine.dispose()
        postgres_server.execute("DROP DATABASE before_postings WITH (FORCE)")


def plan_of(db, statement):
    """The lines of the plan the database makes for `statement` (PostgreSQL: scans only
    where no index serves)."""
    with db.engine.connect() as conn:
        compiled = statement.compile(dialect=conn.dialect)
        if db.is_postgresql:
            conn.exec_driver_sql("SET enable_seqscan = off")
            return conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
        return [row[3] for row in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values()))]


def test_the_author_filter_reads_an_index_not_the_papers(db):
    """SQLite scans the names alone (a covering index); PostgreSQL looks their trigrams up."""
    plan = plan_of(db, store_search.filtered_ids(store_search.Filters(authors=["Dao"])))
    assert any("ix_papers_authors" in line for line in plan), plan


def test_a_date_filter_reads_an_index_on_postgresql(postgres_url):
    db = open_database(postgres_url)
    try:
        plan = plan_of(db, store_search.filtered_ids(store_search.Filters(
            date_from=date(2024, 1, 1), date_to=date(2024, 12, 31))))
    finally:
        db.dispose()
    assert any("ix_papers_published_day" in line for line in plan), plan
