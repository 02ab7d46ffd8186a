"""Users: create, find, change, delete. Passwords arrive here already hashed (see accounts/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperboy.store import votes
from paperboy.store.schema import users


class UserExists(Exception):
    """The name or email is taken (`field` says which)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} already in use")
        self.field = field


@dataclass(frozen=True)
class User:
    id: int
    name: str
    email: str
    password_hash: str | None
    is_admin: bool
    suspended: bool
    confirmed: bool
    timezone: str
    session_epoch: int
    created_at: datetime


def create(conn: Connection, *, name: str, email: str, password_hash: str | None = None,
           is_admin: bool = False, confirmed: bool = False, timezone: str = "UTC") -> User:
    now = datetime.now(UTC)
    for field, value in (("name", name), ("email", email)):
        if conn.execute(select(users.c.id).where(users.c[field] == value)).first():
            raise UserExists(field)
    try:
        with conn.begin_nested():
            user_id = conn.execute(insert(users).values(
                name=name, email=email, password_hash=password_hash, is_admin=is_admin,
                confirmed_at=now if confirmed else None, timezone=timezone, created_at=now,
            ).returning(users.c.id)).scalar_one()
    except IntegrityError as exc:  # a concurrent sign-up took it between the check and here
        raise UserExists("name or email") from exc
    found = by_id(conn, user_id)
    assert found is not None
    return found


def by_id(conn: Connection, user_id: int) -> User | None:
    return _one(conn.execute(select(users).where(users.c.id == user_id)).first())


def by_email(conn: Connection, email: str) -> User | None:
    return _one(conn.execute(select(users).where(users.c.email == email.lower())).first())


def by_name(conn: Connection, name: str) -> User | None:
    return _one(conn.execute(select(users).where(users.c.name == name.lower())).first())


def by_names(conn: Connection, names: list[str]) -> dict[str, User]:
    if not names:
        return {}
    rows = conn.execute(select(users).where(users.c.name.in_([n.lower() for n in names])))
    return {user.name: user for user in map(_one, rows) if user is not None}


def everyone(conn: Connection) -> list[User]:
    return [user for user in map(_one, conn.execute(select(users).order_by(users.c.name)))
            if user is not None]


def suspended(conn: Connection) -> list[User]:
    rows = conn.execute(select(users).where(users.c.suspended_at.is_not(None))
                        .order_by(users.c.name))
    return [user for user in map(_one, rows) if user is not None]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def set_password(conn: Connection, user_id: int, password_hash: str, *,
                 epoch: int | None = None, first: bool = False) -> bool:
    """Store a new password hash; it ends every session of the user and every link bound to
    their session epoch. With `epoch`, only while the epoch is still that one, and with
    `first`, only for a user without a password: a mailed link that sets a password works
    once, even when used twice at once. False when nothing was changed."""
    conditions = [users.c.id == user_id]
    if epoch is not None:
        conditions.append(users.c.session_epoch == epoch)
    if first:
        conditions.append(users.c.password_hash.is_(None))
    return conn.execute(update(users).where(*conditions).values(
        password_hash=password_hash, session_epoch=users.c.session_epoch + 1)).rowcount == 1


def rehash_password(conn: Connection, user_id: int, old_hash: str, new_hash: str) -> None:
    """Store the same password's hash under new parameters, unless it changed meanwhile."""
    conn.execute(update(users).where(users.c.id == user_id, users.c.password_hash == old_hash)
                 .values(password_hash=new_hash))


def end_sessions(conn: Connection, user_id: int) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(
        session_epoch=users.c.session_epoch + 1))


def set_admin(conn: Connection, user_id: int, is_admin: bool) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(is_admin=is_admin))


def set_suspended(conn: Connection, user_id: int, suspended: bool) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(
        suspended_at=datetime.now(UTC) if suspended else None,
        session_epoch=users.c.session_epoch + 1))


def confirm(conn: Connection, user_id: int) -> None:
    conn.execute(update(users).where(users.c.id == user_id, users.c.confirmed_at.is_(None))
                 .values(confirmed_at=datetime.now(UTC)))


def rename(conn: Connection, user_id: int, name: str) -> None:
    """Give the user another name; UserExists("name") if someone has it."""
    taken = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
    if taken is not None and taken != user_id:
        raise UserExists("name")
    try:
        with conn.begin_nested():
            conn.execute(update(users).where(users.c.id == user_id).values(name=name))
    except IntegrityError as exc:  # taken by a concurrent sign-up or rename
        raise UserExists("name") from exc


def set_timezone(conn: Connection, user_id: int, timezone: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(timezone=timezone))


def remove(conn: Connection, user_id: int) -> None:
    """Delete the account: votes, collections, reads and tokens go; comments stay ownerless."""
    votes.forget_user(conn, user_id)
    conn.execute(delete(users).where(users.c.id == user_id))


def _one(row: Row[tuple[object, ...]] | None) -> User | None:
    if row is None:
        return None
    m = row._mapping
    return User(id=m["id"], name=m["name"], email=m["email"], password_hash=m["password_hash"],
                is_admin=bool(m["is_admin"]), suspended=m["suspended_at"] is not None,
                confirmed=m["confirmed_at"] is not None, timezone=m["timezone"],
                session_epoch=m["session_epoch"], created_at=m["created_at"])
