"""Back up a hub to a file and restore it, on either backend.

SQLite: the online backup API, which copies a consistent snapshot while the hub keeps
running (in WAL mode writers are not held up). PostgreSQL: `pg_dump --format=custom`
(a consistent snapshot too) and `pg_restore` in one transaction. A backup is written beside
its final name and renamed into place, so a file at that name is always a whole backup.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from paperboy.errors import DatabaseError, InvalidRecord
from paperboy.store import migrations, pgtools
from paperboy.store.db import Database
from paperboy.store.portable import hub_tables

SQLITE_HEADER = b"SQLite format 3\x00"
PGDUMP_HEADER = b"PGDMP"


def backup(db: Database, path: Path) -> None:
    if path.exists():
        raise DatabaseError(f"backup: {path} exists; choose a new file name")
    if not path.parent.is_dir():
        raise DatabaseError(f"backup: folder {path.parent} does not exist")
    if migrations.current_revision(db.engine) is None:
        raise DatabaseError("backup: no paperboy hub in this database (it has no schema)")
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        if db.is_sqlite:
            _sqlite_backup(db, partial)
        else:
            pgtools.dump(db.engine, partial)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)


def _sqlite_backup(db: Database, path: Path) -> None:
    raw = db.engine.raw_connection()
    try:
        with closing(sqlite3.connect(path)) as copy:
            _driver(raw).backup(copy)  # all pages in one step: one consistent snapshot
    finally:
        raw.close()


def backup_format(path: Path) -> str:
    """'sqlite' or 'pgdump', from the file's first bytes; a clear error for anything else."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        raise InvalidRecord(str(path), "no such file") from None
    except OSError as exc:
        raise InvalidRecord(str(path), f"cannot read: {exc.strerror}") from exc
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    if head.startswith(PGDUMP_HEADER):
        return "pgdump"
    raise InvalidRecord(str(path), "not a paperboy backup (neither a SQLite database nor a "
                                   "pg_dump custom-format file)")


def restore(db: Database, path: Path, force: bool = False) -> None:
    """Replace the hub in `db` by the backup at `path` (refused over a non-empty hub unless
    `force`)."""
    kind = backup_format(path)
    if kind == "sqlite" and not db.is_sqlite:
        raise InvalidRecord(str(path), "a SQLite backup: restore it into a SQLite database, or "
                                       "move it with `paperboy copy --from BACKUP --to URL`")
    if kind == "pgdump" and not db.is_postgresql:
        raise InvalidRecord(str(path), "a PostgreSQL dump: restore it into a postgresql:// "
                                       "database")
    if not force and (table := first_table_with_rows(db)):
        raise DatabaseError(f"restore: the database is not empty (table {table} has rows); "
                            "add --force to replace it")
    if kind == "sqlite":
        _sqlite_restore(db, path)
    else:
        pgtools.restore(db.engine, path)


def _sqlite_restore(db: Database, path: Path) -> None:
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        revision = _sqlite_revision(source, path)
        if revision not in _known_revisions():
            raise InvalidRecord(str(path), f"its schema is at revision {revision}, which "
                                           "this paperboy does not know")
        raw = db.engine.raw_connection()
        try:
            source.backup(_driver(raw))
        finally:
            raw.close()
    finally:
        source.close()


def _sqlite_revision(source: sqlite3.Connection, path: Path) -> str:
    try:
        found = source.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InvalidRecord(str(path), f"not a paperboy backup: {exc}") from exc
    if found is None:
        raise InvalidRecord(str(path), "not a paperboy backup: no schema revision")
    return str(found[0])


def first_table_with_rows(db: Database) -> str | None:
    with db.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for table in hub_tables():
            if table.name in present and conn.execute(select(table).limit(1)).first():
                return table.name
    return None


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory(str(migrations.HERE))
    return {script.revision for script in scripts.walk_revisions()}


def _driver(raw: Any) -> sqlite3.Connection:
    connection = raw.driver_connection
    assert isinstance(connection, sqlite3.Connection)
    return connection
