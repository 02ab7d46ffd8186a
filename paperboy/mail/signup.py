"""Digest sign-up by email alone, with double opt-in; confirmation and one-click unsubscribe.

Sign-up creates a user without a password, unconfirmed, with their subscriptions, and queues a
confirmation mail in the ledger (at most one a day per address). Nothing else is mailed to
them until they follow the link. Signing up with an address that has an account changes
nothing, so the form tells no one which addresses have accounts.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from paperboy import schedule
from paperboy.config import Settings
from paperboy.errors import PaperboyError
from paperboy.mail import render, sending, tokens
from paperboy.mail.message import build, sender_domain
from paperboy.mail.smtp import Mailer, target_from
from paperboy.store import Database, deliveries, digests, subscriptions, users

KIND = "confirm"
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class InvalidEmail(PaperboyError, ValueError):
    exit_code = 2

    def __init__(self, email: str) -> None:
        super().__init__(f"email: {email[:80]!r} is not an email address")


def checked_email(email: str) -> str:
    address = email.strip().lower()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidEmail(email)
    return address


@dataclass(frozen=True)
class SignUp:
    user_id: int
    new: bool  # False: the address already had an account (nothing was changed)


def sign_up(db: Database, email: str, wanted: Sequence[tuple[str, str]],
            timezone: str = "UTC", hour: int = 7) -> SignUp:
    """Create the pending subscriber and queue their confirmation mail."""
    address = checked_email(email)
    schedule.zone(timezone)
    checked = [subscriptions.normalize(kind, value) for kind, value in wanted]
    digests.checked(digests.DigestSettings(hour=hour))
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        existing = users.by_email(conn, address)
        if existing is not None:
            if not existing.confirmed and existing.password_hash is None:
                deliveries.ensure(conn, existing.id, KIND, now.date().isoformat(), now)
            return SignUp(existing.id, new=False)
        user = users.create(conn, name=f"reader-{secrets.token_hex(6)}", email=address,
                            timezone=timezone)
        for kind, value in checked:
            subscriptions.add(conn, user.id, kind, value)
        digests.save(conn, user.id, hour=hour)
        deliveries.ensure(conn, user.id, KIND, now.date().isoformat(), now)
    return SignUp(user.id, new=True)


def confirm(db: Database, settings: Settings, token: str) -> int:
    """Confirm the address a confirmation link was sent to; the user's id."""
    payload = tokens.read_confirm(settings, token)
    with db.engine.begin() as conn:
        user = users.by_id(conn, payload.user_id)
        if user is None or user.email != payload.email:
            raise tokens.InvalidToken("confirm link: this subscription no longer exists")
        users.confirm(conn, user.id)
    return user.id


def unsubscribe(db: Database, settings: Settings, token: str) -> str:
    """Stop the digests of the address an unsubscribe link was sent to (they are paused, so
    the settings page can resume them); the address."""
    payload = tokens.read_unsubscribe(settings, token)
    with db.engine.begin() as conn:
        user = users.by_id(conn, payload.user_id)
        if user is None or user.email != payload.email:
            return payload.email  # already gone: nothing more will be sent
        digests.save(conn, user.id, paused=True)
    return payload.email


def send_confirmations(db: Database, settings: Settings, *,
                       sleep: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """Send every queued confirmation mail once; counts by outcome."""
    with db.engine.connect() as conn:
        queued = deliveries.unfinished(conn, KIND, datetime.now(UTC))
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
    claimed = sending.claim(db, settings, row.user_id, KIND, row.period)
    if claimed is None:
        return "held"
    with db.engine.connect() as conn:
        user = users.by_id(conn, row.user_id)
    if user is None or user.confirmed:
        with db.engine.begin() as conn:
            deliveries.mark_empty(conn, claimed.id, datetime.now(UTC))
        return "empty"
    token = tokens.confirm_token(settings, user.id, user.email)
    link = f"{settings.base_url}/digest/confirm?token={token}"
    text = render.confirmation(email=user.email, base_url=settings.base_url, confirm_url=link)
    assert settings.mail_from is not None
    message = build(mail_from=settings.mail_from, to_email=user.email, to_name=None,
                    rendered=text, date=datetime.now(UTC),
                    message_id=sending.message_id(claimed, sender_domain(settings.mail_from)))
    try:
        return sending.deliver(db, settings, mailer, claimed, message, 0, sleep=sleep)
    except sending.ServerUnavailable:
        return "stopped"
