"""Subscriptions: what a user follows in their digest (a search, an author, a category, the
day's top-N trending, recommendations). Values are checked here, before they are stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from paperboy import categories
from paperboy.errors import InvalidValue
from paperboy.store.schema import subscriptions, users

Kind = Literal["query", "author", "category", "trending", "recommended"]
KINDS: tuple[Kind, ...] = get_args(Kind)
MAX_VALUE = 500
MAX_TRENDING = 100
MAX_PER_USER = 50


class InvalidSubscription(InvalidValue):
    """A subscription that cannot be stored; `field` names the option or form field."""


@dataclass(frozen=True)
class Subscription:
    id: int
    user_id: int
    kind: Kind
    value: str
    created_at: datetime

    @property
    def trending_count(self) -> int:
        return int(self.value) if self.kind == "trending" else 0

    def describe(self) -> str:
        """How the settings page and `subscription list` name it."""
        return {"query": f"search '{self.value}'", "author": f"author {self.value}",
                "category": f"category {self.value}", "trending": f"top {self.value} trending",
                "recommended": "recommendations"}[self.kind]


def normalize(kind: str, value: str | int | None) -> tuple[Kind, str]:
    """The kind and the value as stored, or InvalidSubscription saying what is wrong."""
    if kind not in KINDS:
        raise InvalidSubscription("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    text = " ".join(str(value if value is not None else "").split())
    if kind == "recommended":
        return "recommended", ""
    if kind == "trending":
        return "trending", str(_trending_count(text))
    if not text:
        raise InvalidSubscription(kind, "must not be empty")
    if len(text) > MAX_VALUE:
        raise InvalidSubscription(kind, f"longer than {MAX_VALUE} characters")
    if kind == "category":
        return kind, categories.checked(text)
    return kind, text


def _trending_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_TRENDING:
        raise InvalidSubscription("trending", f"{text!r} is not a number of papers from 1 to "
                                              f"{MAX_TRENDING}")
    return int(text)


def add(conn: Connection, user_id: int, kind: str, value: str | int | None) -> Subscription:
    """Store a subscription; adding one the user already has returns the existing one."""
    kind, text = normalize(kind, value)
    existing = _find(conn, user_id, kind, text)
    if existing is not None:
        return existing
    if len(for_user(conn, user_id)) >= MAX_PER_USER:
        raise InvalidSubscription(kind, f"a user can have at most {MAX_PER_USER} subscriptions")
    try:
        with conn.begin_nested():
            conn.execute(insert(subscriptions).values(user_id=user_id, kind=kind, value=text,
                                                      created_at=datetime.now(UTC)))
    except IntegrityError:  # added concurrently: the unique constraint kept one
        pass
    found = _find(conn, user_id, kind, text)
    assert found is not None
    return found


def for_user(conn: Connection, user_id: int) -> list[Subscription]:
    query = (select(subscriptions).where(subscriptions.c.user_id == user_id)
             .order_by(subscriptions.c.id))
    return [_one(row) for row in conn.execute(query)]


def for_users(conn: Connection, user_ids: Iterable[int]) -> dict[int, list[Subscription]]:
    """`for_user` of several users at once (users without any left out)."""
    query = (select(subscriptions).where(subscriptions.c.user_id.in_(list(user_ids)))
             .order_by(subscriptions.c.id))
    found: dict[int, list[Subscription]] = {}
    for sub in map(_one, conn.execute(query)):
        found.setdefault(sub.user_id, []).append(sub)
    return found


def by_id(conn: Connection, subscription_id: int) -> Subscription | None:
    row = conn.execute(select(subscriptions).where(subscriptions.c.id == subscription_id)).first()
    return _one(row) if row else None


def listed(conn: Connection, user_id: int | None = None) -> list[tuple[str, Subscription]]:
    """(email, subscription) for every subscription, or one user's, by user then id."""
    query = (select(users.c.email, subscriptions).join(users, users.c.id == subscriptions.c.user_id)
             .order_by(users.c.email, subscriptions.c.id))
    if user_id is not None:
        query = query.where(subscriptions.c.user_id == user_id)
    return [(row.email, _one(row)) for row in conn.execute(query)]


def remove(conn: Connection, subscription_id: int, user_id: int | None = None) -> bool:
    """Delete one subscription (only if it is this user's, when one is given)."""
    query = delete(subscriptions).where(subscriptions.c.id == subscription_id)
    if user_id is not None:
        query = query.where(subscriptions.c.user_id == user_id)
    return conn.execute(query).rowcount > 0


def remove_all(conn: Connection, user_id: int) -> int:
    return conn.execute(delete(subscriptions).where(subscriptions.c.user_id == user_id)).rowcount


def subscriber_ids(conn: Connection) -> list[int]:
    """Users with at least one subscription, in id order."""
    query = select(subscriptions.c.user_id).distinct().order_by(subscriptions.c.user_id)
    return list(conn.execute(query).scalars())


def _find(conn: Connection, user_id: int, kind: str, value: str) -> Subscription | None:
    row = conn.execute(select(subscriptions).where(
        subscriptions.c.user_id == user_id, subscriptions.c.kind == kind,
        subscriptions.c.value == value)).first()
    return _one(row) if row else None


def _one(row: object) -> Subscription:
    m = row._mapping  # type: ignore[attr-defined]
    return Subscription(id=m["id"], user_id=m["user_id"], kind=m["kind"], value=m["value"],
                        created_at=m["created_at"])
