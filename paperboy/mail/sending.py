"""Sending one ledger row's mail exactly once: claim, send with retries, record the outcome.

The row is claimed (committed) before the first byte goes out and marked sent right after the
server's 250, so a crash leaves it either untouched, or claimed with a lease that runs out
(then it is sent again, with the same Message-ID), or done. The only mail a crash can
duplicate is one whose 250 arrived in the instant before the crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from paperboy.config import Settings
from paperboy.mail.message import Mail
from paperboy.mail.smtp import Mailer, PermanentFailure, TemporaryFailure
from paperboy.store import Database, deliveries

RETRY_LATER = timedelta(minutes=15)  # after the run's own retries: the next run's turn


class ServerUnavailable(Exception):
    """The SMTP server stayed unreachable through every retry: stop the run."""


class ReaderGone(Exception):
    """The reader's account was deleted after the run listed them: nothing to send."""


def claim(db: Database, settings: Settings, user_id: int, kind: str, period: str
          ) -> deliveries.Delivery | None:
    """The ledger row, claimed for sending; None if it is done or another sender holds it
    (a sender that died holds it for `mail_lease` seconds)."""
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        return _claimed(conn, settings, deliveries.ensure(conn, user_id, kind, period, now), now)


def claim_read(db: Database, settings: Settings, user_id: int, kind: str, period: str,
               known: deliveries.Delivery | None) -> deliveries.Delivery | None:
    """`claim`, for a row read earlier (deliveries.get_all): `known` is that row, None if
    there was none then (it is created without reading it again)."""
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        return _claimed(conn, settings, _made(conn, user_id, kind, period, known, now), now)


def record_empty(db: Database, settings: Settings, user_id: int, kind: str, period: str,
                 known: deliveries.Delivery | None, contents: deliveries.Contents) -> bool:
    """`claim_read` and record the row empty, in one transaction (no mail goes out, so there
    is no moment between the two to crash in); False if it is done or another sender holds
    it."""
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        row = _claimed(conn, settings, _made(conn, user_id, kind, period, known, now), now)
        if row is None:
            return False
        deliveries.mark_empty(conn, row.id, now, contents)
    return True


def _made(conn: Connection, user_id: int, kind: str, period: str,
          known: deliveries.Delivery | None, now: datetime) -> deliveries.Delivery:
    """The row as read before; else a new one; else the one a concurrent sender just made."""
    try:
        return (known or deliveries.create(conn, user_id, kind, period, now)
                or deliveries.ensure(conn, user_id, kind, period, now))
    except IntegrityError as exc:  # a new row refers to nothing but its reader
        raise ReaderGone(user_id) from exc


def _claimed(conn: Connection, settings: Settings, row: deliveries.Delivery, now: datetime
             ) -> deliveries.Delivery | None:
    lease = timedelta(seconds=settings.mail_lease)
    if row.done or not deliveries.claim(conn, row.id, now, lease):
        return None
    return row


def message_id(row: deliveries.Delivery, domain: str) -> str:
    return f"<paperboy.{row.kind}.{row.id}.{row.period}@{domain}>"


def deliver(db: Database, settings: Settings, mailer: Mailer, row: deliveries.Delivery,
            message: Mail, papers: int, *,
            sleep: Callable[[float], None] = time.sleep,
            contents: deliveries.Contents | None = None) -> str:
    """Send a claimed row's message; the status it ends in (sent, retry or failed). A sent
    row keeps its `contents` (a digest's), in the transaction that marks it sent.

    Temporary failures are retried `mail_retries` times, `mail_backoff` seconds apart and
    doubling; then the row waits for a later run. Raises ServerUnavailable when the server
    could not be reached at all, so the caller stops instead of failing every row."""
    for attempt in range(settings.mail_retries + 1):
        try:
            mailer.send(message)
        except PermanentFailure as exc:
            with db.engine.begin() as conn:
                deliveries.mark_failed(conn, row.id, str(exc), datetime.now(UTC))
            return "failed"
        except TemporaryFailure as exc:
            if attempt < settings.mail_retries:
                sleep(settings.mail_backoff * 2 ** attempt)
                continue
            now = datetime.now(UTC)
            with db.engine.begin() as conn:
                deliveries.mark_retry(conn, row.id, str(exc),
                                      now + RETRY_LATER * 2 ** min(row.attempts, 6), now)
            if exc.connection:
                raise ServerUnavailable(str(exc)) from None
            return "retry"
        with db.engine.begin() as conn:
            deliveries.mark_sent(conn, row.id, message.message_id, papers,
                                 datetime.now(UTC), contents)
        return "sent"
    raise AssertionError("unreachable")
