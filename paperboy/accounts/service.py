"""Sign up, sign in, change or check a password, make API tokens: rules + hashing + store."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection

from paperboy.accounts import rules
from paperboy.accounts.passwords import hash_password, verify
from paperboy.store import tokens, users
from paperboy.store.users import User

TOKEN_PREFIX = "pb_"


def sign_up(conn: Connection, *, name: str, email: str, password: str,
            is_admin: bool = False, confirmed: bool = False) -> User:
    """A new account; raises `rules.InvalidInput` or `users.UserExists`."""
    return users.create(conn, name=rules.name(name), email=rules.email(email),
                        password_hash=hash_password(rules.password(password)),
                        is_admin=is_admin, confirmed=confirmed)


def sign_in(conn: Connection, login: str, password: str) -> User | None:
    """The user whose email or name and password match, if not suspended; else None.

    Takes as long for an unknown login as for a wrong password (no account enumeration).
    """
    login = login.strip().lower()
    user = users.by_email(conn, login) if "@" in login else users.by_name(conn, login)
    ok, fresh = verify(user.password_hash if user else None, password[:rules.MAX_PASSWORD])
    if not ok or user is None or user.suspended:
        return None
    if fresh:  # the same password under stronger parameters: sessions and links stay valid
        users.rehash_password(conn, user.id, user.password_hash or "", fresh)
    return user


def password_matches(user: User, password: str) -> bool:
    return verify(user.password_hash, password[:rules.MAX_PASSWORD])[0]


def change_password(conn: Connection, user: User, new_password: str) -> None:
    users.set_password(conn, user.id, hash_password(rules.password(new_password)))


def set_password_once(conn: Connection, user: User, new_password: str, *,
                      first: bool = False) -> User | None:
    """Give the user a new password from a mailed link (`rules.InvalidInput` if it will not
    do) and confirm their address, which the link proved; the user as they are now. None if
    their sessions ended since `user` was read (the link was used already, or ended), or,
    with `first`, if they have a password by now."""
    if not users.set_password(conn, user.id, hash_password(rules.password(new_password)),
                              epoch=user.session_epoch, first=first):
        return None
    users.confirm(conn, user.id)
    return users.by_id(conn, user.id)


def new_token(conn: Connection, user: User, name: str) -> str:
    """Make an API token for the user; the token is returned once and stored only hashed."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tokens.create(conn, user.id, name.strip()[:64] or "token", token_hash(token))
    return token


def user_of_token(conn: Connection, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    user_id = tokens.user_of(conn, token_hash(token))
    user = users.by_id(conn, user_id) if user_id is not None else None
    return user if user is not None and not user.suspended else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
