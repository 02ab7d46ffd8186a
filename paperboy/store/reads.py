"""Papers a user has marked as read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from paperboy.store.schema import reads


def mark(conn: Connection, user_id: int, paper_id: int, read: bool) -> None:
    key = (reads.c.user_id == user_id) & (reads.c.paper_id == paper_id)
    there = conn.execute(select(reads.c.paper_id).where(key)).first() is not None
    if read and not there:
        conn.execute(insert(reads).values(user_id=user_id, paper_id=paper_id,
                                          read_at=datetime.now(UTC)))
    elif not read and there:
        conn.execute(delete(reads).where(key))


def read_ids(conn: Connection, user_id: int, paper_ids: Iterable[int]) -> set[int]:
    ids = list(paper_ids)
    if not ids:
        return set()
    query = select(reads.c.paper_id).where(reads.c.user_id == user_id, reads.c.paper_id.in_(ids))
    return set(conn.execute(query).scalars())
