"""Sign-up with double opt-in; confirmation and one-click unsubscribe.

A digest sign-up by email alone creates a user without a password, unconfirmed, with their
subscriptions, and queues a confirmation mail in the ledger (at most one a day per address;
mail/links.py sends it). Nothing else is mailed to them until they follow the link. Signing up
with an address that has an account changes nothing, so the form tells no one which addresses
have accounts.

An account made on the web (name, email, password) is unconfirmed too, and gets the same
confirmation mail; so does an unconfirmed address adding its first subscription, and a
signed-in user asking for it again (still at most one a day). Users the operator adds on the
command line are trusted: they are confirmed from the start.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from paperboy import schedule
from paperboy.accounts import rules, service
from paperboy.config import Settings
from paperboy.mail import links, tokens
from paperboy.store import Database, digests, subscriptions, users
from paperboy.store.users import User


@dataclass(frozen=True)
class SignUp:
    user_id: int
    new: bool  # False: the address already had an account (nothing was changed)


def sign_up(db: Database, email: str, wanted: Sequence[tuple[str, str]],
            timezone: str = "UTC", hour: int = 7) -> SignUp:
    """Create the pending subscriber and queue their confirmation mail."""
    address = rules.email(email)
    schedule.zone(timezone)
    checked = [subscriptions.normalize(kind, value) for kind, value in wanted]
    digests.checked(digests.DigestSettings(hour=hour))
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        existing = users.by_email(conn, address)
        if existing is not None:
            if not existing.confirmed and existing.password_hash is None:
                links.queue(conn, existing, "confirm", now)
            return SignUp(existing.id, new=False)
        user = users.create(conn, name=f"reader-{secrets.token_hex(6)}", email=address,
                            timezone=timezone)
        for kind, value in checked:
            subscriptions.add(conn, user.id, kind, value)
        digests.save(conn, user.id, hour=hour)
        links.queue(conn, user, "confirm", now)
    return SignUp(user.id, new=True)


def sign_up_with_password(db: Database, *, name: str, email: str, password: str) -> User:
    """A new account, unconfirmed, with its confirmation mail queued; `rules.InvalidInput`
    or `users.UserExists` (then nothing is written)."""
    with db.engine.begin() as conn:
        user = service.sign_up(conn, name=name, email=email, password=password)
        links.queue(conn, user, "confirm", datetime.now(UTC))
    return user


def queue_confirmation(db: Database, user: User) -> bool:
    """Queue the confirmation mail of an unconfirmed address; False when there is nothing to
    send (confirmed already, or today's was queued or sent already: one a day)."""
    with db.engine.begin() as conn:
        return _queue_unconfirmed(conn, user.id)


def add_subscription(db: Database, user: User, kind: str, value: str) -> bool:
    """Add a subscription (`subscriptions.InvalidSubscription` if it will not do); True when
    it is the first of an unconfirmed address and queued that address's confirmation mail
    (digests wait for it)."""
    with db.engine.begin() as conn:
        first = not subscriptions.for_user(conn, user.id)
        subscriptions.add(conn, user.id, kind, value)
        return first and _queue_unconfirmed(conn, user.id)


def _queue_unconfirmed(conn: Connection, user_id: int) -> bool:
    user = users.by_id(conn, user_id)
    if user is None or user.confirmed:
        return False
    return links.queue(conn, user, "confirm", datetime.now(UTC))


def confirm(db: Database, settings: Settings, token: str) -> int:
    """Confirm the address a confirmation link was sent to; the user's id."""
    payload = tokens.read_confirm(settings, token)
    with db.engine.begin() as conn:
        user = users.by_id(conn, payload.user_id)
        if user is None or user.email != payload.email:
            raise tokens.InvalidToken("confirmation link: this subscription no longer exists")
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
