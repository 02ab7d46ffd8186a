"""Bulk writes on PostgreSQL through COPY, inside the caller's transaction.

A multi-row INSERT with RETURNING costs more in building and parsing its thousands of
parameters (client and server) than the rows cost to store; COPY streams the rows instead.
New papers get their ids from the table's sequence first, so their categories can follow
in a second COPY without reading anything back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy import Connection, Table, text
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None


def next_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """`count` fresh values of the table's id sequence, ascending."""
    query = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :count)")
    return sorted(conn.execute(query, {"table": table.name, "count": count}).scalars())


def copy_rows(conn: Connection, table: Table, columns: Sequence[str],
              rows: Iterable[Mapping[str, Any]]) -> None:
    """COPY rows (dicts holding at least `columns`) into the table, each value converted as
    the column's type converts a bound parameter (UTC datetimes, checked aware)."""
    processors = _bind_processors(conn, table, columns)
    quote = conn.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(map(quote, columns))}) FROM STDIN"
    try:
        with _driver(conn).cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([process(row[name]) if process else row[name]
                                for name, process in zip(columns, processors, strict=True)])
    except psycopg.Error as exc:  # as SQLAlchemy raises it for its own statements
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def _bind_processors(conn: Connection, table: Table, columns: Sequence[str]
                     ) -> list[Processor]:
    return [table.c[name].type.bind_processor(conn.dialect) for name in columns]


def _driver(conn: Connection) -> psycopg.Connection[Any]:
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver
