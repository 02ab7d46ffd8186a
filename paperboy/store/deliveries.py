"""The send ledger: each mail that must go out exactly once has one row, claimed with a lease.

A row moves pending -> sending -> sent | empty | retry | failed. `claim` is one portable
UPDATE ... WHERE (nobody holds it, or the holder's lease ran out), so two senders never both
send a row, and a row whose sender died mid-send is taken again after its lease.

A finished digest keeps what it held (`Contents`, written with its final status): its cut-off
and the papers it showed, from which the reader's next digest is made (mail/scope.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Connection,
    Integer,
    String,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from paperboy.store.schema import UTCDateTime, deliveries, delivery_papers, users

FINAL = ("sent", "empty", "failed")
REACHED = ("sent", "empty")  # finished, and the reader had all there was: a digest to go on from


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
    cutoff: datetime | None = None  # a finished digest's: when its papers were chosen

    @property
    def done(self) -> bool:
        return self.status in FINAL


@dataclass(frozen=True)
class Contents:
    """What a digest held: when its papers were chosen (papers stored later are new to the
    next one) and the papers it showed (row ids)."""

    cutoff: datetime
    paper_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Failure:
    email: str
    delivery: Delivery


# What each mail does to the ledger, built once (building them was most of their cost).
_ROW_ID = bindparam("row_id", type_=Integer)
_AT = bindparam("at", type_=UTCDateTime)
# A new row, or nothing when there is one already (a concurrent sender made it): no savepoint
# to roll back to (a third of a digest's ledger writes).
_CREATE = {name: dialect.insert(deliveries).on_conflict_do_nothing().returning(*deliveries.c)
           for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))}
_CLAIM = (update(deliveries)
          .where(deliveries.c.id == _ROW_ID, or_(
              deliveries.c.status == "pending",
              and_(deliveries.c.status == "retry", or_(deliveries.c.next_attempt_at.is_(None),
                                                       deliveries.c.next_attempt_at <= _AT)),
              and_(deliveries.c.status == "sending", deliveries.c.lease_until < _AT)))
          .values(status="sending", lease_until=bindparam("until", type_=UTCDateTime),
                  attempts=deliveries.c.attempts + 1, updated_at=_AT))
_SENT = (update(deliveries).where(deliveries.c.id == _ROW_ID)
         .values(status="sent", lease_until=None, updated_at=_AT, sent_at=_AT, error=None,
                 message_id=bindparam("message_id", type_=String),
                 papers=bindparam("papers", type_=Integer),
                 cutoff=bindparam("cut", type_=UTCDateTime)))
_FORGET_PAPERS = delete(delivery_papers).where(delivery_papers.c.delivery_id == _ROW_ID)


def ensure(conn: Connection, user_id: int, kind: str, period: str, now: datetime) -> Delivery:
    """The ledger row for this mail, created pending if there is none yet."""
    found = (get(conn, user_id, kind, period) or create(conn, user_id, kind, period, now)
             or get(conn, user_id, kind, period))  # a concurrent sender created it first
    assert found is not None
    return found


def create(conn: Connection, user_id: int, kind: str, period: str, now: datetime
           ) -> Delivery | None:
    """A new pending ledger row for this mail; None if there is one already."""
    row = conn.execute(_CREATE[conn.dialect.name], {
        "user_id": user_id, "kind": kind, "period": period, "status": "pending",
        "created_at": now, "updated_at": now}).first()
    return _one(row) if row else None


def get_all(conn: Connection, kind: str, wanted: Sequence[tuple[int, str]]
            ) -> dict[tuple[int, str], Delivery]:
    """`get` of several (user, period) mails at once, by (user, period); missing ones left
    out."""
    if not wanted:
        return {}
    query = select(deliveries).where(
        deliveries.c.kind == kind, deliveries.c.user_id.in_(sorted({u for u, _ in wanted})),
        deliveries.c.period.in_(sorted({p for _, p in wanted})))
    pairs = set(wanted)
    rows = (_one(row) for row in conn.execute(query))
    return {(r.user_id, r.period): r for r in rows if (r.user_id, r.period) in pairs}


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
    result = conn.execute(_CLAIM, {"row_id": delivery_id, "at": now, "until": now + lease})
    return result.rowcount == 1


def mark_sent(conn: Connection, delivery_id: int, message_id: str, papers: int,
              now: datetime, contents: Contents | None = None) -> None:
    conn.execute(_SENT, {"row_id": delivery_id, "at": now, "message_id": message_id,
                         "papers": papers, "cut": contents.cutoff if contents else None})
    if contents is not None:
        _keep_papers(conn, delivery_id, contents.paper_ids)


def mark_empty(conn: Connection, delivery_id: int, now: datetime,
               contents: Contents | None = None) -> None:
    _finish(conn, delivery_id, now, status="empty", papers=0, error=None,
            cutoff=contents.cutoff if contents else None)


def mark_retry(conn: Connection, delivery_id: int, error: str, next_attempt_at: datetime,
               now: datetime) -> None:
    _finish(conn, delivery_id, now, status="retry", error=error[:2000],
            next_attempt_at=next_attempt_at)


def mark_failed(conn: Connection, delivery_id: int, error: str, now: datetime) -> None:
    _finish(conn, delivery_id, now, status="failed", error=error[:2000])


def rearm(conn: Connection, delivery_id: int, now: datetime) -> None:
    """Queue a failed row again, its attempts forgotten (a reader asked for the mail anew)."""
    _finish(conn, delivery_id, now, status="pending", attempts=0, next_attempt_at=None)


def release(conn: Connection, delivery_id: int, now: datetime) -> None:
    """Give a claimed row back untouched (e.g. a dry run)."""
    _finish(conn, delivery_id, now, status="pending", attempts=deliveries.c.attempts - 1)


def previous(conn: Connection, user_id: int, kind: str, before: str) -> Delivery | None:
    """The user's latest sent or empty row of this kind for a period before `before` (a failed
    or unfinished one never reached them)."""
    return previous_all(conn, kind, {user_id: before}).get(user_id)


def previous_all(conn: Connection, kind: str, before: Mapping[int, str]) -> dict[int, Delivery]:
    """`previous` of several users at once: user id -> their row before their period."""
    found: dict[int, Delivery] = {}
    for period in set(before.values()):
        user_ids = [user_id for user_id, p in before.items() if p == period]
        latest = (select(deliveries.c.user_id, func.max(deliveries.c.period).label("period"))
                  .where(deliveries.c.user_id.in_(user_ids), deliveries.c.kind == kind,
                         deliveries.c.period < period, deliveries.c.status.in_(REACHED))
                  .group_by(deliveries.c.user_id).subquery())
        query = select(deliveries).join(latest, and_(
            deliveries.c.user_id == latest.c.user_id, deliveries.c.period == latest.c.period,
            deliveries.c.kind == kind))
        found |= {row.user_id: row for row in map(_one, conn.execute(query))}
    return found


def shown(conn: Connection, user_id: int, kind: str) -> set[int]:
    """The papers the user's sent rows of this kind showed them."""
    return shown_to(conn, kind, [user_id]).get(user_id, set())


