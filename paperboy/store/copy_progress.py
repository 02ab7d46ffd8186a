"""What a copy has done so far, kept in the target itself (`paperboy_copy`), so a copy that
was interrupted resumes where it stopped.

One row per table: the primary key of the last row written, in the same transaction as the
rows. On PostgreSQL, one row per secondary index set aside while its table loads (its
definition in `last_key`): an HNSW index built once over a million vectors takes minutes,
kept up row by row it takes hours.
"""

from __future__ import annotations

import json

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    text,
    update,
)

from paperboy.store.pgtools import build_memory
from paperboy.store.portable import Key

progress = Table("paperboy_copy", MetaData(),
                 Column("name", String(200), primary_key=True),  # a table, or "index TABLE NAME"
                 Column("source", Text, nullable=False),
                 Column("last_key", Text),  # JSON key of the last row copied; an index's DDL
                 Column("rows", Integer, nullable=False),
                 Column("done", Boolean, nullable=False))


def table_state(conn: Connection, name: str, source_name: str) -> tuple[bool, int, Key | None]:
    """(done, rows copied, last key) for a table, starting its progress row if new."""
    found = conn.execute(select(progress.c.done, progress.c.rows, progress.c.last_key)
                         .where(progress.c.name == name)).first()
    if found is None:
        conn.execute(insert(progress).values(name=name, source=source_name, last_key=None,
                                             rows=0, done=False))
        return False, 0, None
    done, rows, last_key = found
    return bool(done), int(rows), None if last_key is None else tuple(json.loads(last_key))


def record_batch(conn: Connection, name: str, last: Key | None, rows: int, done: bool) -> None:
    conn.execute(update(progress).where(progress.c.name == name).values(
        last_key=None if last is None else json.dumps(list(last)), rows=rows, done=done))


def set_indexes_aside(conn: Connection, table: str, source_name: str) -> None:
    """Drop the table's secondary (non-unique) indexes, keeping their definitions (PostgreSQL)."""
    found = conn.execute(text(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relname = :t AND t.relnamespace = current_schema()::regnamespace "
        "AND NOT i.indisunique AND NOT i.indisprimary"), {"t": table}).all()
    for name, definition in found:
        conn.execute(insert(progress).values(name=f"index {table} {name}", source=source_name,
                                             last_key=definition, rows=0, done=False))
        conn.execute(text(f'DROP INDEX "{name}"'))


def build_indexes_set_aside(conn: Connection, table: str) -> None:
    """Build the indexes set aside for this table again, with no statement timeout."""
    prefix = f"index {table} "
    found = conn.execute(select(progress.c.name, progress.c.last_key)
                         .where(progress.c.name.startswith(prefix, autoescape=True))).all()
    if not found:
        return
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    if memory := build_memory(conn):
        conn.execute(text(f"SET LOCAL maintenance_work_mem = '{memory}'"))
    for name, definition in found:
        conn.execute(text(definition))
        conn.execute(delete(progress).where(progress.c.name == name))
