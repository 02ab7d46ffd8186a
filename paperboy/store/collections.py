"""Collections: a user's named lists of papers, public or private, with a note per paper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, delete, func, insert, select, update

from paperboy.store.schema import collection_items, collections, papers, users


@dataclass(frozen=True)
class Collection:
    id: int
    user_id: int
    owner: str
    slug: str
    name: str
    description: str
    public: bool
    size: int
    updated_at: datetime


@dataclass(frozen=True)
class Item:
    uid: str
    note: str
    added_at: datetime


class CollectionExists(Exception):
    pass


def create(conn: Connection, *, user_id: int, slug: str, name: str, description: str = "",
           public: bool = False) -> Collection:
    if get(conn, user_id, slug) is not None:
        raise CollectionExists(slug)
    now = datetime.now(UTC)
    conn.execute(insert(collections).values(
        user_id=user_id, slug=slug, name=name, description=description, public=public,
        created_at=now, updated_at=now))
    found = get(conn, user_id, slug)
    assert found is not None
    return found


def get(conn: Connection, user_id: int, slug: str) -> Collection | None:
    found = _select(conn, (collections.c.user_id == user_id) & (collections.c.slug == slug))
    return found[0] if found else None


def of_user(conn: Connection, user_id: int, *, private_too: bool) -> list[Collection]:
    condition = collections.c.user_id == user_id
    if not private_too:
        condition = condition & collections.c.public
    return _select(conn, condition)


def containing(conn: Connection, paper_id: int, *, viewer_id: int | None) -> list[Collection]:
    """Collections that hold the paper: the public ones, and the viewer's own."""
    held = select(collection_items.c.collection_id).where(
        collection_items.c.paper_id == paper_id)
    visible: ColumnElement[bool] = collections.c.public
    if viewer_id is not None:
        visible = visible | (collections.c.user_id == viewer_id)
    return _select(conn, collections.c.id.in_(held) & visible)


def update_details(conn: Connection, collection_id: int, *, name: str, description: str,
                   public: bool) -> None:
    conn.execute(update(collections).where(collections.c.id == collection_id).values(
        name=name, description=description, public=public, updated_at=datetime.now(UTC)))


def remove(conn: Connection, collection_id: int) -> None:
    conn.execute(delete(collections).where(collections.c.id == collection_id))


def add_paper(conn: Connection, collection_id: int, paper_id: int, note: str = "") -> bool:
    """Add a paper (or change its note when it is there). True when newly added."""
    key = ((collection_items.c.collection_id == collection_id)
           & (collection_items.c.paper_id == paper_id))
    now = datetime.now(UTC)
    there = conn.execute(select(collection_items.c.paper_id).where(key)).first() is not None
    if there:
        conn.execute(update(collection_items).where(key).values(note=note))
    else:
        conn.execute(insert(collection_items).values(
            collection_id=collection_id, paper_id=paper_id, note=note, added_at=now))
    _touch(conn, collection_id, now)
    return not there


def remove_paper(conn: Connection, collection_id: int, paper_id: int) -> bool:
    gone = conn.execute(delete(collection_items).where(
        collection_items.c.collection_id == collection_id,
        collection_items.c.paper_id == paper_id)).rowcount
    _touch(conn, collection_id, datetime.now(UTC))
    return bool(gone)


def items(conn: Connection, collection_id: int, *, offset: int = 0,
          limit: int = 100) -> list[Item]:
    """Papers in the collection, latest added first (hidden papers left out)."""
    query = (select(papers.c.uid, collection_items.c.note, collection_items.c.added_at)
             .join(papers, papers.c.id == collection_items.c.paper_id)
             .where(collection_items.c.collection_id == collection_id,
                    papers.c.hidden_at.is_(None))
             .order_by(collection_items.c.added_at.desc(), papers.c.id.desc())
             .offset(offset).limit(limit))
    return [Item(uid, note, added_at) for uid, note, added_at in conn.execute(query)]


def _touch(conn: Connection, collection_id: int, now: datetime) -> None:
    conn.execute(update(collections).where(collections.c.id == collection_id)
                 .values(updated_at=now))


def _select(conn: Connection, condition: object) -> list[Collection]:
    size = (select(func.count()).select_from(collection_items)
            .where(collection_items.c.collection_id == collections.c.id).scalar_subquery())
    query = (select(collections, users.c.name.label("owner"), size.label("size"))
             .join(users, users.c.id == collections.c.user_id)
             .where(condition)  # type: ignore[arg-type]
             .order_by(collections.c.updated_at.desc(), collections.c.id.desc()))
    return [Collection(id=m["id"], user_id=m["user_id"], owner=m["owner"], slug=m["slug"],
                       name=m["name"], description=m["description"], public=bool(m["public"]),
                       size=int(m["size"]), updated_at=m["updated_at"])
            for m in conn.execute(query).mappings()]
