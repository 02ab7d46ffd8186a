"""Comments on papers: a flat list in time order (replies point to their parent).

A deleted comment that has replies keeps its place with its text gone; one without replies is
removed. `papers.local_comments` counts the visible ones, recounted in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from paperboy.store.schema import comments, papers, users


@dataclass(frozen=True)
class Comment:
    id: int
    paper_id: int
    user_id: int | None
    author: str | None  # None: the account was deleted
    parent_id: int | None
    body: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    hidden: bool

    @property
    def shown(self) -> bool:
        return not (self.deleted or self.hidden)


def add(conn: Connection, *, paper_id: int, user_id: int, body: str,
        parent_id: int | None = None) -> Comment:
    """Add a comment; a reply's parent must be a comment on the same paper."""
    if parent_id is not None:
        parent = get(conn, parent_id)
        if parent is None or parent.paper_id != paper_id:
            raise LookupError(f"comment {parent_id}: no such comment on this paper")
    comment_id = conn.execute(insert(comments).values(
        paper_id=paper_id, user_id=user_id, parent_id=parent_id, body=body,
        created_at=datetime.now(UTC)).returning(comments.c.id)).scalar_one()
    _recount(conn, paper_id)
    found = get(conn, comment_id)
    assert found is not None
    return found


def get(conn: Connection, comment_id: int) -> Comment | None:
    rows = _select(conn, comments.c.id == comment_id)
    return rows[0] if rows else None


def for_paper(conn: Connection, paper_id: int) -> list[Comment]:
    return _select(conn, comments.c.paper_id == paper_id)


def edit(conn: Connection, comment_id: int, body: str) -> None:
    conn.execute(update(comments).where(comments.c.id == comment_id)
                 .values(body=body, edited_at=datetime.now(UTC)))


def remove(conn: Connection, comment_id: int) -> None:
    """Delete a comment: blanked if it has replies, gone if not."""
    comment = get(conn, comment_id)
    if comment is None:
        return
    has_replies = conn.execute(select(comments.c.id).where(
        comments.c.parent_id == comment_id).limit(1)).first() is not None
    if has_replies:
        conn.execute(update(comments).where(comments.c.id == comment_id)
                     .values(body="", deleted_at=datetime.now(UTC)))
    else:
        conn.execute(delete(comments).where(comments.c.id == comment_id))
    _recount(conn, comment.paper_id)


def set_hidden(conn: Connection, comment_id: int, hidden: bool) -> None:
    comment = get(conn, comment_id)
    if comment is None:
        return
    conn.execute(update(comments).where(comments.c.id == comment_id)
                 .values(hidden_at=datetime.now(UTC) if hidden else None))
    _recount(conn, comment.paper_id)


def count_by_user(conn: Connection, user_id: int) -> int:
    query = select(func.count()).select_from(comments).where(
        comments.c.user_id == user_id, comments.c.deleted_at.is_(None))
    return int(conn.execute(query).scalar_one())


def _select(conn: Connection, condition: object) -> list[Comment]:
    query = (select(comments, users.c.name)
             .outerjoin(users, users.c.id == comments.c.user_id)
             .where(condition)  # type: ignore[arg-type]
             .order_by(comments.c.created_at, comments.c.id))
    return [Comment(id=m["id"], paper_id=m["paper_id"], user_id=m["user_id"], author=m["name"],
                    parent_id=m["parent_id"], body=m["body"], created_at=m["created_at"],
                    edited_at=m["edited_at"], deleted=m["deleted_at"] is not None,
                    hidden=m["hidden_at"] is not None)
            for m in conn.execute(query).mappings()]


def _recount(conn: Connection, paper_id: int) -> None:
    visible = (select(func.count()).select_from(comments)
               .where(comments.c.paper_id == papers.c.id, comments.c.deleted_at.is_(None),
                      comments.c.hidden_at.is_(None)).scalar_subquery())
    conn.execute(update(papers).where(papers.c.id == paper_id).values(local_comments=visible))
