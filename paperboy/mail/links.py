"""Mails that carry a link for one address: the confirmation of an address (a digest sign-up
by email alone, or an account made on the web), a fresh "manage your digest" link, the link to
choose a first password, the link to reset a forgotten one. Each is a row in the send ledger,
like a digest, so it goes out once, and what the web could not send at once the worker's
`confirmations` job sends later. A row's period is its stamp: confirmations one a day per
address; manage and password links one an hour, reset links one a quarter of an hour (by the
clock), per address and session epoch (ending every link bumps the epoch, so a fresh link is a
new row).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import Connection

from paperboy.config import Settings
from paperboy.mail import render, sending, tokens
from paperboy.mail.message import build, sender_domain
from paperboy.mail.smtp import Mailer, target_from
from paperboy.store import Database, deliveries, users
from paperboy.store.users import User

Kind = Literal["confirm", "manage", "password", "reset"]
KINDS: tuple[Kind, ...] = get_args(Kind)


def queue(conn: Connection, user: User, kind: Kind, now: datetime) -> bool:
    """Ledger a link mail for the user; False if this stamp's mail was there already (queued
    or sent: nothing new goes out). One that failed for good is queued again."""
    period = stamp(kind, user.session_epoch, now)
    row = deliveries.get(conn, user.id, kind, period)
    if row is None:
        deliveries.ensure(conn, user.id, kind, period, now)
    elif row.status == "failed":
        deliveries.rearm(conn, row.id, now)
    else:
        return False
    return True


def stamp(kind: Kind, epoch: int, now: datetime) -> str:
    utc = now.astimezone(UTC)
    if kind == "confirm":
        return utc.date().isoformat()
    if kind == "reset":
        return f"{utc:%Y-%m-%dT%H}:{utc.minute // 15 * 15:02d}/{epoch}"
    return f"{utc:%Y-%m-%dT%H}/{epoch}"


def manage_url(settings: Settings, user_id: int, email: str, epoch: int) -> str:
    token = tokens.manage_token(settings, user_id, email, epoch)
    return f"{settings.base_url}/digest/manage?token={token}"


def password_url(settings: Settings, user: User) -> str:
    token = tokens.password_token(settings, user.id, user.email, user.session_epoch)
    return f"{settings.base_url}/digest/password?token={token}"


def reset_url(settings: Settings, user: User) -> str:
    token = tokens.reset_token(settings, user.id, user.email, user.session_epoch)
    return f"{settings.base_url}/password/reset?token={token}"


def confirm_url(settings: Settings, user: User) -> str:
    return f"{settings.base_url}/digest/confirm?token=" + tokens.confirm_token(
        settings, user.id, user.email)


def send_queued(db: Database, settings: Settings, *,
                sleep: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """Send every queued link mail once; counts by outcome."""
    now = datetime.now(UTC)
    with db.engine.connect() as conn:
        queued = [row for kind in KINDS for row in deliveries.unfinished(conn, kind, now)]
    counts: dict[str, int] = {}
    if not queued:
        return counts
    tokens.confirm_token(settings, 0, "")  # no secret key: fail before claiming anything
    with Mailer(target_from(settings), settings.smtp_timeout) as mailer:
        for row in queued:
            status = _send_one(db, settings, mailer, row, sleep)
            counts[status] = counts.get(status, 0) + 1
            if status == "stopped":
                break
    return counts


def _send_one(db: Database, settings: Settings, mailer: Mailer, row: deliveries.Delivery,
              sleep: Callable[[float], None]) -> str:
    claimed = sending.claim(db, settings, row.user_id, row.kind, row.period)
    if claimed is None:
        return "held"
    with db.engine.connect() as conn:
        user = users.by_id(conn, row.user_id)
    text = _rendered(settings, user, row.kind) if user is not None else None
    if user is None or text is None:
        with db.engine.begin() as conn:
            deliveries.mark_empty(conn, claimed.id, datetime.now(UTC))
        return "empty"
    assert settings.mail_from is not None
    message = build(mail_from=settings.mail_from, to_email=user.email, to_name=None,
                    rendered=text, date=datetime.now(UTC),
                    message_id=sending.message_id(claimed, sender_domain(settings.mail_from)))
    try:
        return sending.deliver(db, settings, mailer, claimed, message, 0, sleep=sleep)
    except sending.ServerUnavailable:
        return "stopped"


def _rendered(settings: Settings, user: User, kind: str) -> render.Rendered | None:
    """The mail of this kind for the user as they are now; None when it has no point any
    more (confirmed already, suspended, a password chosen already or none to reset)."""
    if kind == "confirm" and not user.confirmed:
        return _confirmation(settings, user)
    if kind == "manage" and not user.suspended:
        return render.manage_link(email=user.email, base_url=settings.base_url,
                                  manage_url=manage_url(settings, user.id, user.email,
                                                        user.session_epoch))
    if kind == "password" and not user.suspended and user.password_hash is None:
        return render.password_link(email=user.email, base_url=settings.base_url,
                                    password_url=password_url(settings, user))
    if kind == "reset" and not user.suspended and user.password_hash is not None:
        return render.password_reset(email=user.email, base_url=settings.base_url,
                                     reset_url=reset_url(settings, user))
    return None


def _confirmation(settings: Settings, user: User) -> render.Rendered:
    """An account's confirmation (it signs in to change its digest), or a digest sign-up's
    (which manages its digest by the link the mail carries)."""
    if user.password_hash is not None:
        return render.account_confirmation(email=user.email, base_url=settings.base_url,
                                           confirm_url=confirm_url(settings, user))
    return render.confirmation(
        email=user.email, base_url=settings.base_url, confirm_url=confirm_url(settings, user),
        manage_url=manage_url(settings, user.id, user.email, user.session_epoch))
