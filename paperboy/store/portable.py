"""Every table's rows in a form both backends read and write alike, a batch at a time.

The one difference between the backends' tables is where a paper's embedding lives: SQLite
keeps float32 bytes in `paper_index.vector`; PostgreSQL keeps it in the pgvector column
`paper_index.embedding` (migration 0004) and leaves `vector` empty. Portable rows always carry
it as float32 bytes in `vector`, so copies and checksums agree across backends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    insert,
    select,
    tuple_,
)

from paperboy.store import pgsearch
from paperboy.store.schema import UTCDateTime, metadata, paper_index

Row = dict[str, Any]
Key = tuple[Any, ...]

_pg_index = Table("paper_index", MetaData(),
                  Column("paper_id", Integer, primary_key=True),
                  Column("terms", LargeBinary),
                  Column("model", String(64)),
                  Column("vector", LargeBinary),
                  Column("embedding", Vector(pgsearch.DIMENSIONS)),
                  Column("indexed_at", UTCDateTime))


def hub_tables() -> list[Table]:
    """Every table of the hub, parents before the tables that point at them."""
    return list(metadata.sorted_tables)


def primary_key(table: Table, row: Row) -> Key:
    return tuple(row[column.name] for column in table.primary_key.columns)


def _keeps_embeddings(conn: Connection, table: Table) -> bool:
    return (table is paper_index and conn.dialect.name == "postgresql"
            and pgsearch.has_embeddings(conn))


def read_batch(conn: Connection, table: Table, after: Key | None, size: int) -> list[Row]:
    """Up to `size` rows ordered by primary key, those after `after` (None: from the start)."""
    keys = list(table.primary_key.columns)
    embedded = _keeps_embeddings(conn, table)
    source = _pg_index if embedded else table
    columns = [source.c.embedding.label("vector") if embedded and column.name == "vector"
               else source.c[column.name] for column in table.columns]
    query = select(*columns).order_by(*[source.c[k.name] for k in keys]).limit(size)
    if after is not None:
        ordered = [source.c[k.name] for k in keys]
        query = query.where(ordered[0] > after[0] if len(keys) == 1
                            else tuple_(*ordered) > tuple_(*after))
    rows = [dict(row._mapping) for row in conn.execute(query)]
    if embedded:
        for row in rows:
            if row["vector"] is not None:
                row["vector"] = np.asarray(row["vector"], dtype=np.float32).tobytes()
    return rows


def read_all(conn: Connection, table: Table, size: int = 2000) -> Iterator[list[Row]]:
    """Every row of the table, a batch at a time (memory stays flat)."""
    after: Key | None = None
    while batch := read_batch(conn, table, after, size):
        yield batch
        after = primary_key(table, batch[-1])


def write_batch(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Insert portable rows as they are (primary keys included)."""
    if not rows:
        return
    if _keeps_embeddings(conn, table):
        conn.execute(insert(_pg_index), [
            {**row, "vector": None, "embedding": _embedding(row)} for row in rows])
        return
    conn.execute(insert(table), list(rows))


def _embedding(row: Row) -> Any:
    blob = row["vector"]
    return None if blob is None else np.frombuffer(blob, dtype=np.float32)
