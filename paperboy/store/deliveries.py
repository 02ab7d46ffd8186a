"""The send ledger: each mail that must go out exactly once has one row, claimed with a lease.

A row moves pending -> sending -> sent | empty | retry | failed. `claim` is one portable
UPDATE ... WHERE (nobody holds it, or the holder's lease ran out), so two senders never both
send a row, and a row whose sender died mid-send is taken again after its lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from paperboy.store.schema import deliveries, users

FINAL = ("sent", "empty", "failed")


@dataclass(frozen=True)
class Delivery:
    id: int
    user_id: int
    kind: str
    period: str
    status: str
    attempts: int
    papers: int
    message_id: str | None
    error: str | None
    next_attempt_at: datetime | None
    updated_at: datetime
    sent_at: datetime | None

    @property
    def done(self) -> bool:
        return self.status in FINAL


@dataclass(frozen=True)
class Failure:
    email: str
    delivery: Delivery


def ensure(conn: Connection, user_id: int, kind: str, period: str, now: datetime) -> Delivery:
    """The ledger row for this mail, created pending if there is none yet."""
    found = get(conn, user_id, kind, period)
    if found is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(deliveries).values(
                    user_id=user_id, kind=kind, period=period, status="pending",
                    created_at=now, updated_at=now))
        except IntegrityError:  # a concurrent sender created it first
            pass
        found = get(conn, user_id, kind, period)
    assert found is not None
    return found


def get(conn: Connection, user_id: int, kind: str, period: str) -> Delivery | None:
    row = conn.execute(select(deliveries).where(
        deliveries.c.user_id == user_id, deliveries.c.kind == kind,
        deliveries.c.period == period)).first()
    return _one(row) if row else None


def by_id(conn: Connection, delivery_id: int) -> Delivery | None:
    row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
    return _one(row) if row else None


def claim(conn: Connection, delivery_id: int, now: datetime, lease: timedelta) -> bool:
    """Take the row for sending until `now + lease`; False if it is done, held or not due."""
    claimable = or_(
        deliveries.c.status == "pending",
        and_(deliveries.c.status == "retry",
             or_(deliveries.c.next_attempt_at.is_(None), deliveries.c.next_attempt_at <= now)),
        and_(deliveries.c.status == "sending", deliveries.c.lease_until < now),
    )
    result = conn.execute(update(deliveries)
                          .where(deliveries.c.id == delivery_id, claimable)
                          .values(status="sending", lease_until=now + lease,
                                  attempts=deliveries.c.attempts + 1, updated_at=now))
    return result.rowcount == 1


def mark_sent(conn: Connection, delivery_id: int, message_id: str, papers: int,
              now: datetime) -> None:
    _finish(conn, delivery_id, now, status="sent", message_id=message_id, papers=papers,
            sent_at=now, error=None)


def mark_empty(conn: Connection, delivery_id: int, now: datetime) -> None:
    _finish(conn, delivery_id, now, status="empty", papers=0, error=None)


def mark_retry(conn: Connection, delivery_id: int, error: str, next_attempt_at: datetime,
               now: datetime) -> None:
    _finish(conn, delivery_id, now, status="retry", error=error[:2000],
            next_attempt_at=next_attempt_at)


def mark_failed(conn: Connection, delivery_id: int, error: str, now: datetime) -> None:
    _finish(conn, delivery_id, now, status="failed", error=error[:2000])


def release(conn: Connection, delivery_id: int, now: datetime) -> None:
    """Give a claimed row back untouched (e.g. a dry run)."""
    _finish(conn, delivery_id, now, status="pending", attempts=deliveries.c.attempts - 1)


def unfinished(conn: Connection, kind: str, now: datetime) -> list[Delivery]:
    """Rows of this kind that a sender may take now: pending, due retries, expired leases."""
    query = select(deliveries).where(deliveries.c.kind == kind, or_(
        deliveries.c.status == "pending",
        and_(deliveries.c.status == "retry", deliveries.c.next_attempt_at <= now),
        and_(deliveries.c.status == "sending", deliveries.c.lease_until < now),
    )).order_by(deliveries.c.id)
    return [_one(row) for row in conn.execute(query)]


def failures(conn: Connection, limit: int = 100) -> list[Failure]:
    """Permanent failures and pending retries, newest first, for the admin."""
    query = (select(users.c.email, deliveries)
             .join(users, users.c.id == deliveries.c.user_id)
             .where(deliveries.c.status.in_(("failed", "retry")))
             .order_by(deliveries.c.updated_at.desc(), deliveries.c.id.desc()).limit(limit))
    return [Failure(row.email, _one(row)) for row in conn.execute(query)]


def counts(conn: Connection) -> dict[str, int]:
    query = select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
    return {status: int(n) for status, n in conn.execute(query)}


def for_user(conn: Connection, user_id: int, limit: int = 20) -> list[Delivery]:
    query = (select(deliveries).where(deliveries.c.user_id == user_id)
             .order_by(deliveries.c.id.desc()).limit(limit))
    return [_one(row) for row in conn.execute(query)]


def _finish(conn: Connection, delivery_id: int, now: datetime, **values: object) -> None:
    conn.execute(update(deliveries).where(deliveries.c.id == delivery_id)
                 .values(lease_until=None, updated_at=now, **values))


def _one(row: object) -> Delivery:
    m = row._mapping  # type: ignore[attr-defined]
    return Delivery(id=m["id"], user_id=m["user_id"], kind=m["kind"], period=m["period"],
                    status=m["status"], attempts=m["attempts"], papers=m["papers"],
                    message_id=m["message_id"], error=m["error"],
                    next_attempt_at=m["next_attempt_at"], updated_at=m["updated_at"],
                    sent_at=m["sent_at"])
