"""Copy a whole hub from one database to another (SQLite to PostgreSQL, or back).

Tables go over parents first, a batch of rows at a time in primary-key order. Each batch is
written in one transaction together with the table's progress (copy_progress.py), so a copy
that was interrupted resumes after the last batch it wrote. On PostgreSQL a table's secondary
indexes are built once it is loaded. The progress table goes once both sides' counts and
checksums agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from paperboy.errors import DatabaseError
from paperboy.store import migrations, pgsearch
from paperboy.store.checksum import TableSum, hub_sums
from paperboy.store.copy_progress import (
    build_indexes_set_aside,
    progress,
    record_batch,
    set_indexes_aside,
    table_state,
)
from paperboy.store.db import Database, normalize_url, open_database
from paperboy.store.portable import hub_tables, primary_key, read_batch, write_batch
from paperboy.store.schema import paper_index

Progress = Callable[[str, int], None]  # table, rows copied so far


@dataclass(frozen=True)
class CopyReport:
    source: list[TableSum]
    target: list[TableSum]
    resumed: bool

    @property
    def matches(self) -> bool:
        return self.source == self.target


def describe(url: str) -> str:
    """How a copy names its source: the URL without its password."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def check_ready(source: Database, target: Database, source_name: str) -> bool:
    """Refuse what cannot be copied; return whether this resumes an interrupted copy."""
    revision = migrations.current_revision(source.engine)
    if revision != migrations.head_revision():
        raise DatabaseError(f"copy: the source's schema is at revision {revision}, not "
                            f"{migrations.head_revision()}: run `paperboy --db SOURCE db "
                            "upgrade` first")
    with target.engine.connect() as conn:
        if inspect(conn).has_table(progress.name):
            started = conn.execute(select(progress.c.source).limit(1)).scalar_one_or_none()
            if started not in (None, source_name):
                raise DatabaseError(f"copy: the target holds an unfinished copy from "
                                    f"{started}, not from {source_name}")
            return started is not None
        for table in hub_tables():
            if conn.execute(select(table).limit(1)).first() is not None:
                raise DatabaseError(f"copy: the target is not empty (table {table.name} has "
                                    "rows): copy into a new database")
    with source.engine.connect() as src, target.engine.connect() as dst:
        if (dst.dialect.name == "postgresql" and not pgsearch.has_embeddings(dst)
                and src.execute(select(paper_index.c.paper_id)
                                .where(paper_index.c.vector.is_not(None)).limit(1)).first()):
            raise DatabaseError("copy: the source has embeddings but the target PostgreSQL "
                                "has no pgvector column (lexical-only mode): install pgvector")
    return False


def copy_hub(source: Database, target: Database, source_name: str, batch: int = 1000,
             on_progress: Progress | None = None) -> CopyReport:
    """Copy every table of `source` into `target` (migrated to the same revision, and empty
    or holding an unfinished copy of the same source), then compare counts and checksums."""
    resumed = check_ready(source, target, source_name)
    with target.engine.begin() as conn:
        progress.create(conn, checkfirst=True)
    for table in hub_tables():
        copy_table(source, target, table, source_name, batch, on_progress)
    if target.is_postgresql:
        with target.engine.begin() as conn:
            advance_sequences(conn)
    with source.engine.connect() as src, target.engine.connect() as dst:
        report = CopyReport(hub_sums(src), hub_sums(dst), resumed)
    if report.matches:
        with target.engine.begin() as conn:
            progress.drop(conn)
    return report


def copy_table(source: Database, target: Database, table: Table, source_name: str,
               batch: int, on_progress: Progress | None) -> None:
    with target.engine.begin() as conn:
        done, rows, after = table_state(conn, table.name, source_name)
        if not done and target.is_postgresql:
            set_indexes_aside(conn, table.name, source_name)
    while not done:
        with source.engine.connect() as src:
            rows_read = read_batch(src, table, after, batch)
        with target.engine.begin() as conn:
            write_batch(conn, table, rows_read)
            if rows_read:
                after = primary_key(table, rows_read[-1])
                rows += len(rows_read)
            done = len(rows_read) < batch
            record_batch(conn, table.name, after, rows, done)
        if on_progress:
            on_progress(table.name, rows)
    if target.is_postgresql:
        with target.engine.begin() as conn:
            build_indexes_set_aside(conn, table.name)


def advance_sequences(conn: Connection) -> None:
    """Set each serial column's sequence past the ids copied in (PostgreSQL)."""
    for table in hub_tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        name = keys[0].name
        sequence: Any = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                     {"t": table.name, "c": name}).scalar()
        if sequence is None:
            continue
        highest = conn.execute(select(func.max(table.c[name]))).scalar()
        conn.execute(text("SELECT setval(:s, :v, false)"),
                     {"s": sequence, "v": int(highest or 0) + 1})


def open_source(url: str) -> Database:
    """The hub to copy from, opened as it is (never migrated: a copy does not write to it)."""
    with _named("--from"):
        normalized = normalize_url(url)
        if normalized.startswith("sqlite"):
            path = make_url(normalized).database or ""
            if path and path != ":memory:" and not Path(path).is_file():
                raise DatabaseError(f"no SQLite database at {path}")
        return open_database(url, migrate=False)


def open_target(url: str, source_url: str) -> Database:
    """The database to copy into, migrated to the latest revision (as the source must be)."""
    with _named("--to"):
        if normalize_url(url) == normalize_url(source_url):
            raise DatabaseError("the same database as --from")
        return open_database(url)


@contextmanager
def _named(option: str) -> Iterator[None]:
    """Our database errors, said of the option that gave the database."""
    try:
        yield
    except DatabaseError as exc:
        raise DatabaseError(f"copy: {option}: {exc}") from exc
