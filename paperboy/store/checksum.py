"""What a hub holds, table by table: its row count and a checksum of its rows.

The checksum is the sum (mod 2**128) of a hash of each row's portable values, so it does not
depend on the order rows come in, nor on the backend: the same hub on SQLite and on
PostgreSQL sums to the same value. It reads a batch at a time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table

from paperboy.store.portable import Row, hub_tables, read_all

MODULUS = 2**128


@dataclass(frozen=True)
class TableSum:
    table: str
    rows: int
    checksum: str  # 32 hex digits

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "rows": self.rows, "checksum": self.checksum}


def table_sum(conn: Connection, table: Table) -> TableSum:
    rows, total = 0, 0
    for batch in read_all(conn, table):
        rows += len(batch)
        total = (total + sum(row_hash(table, row) for row in batch)) % MODULUS
    return TableSum(table.name, rows, f"{total:032x}")


def hub_sums(conn: Connection) -> list[TableSum]:
    """Every table's count and checksum, parents first."""
    return [table_sum(conn, table) for table in hub_tables()]


def row_hash(table: Table, row: Row) -> int:
    digest = hashlib.blake2b(digest_size=16)
    for column in table.columns:
        digest.update(_encoded(row[column.name]))
    return int.from_bytes(digest.digest(), "big")


def _encoded(value: Any) -> bytes:
    """A value as typed, length-prefixed bytes: no two different values encode alike."""
    if value is None:
        tag, data = b"N", b""
    elif isinstance(value, bool):  # before int: a bool is an int
        tag, data = b"T", b"1" if value else b"0"
    elif isinstance(value, int):
        tag, data = b"I", str(value).encode()
    elif isinstance(value, bytes | bytearray | memoryview):
        tag, data = b"B", bytes(value)
    elif isinstance(value, datetime):  # before date: a datetime is a date
        tag, data = b"D", value.isoformat(timespec="microseconds").encode()
    elif isinstance(value, date):
        tag, data = b"d", value.isoformat().encode()
    elif isinstance(value, float):
        tag, data = b"F", repr(value).encode()
    else:
        tag, data = b"S", str(value).encode()
    return tag + len(data).to_bytes(8, "big") + data