def shown_to(conn: Connection, kind: str, user_ids: Iterable[int],
             among: Collection[int] | None = None) -> dict[int, set[int]]:
    """`shown` of several users at once: user id -> papers (users shown none left out).

    With `among`, only those of these papers: the rows read are bounded by their lowest and
    highest id, so the read does not grow with every paper a reader was ever shown."""
    query = (select(deliveries.c.user_id, delivery_papers.c.paper_id)
             .join(deliveries, deliveries.c.id == delivery_papers.c.delivery_id)
             .where(deliveries.c.user_id.in_(list(user_ids)), deliveries.c.kind == kind,
                    deliveries.c.status == "sent"))
    if among is not None:
        if not among:
            return {}
        query = query.where(delivery_papers.c.paper_id.between(min(among), max(among)))
    found: dict[int, set[int]] = {}
    for user_id, paper_id in conn.execute(query):
        if among is None or paper_id in among:
            found.setdefault(user_id, set()).add(paper_id)
    return found


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


def for_user(conn: Connection, user_id: int, limit: int = 20, kind: str | None = None
             ) -> list[Delivery]:
    """The user's latest rows (of one kind, when given), newest first."""
    query = (select(deliveries).where(deliveries.c.user_id == user_id)
             .order_by(deliveries.c.id.desc()).limit(limit))
    if kind is not None:
        query = query.where(deliveries.c.kind == kind)
    return [_one(row) for row in conn.execute(query)]


def _finish(conn: Connection, delivery_id: int, now: datetime, **values: object) -> None:
    conn.execute(update(deliveries).where(deliveries.c.id == delivery_id)
                 .values(lease_until=None, updated_at=now, **values))


def _keep_papers(conn: Connection, delivery_id: int, paper_ids: tuple[int, ...]) -> None:
    """Record the papers a sent row showed (over those of a sender that outlived its lease)."""
    conn.execute(_FORGET_PAPERS, {"row_id": delivery_id})
    if not paper_ids:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(delivery_papers), [
                {"delivery_id": delivery_id, "paper_id": paper_id}
                for paper_id in dict.fromkeys(paper_ids)])
    except IntegrityError:  # that other sender's, at the same moment; or a paper deleted since
        pass


def _one(row: object) -> Delivery:
    m = row._mapping  # type: ignore[attr-defined]
    return Delivery(id=m["id"], user_id=m["user_id"], kind=m["kind"], period=m["period"],
                    status=m["status"], attempts=m["attempts"], papers=m["papers"],
                    message_id=m["message_id"], error=m["error"],
                    next_attempt_at=m["next_attempt_at"], updated_at=m["updated_at"],
                    sent_at=m["sent_at"], cutoff=m["cutoff"])
