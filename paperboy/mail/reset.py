"""Forgot your password? A mailed link that lets an account choose a new one.

Asking takes an address and says the same whether or not it has an account; only an active
account with a password is mailed, at most once a quarter of an hour (mail/links.py). The
link (mail/tokens.py: 1 hour, its own purpose, bound to the user, their address and their
session epoch) works once: setting the password bumps the epoch, which also ends every other
session and every other reset, password or manage link of the user. Following it proves the
address, so it confirms it too, as the link that chooses a first password does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from paperboy.accounts import rules, service
from paperboy.config import Settings
from paperboy.mail import links, tokens
from paperboy.store import Database, users
from paperboy.store.users import User

NAME = tokens.NAMES["reset"]


def request_reset(db: Database, email: str) -> str:
    """Queue a reset link for the address if an active account with a password has it (the
    caller says the same either way); the address, cleaned. `rules.InvalidInput` for what is
    not an address."""
    address = rules.email(email)
    with db.engine.begin() as conn:
        user = users.by_email(conn, address)
        if user is not None and not user.suspended and user.password_hash is not None:
            links.queue(conn, user, "reset", datetime.now(UTC))
    return address


def reset_holder(db: Database, settings: Settings, token: str) -> User:
    """The user a reset link lets its holder choose a new password for; InvalidToken
    (expired, altered, of another kind, used, ended, or its user gone or suspended)."""
    payload = tokens.read_reset(settings, token)
    with db.engine.connect() as conn:
        user = users.by_id(conn, payload.user_id)
    return tokens.still_bound(user, payload, NAME, "an account")


def reset_password(db: Database, settings: Settings, token: str, password: str) -> User:
    """Set the new password a reset link's holder chose; the user as they are now (confirmed,
    with a new session epoch). `rules.InvalidInput` for a password that will not do,
    InvalidToken for a link that does not work; either way nothing changes."""
    payload = tokens.read_reset(settings, token)
    with db.engine.begin() as conn:
        user = tokens.still_bound(users.by_id(conn, payload.user_id), payload, NAME,
                                  "an account")
        fresh = service.set_password_once(conn, user, password)
    if fresh is None:
        raise tokens.InvalidToken(f"{NAME}: used already; ask for a new one")
    return fresh
