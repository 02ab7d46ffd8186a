"""Digest settings per user (frequency, hour, weekday, pause) and who receives digests.

The time zone is the user's own (`users.timezone`); users without a settings row get
`DEFAULTS`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import Connection, RowMapping, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperboy.errors import InvalidValue
from paperboy.store.schema import digest_settings, subscriptions, users

Frequency = Literal["daily-weekdays", "daily", "weekly"]
FREQUENCIES: tuple[Frequency, ...] = get_args(Frequency)


class InvalidDigestSettings(InvalidValue):
    """A frequency, hour, weekday or time zone that cannot be used; `field` says which."""


@dataclass(frozen=True)
class DigestSettings:
    frequency: Frequency = "daily-weekdays"
    hour: int = 7
    weekday: int = 0  # for weekly digests: 0 Monday ... 6 Sunday
    paused: bool = False


DEFAULTS = DigestSettings()


@dataclass(frozen=True)
class Recipient:
    """A confirmed, active user with at least one subscription, and when they want mail."""

    user_id: int
    email: str
    name: str
    timezone: str
    settings: DigestSettings
    confirmed_at: datetime
    session_epoch: int = 0  # signs their manage link (mail/tokens.py)


def checked(settings: DigestSettings) -> DigestSettings:
    if settings.frequency not in FREQUENCIES:
        raise InvalidDigestSettings("frequency", f"{settings.frequency!r} is not one of "
                                                 f"{', '.join(FREQUENCIES)}")
    if not 0 <= settings.hour <= 23:
        raise InvalidDigestSettings("hour", f"{settings.hour} is not an hour from 0 to 23")
    if not 0 <= settings.weekday <= 6:
        raise InvalidDigestSettings("weekday", f"{settings.weekday} is not a weekday from 0 "
                                               "(Monday) to 6 (Sunday)")
    return settings


def get(conn: Connection, user_id: int) -> DigestSettings:
    row = conn.execute(select(digest_settings).where(digest_settings.c.user_id == user_id)).first()
    return _settings(row._mapping) if row else DEFAULTS


def save(conn: Connection, user_id: int, **changes: object) -> DigestSettings:
    """Change some settings (frequency, hour, weekday, paused); the others keep their value."""
    new = checked(replace(get(conn, user_id), **changes))  # type: ignore[arg-type]
    values = {"frequency": new.frequency, "hour": new.hour, "weekday": new.weekday,
              "paused": new.paused, "updated_at": datetime.now(UTC)}
    where = digest_settings.c.user_id == user_id
    if conn.execute(update(digest_settings).where(where).values(**values)).rowcount == 0:
        try:
            with conn.begin_nested():
                conn.execute(insert(digest_settings).values(user_id=user_id, **values))
        except IntegrityError:  # inserted concurrently: update that row instead
            conn.execute(update(digest_settings).where(where).values(**values))
    return new


def recipients(conn: Connection, user_id: int | None = None) -> list[Recipient]:
    """Who gets digests: confirmed, not suspended, subscribed to something (paused included:
    the caller decides what pause means for it)."""
    subscribed = select(subscriptions.c.user_id).distinct()
    query = (select(users.c.id, users.c.email, users.c.name, users.c.timezone,
                    users.c.confirmed_at, users.c.session_epoch, digest_settings)
             .select_from(users.outerjoin(digest_settings,
                                          digest_settings.c.user_id == users.c.id))
             .where(users.c.id.in_(subscribed), users.c.confirmed_at.is_not(None),
                    users.c.suspended_at.is_(None))
             .order_by(users.c.id))
    if user_id is not None:
        query = query.where(users.c.id == user_id)
    found = []
    for row in conn.execute(query):
        m = row._mapping
        settings = _settings(m) if m["frequency"] is not None else DEFAULTS
        found.append(Recipient(m["id"], m["email"], m["name"], m["timezone"], settings,
                               m["confirmed_at"], m["session_epoch"]))
    return found


def _settings(m: RowMapping) -> DigestSettings:
    return DigestSettings(frequency=m["frequency"], hour=m["hour"], weekday=m["weekday"],
                          paused=bool(m["paused"]))
