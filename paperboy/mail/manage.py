"""The "manage your digest" link that every digest and confirmation mail carries.

Its token (mail/tokens.py: 60 days, bound to the user, their address and their session epoch)
lets its holder see and change that user's digest: subscriptions, schedule, pause. Nothing
else: it signs no one in, and an address with a password is sent to sign in instead, so a
forwarded digest gives away no account. Turning the address into an account takes a second
link, mailed to the address on request (`request_password_link`): a forwarded digest's reader
cannot choose a password for someone else's address. Whatever ends the user's sessions (a new
password, a suspension, `end_links`) ends every manage link too; deleting the user ends them
all.
"""

from __future__ import annotations

from datetime import UTC, datetime

from paperboy.accounts import rules, service
from paperboy.config import Settings
from paperboy.errors import PaperboyError
from paperboy.mail import links, tokens
from paperboy.store import Database, users
from paperboy.store.users import User


class SignInInstead(PaperboyError):
    """The address has a password: its digest is changed signed in, not through a link."""

    def __init__(self, user: User) -> None:
        super().__init__(f"{user.email} has a password: sign in to change its digest")
        self.user = user


def holder(db: Database, settings: Settings, token: str) -> User:
    """The user whose digest a manage link lets its holder change; InvalidToken (expired,
    altered, of another kind, replaced, or its user gone) or SignInInstead."""
    payload = tokens.read_manage(settings, token)
    with db.engine.connect() as conn:
        user = users.by_id(conn, payload.user_id)
    return _usable(user, payload, "manage link")


def _usable(user: User | None, payload: tokens.TokenPayload, name: str) -> User:
    if (user is not None and user.email == payload.email and not user.suspended
            and user.password_hash is not None):
        raise SignInInstead(user)
    return tokens.still_bound(user, payload, name)


def request_link(db: Database, email: str) -> str:
    """Queue a fresh manage link for the address, if it gets digests here (the caller says the
    same either way); the address, cleaned. `rules.InvalidInput` for what is not an address. An
    address never confirmed gets nothing: the form is no way to mail strangers (its
    confirmation mail, which signing up again sends, carries the link)."""
    address = rules.email(email)
    with db.engine.begin() as conn:
        user = users.by_email(conn, address)
        if user is not None and user.confirmed and not user.suspended:
            links.queue(conn, user, "manage", datetime.now(UTC))
    return address


def request_password_link(db: Database, user: User) -> None:
    """Queue the mail with the link that lets the address choose a password."""
    with db.engine.begin() as conn:
        links.queue(conn, user, "password", datetime.now(UTC))


def end_links(db: Database, user: User) -> None:
    """End every manage and password link of the user (this one too) and queue a new one."""
    with db.engine.begin() as conn:
        users.end_sessions(conn, user.id)
        fresh = users.by_id(conn, user.id)
        assert fresh is not None
        links.queue(conn, fresh, "manage", datetime.now(UTC))


def password_holder(db: Database, settings: Settings, token: str) -> User:
    """The user a password link lets its holder choose a password for; InvalidToken or
    SignInInstead (a password was chosen already)."""
    payload = tokens.read_password(settings, token)
    with db.engine.connect() as conn:
        user = users.by_id(conn, payload.user_id)
    return _usable(user, payload, "password link")


def choose_password(db: Database, settings: Settings, token: str, password: str) -> User:
    """Give the address of a password link its password; the user, now with a password (and
    confirmed: the link proved the address). rules.InvalidInput for a password that will not
    do. Every older session, manage and password link ends with it."""
    payload = tokens.read_password(settings, token)
    with db.engine.begin() as conn:
        user = _usable(users.by_id(conn, payload.user_id), payload, "password link")
        fresh = service.set_password_once(conn, user, password, first=True)
    if fresh is None:
        raise tokens.InvalidToken("password link: used already; sign in")
    return fresh
