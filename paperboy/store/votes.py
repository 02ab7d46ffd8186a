"""Upvotes: one per user per paper, undoable. `papers.local_upvotes` is recounted on each change,
in the same transaction, so listings can sort on it without a join."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from paperboy.store.schema import papers, votes


def add(conn: Connection, user_id: int, paper_id: int) -> bool:
    """Upvote; False when the user had already upvoted the paper."""
    if conn.execute(select(votes.c.user_id).where(votes.c.user_id == user_id,
                                                  votes.c.paper_id == paper_id)).first():
        return False
    conn.execute(insert(votes).values(user_id=user_id, paper_id=paper_id,
                                      created_at=datetime.now(UTC)))
    recount(conn, [paper_id])
    return True


def remove(conn: Connection, user_id: int, paper_id: int) -> bool:
    """Take an upvote back; False when there was none."""
    gone = conn.execute(delete(votes).where(votes.c.user_id == user_id,
                                            votes.c.paper_id == paper_id)).rowcount
    recount(conn, [paper_id])
    return bool(gone)


def voted(conn: Connection, user_id: int, paper_ids: Iterable[int]) -> set[int]:
    """Which of these papers the user has upvoted."""
    ids = list(paper_ids)
    if not ids:
        return set()
    query = select(votes.c.paper_id).where(votes.c.user_id == user_id, votes.c.paper_id.in_(ids))
    return set(conn.execute(query).scalars())


def voted_uids(conn: Connection, user_id: int, limit: int | None = 50) -> list[str]:
    """The papers the user upvoted, latest vote first (all of them with `limit=None`)."""
    query = (select(papers.c.uid).join(votes, votes.c.paper_id == papers.c.id)
             .where(votes.c.user_id == user_id, papers.c.hidden_at.is_(None))
             .order_by(votes.c.created_at.desc(), papers.c.id.desc()).limit(limit))
    return list(conn.execute(query).scalars())


def forget_user(conn: Connection, user_id: int) -> None:
    """Remove every vote of a user (their account is going) and recount those papers."""
    paper_ids = list(conn.execute(select(votes.c.paper_id).where(votes.c.user_id == user_id))
                     .scalars())
    conn.execute(delete(votes).where(votes.c.user_id == user_id))
    recount(conn, paper_ids)


def recount(conn: Connection, paper_ids: list[int]) -> None:
    if not paper_ids:
        return
    counted = (select(func.count()).select_from(votes)
               .where(votes.c.paper_id == papers.c.id).scalar_subquery())
    conn.execute(update(papers).where(papers.c.id.in_(paper_ids)).values(local_upvotes=counted))
