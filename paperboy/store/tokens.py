"""API tokens: only their SHA-256 is stored; the token itself is shown once, when made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select, update

from paperboy.store.schema import api_tokens


@dataclass(frozen=True)
class Token:
    id: int
    user_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


def create(conn: Connection, user_id: int, name: str, token_hash: str) -> int:
    return int(conn.execute(insert(api_tokens).values(
        user_id=user_id, name=name, token_hash=token_hash, created_at=datetime.now(UTC))
        .returning(api_tokens.c.id)).scalar_one())


def user_of(conn: Connection, token_hash: str) -> int | None:
    """The user a token belongs to (and note that it was used)."""
    user_id: int | None = conn.execute(select(api_tokens.c.user_id).where(
        api_tokens.c.token_hash == token_hash)).scalar()
    if user_id is not None:
        conn.execute(update(api_tokens).where(api_tokens.c.token_hash == token_hash)
                     .values(last_used_at=datetime.now(UTC)))
    return user_id


def of_user(conn: Connection, user_id: int) -> list[Token]:
    query = (select(api_tokens).where(api_tokens.c.user_id == user_id)
             .order_by(api_tokens.c.created_at.desc()))
    return [Token(m["id"], m["user_id"], m["name"], m["created_at"], m["last_used_at"])
            for m in conn.execute(query).mappings()]


def revoke(conn: Connection, user_id: int, token_id: int) -> bool:
    return bool(conn.execute(delete(api_tokens).where(
        api_tokens.c.id == token_id, api_tokens.c.user_id == user_id)).rowcount)
