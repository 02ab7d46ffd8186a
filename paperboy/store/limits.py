"""Rate limits: fixed-window counters kept in the database, shared by every web process."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperboy.store.schema import rate_limits

KEEP = timedelta(days=1)


def hit(conn: Connection, key: str, *, limit: int, window: timedelta, now: datetime) -> bool:
    """Count one hit on `key`; False when the window already had `limit` hits."""
    row = conn.execute(select(rate_limits.c.window_start, rate_limits.c.hits)
                       .where(rate_limits.c.key == key)).first()
    if row is None:
        _forget_old(conn, now)
        try:
            with conn.begin_nested():
                conn.execute(insert(rate_limits).values(key=key, window_start=now, hits=1))
            return True
        except IntegrityError:  # another process counted first: count here as a hit of its row
            row = conn.execute(select(rate_limits.c.window_start, rate_limits.c.hits)
                               .where(rate_limits.c.key == key)).one()
    start, hits = row
    if now - start >= window:
        conn.execute(update(rate_limits).where(rate_limits.c.key == key)
                     .values(window_start=now, hits=1))
        return True
    if hits >= limit:
        return False
    conn.execute(update(rate_limits).where(rate_limits.c.key == key)
                 .values(hits=rate_limits.c.hits + 1))
    return True


def _forget_old(conn: Connection, now: datetime) -> None:
    """Counters idle for a day are gone (every window is shorter), so the table stays small."""
    conn.execute(delete(rate_limits).where(rate_limits.c.window_start < now - KEEP))
