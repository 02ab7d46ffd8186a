"""Signed tokens in mail links, signed with `Settings.secret_key`; each purpose has its own
salt, so one cannot stand in for another.

- unsubscribe: no expiry (old digests keep working);
- confirm: the sign-up confirmation, 7 days;
- manage: the "manage your digest" link of every digest and confirmation, 60 days; it manages
  that user's digest and nothing else (mail/manage.py);
- password: the link that lets an address without a password choose one, 1 day;
- reset: "forgot your password?", the link that lets an account choose a new one, 1 hour.

Manage, password and reset tokens also carry the user's `session_epoch` at signing: whatever
ends a user's sessions (a new password, a suspension, "end all manage links", "sign out
everywhere") ends them too, and password and reset links work once (setting the password
bumps the epoch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from paperboy.config import Settings
from paperboy.errors import ConfigError, PaperboyError
from paperboy.store.users import User

CONFIRM_MAX_AGE = 7 * 24 * 3600
MANAGE_MAX_AGE = 60 * 24 * 3600
PASSWORD_MAX_AGE = 24 * 3600
RESET_MAX_AGE = 3600
NAMES = {"unsubscribe": "unsubscribe link", "confirm": "confirmation link",
         "manage": "manage link", "password": "password link",
         "reset": "password reset link"}


class InvalidToken(PaperboyError):
    exit_code = 2


class ExpiredToken(InvalidToken):
    """Signed by this hub for this purpose, but too old."""


@dataclass(frozen=True)
class TokenPayload:
    user_id: int
    email: str
    epoch: int | None = None  # manage, password and reset tokens: the user's session_epoch


def _serializer(settings: Settings, purpose: str, signed_at: datetime | None = None
                ) -> URLSafeTimedSerializer:
    if settings.secret_key is None:
        raise ConfigError("PAPERBOY_SECRET_KEY is needed to sign the links in mail "
                          "(unsubscribe, confirmation, manage, password reset)")
    signer = TimestampSigner if signed_at is None else _signer_at(int(signed_at.timestamp()))
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(),
                                  salt=f"paperboy.{purpose}", signer=signer)


def _signer_at(stamp: int) -> type[TimestampSigner]:
    """A signer whose clock reads `stamp` (a token made at another moment, for tests)."""
    class Stamped(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp
    return Stamped


def unsubscribe_token(settings: Settings, user_id: int, email: str) -> str:
    return _serializer(settings, "unsubscribe").dumps([user_id, email])


def confirm_token(settings: Settings, user_id: int, email: str) -> str:
    return _serializer(settings, "confirm").dumps([user_id, email])


def manage_token(settings: Settings, user_id: int, email: str, epoch: int, *,
                 signed_at: datetime | None = None) -> str:
    return _serializer(settings, "manage", signed_at).dumps([user_id, email, epoch])


def password_token(settings: Settings, user_id: int, email: str, epoch: int, *,
                   signed_at: datetime | None = None) -> str:
    return _serializer(settings, "password", signed_at).dumps([user_id, email, epoch])


def reset_token(settings: Settings, user_id: int, email: str, epoch: int, *,
                signed_at: datetime | None = None) -> str:
    return _serializer(settings, "reset", signed_at).dumps([user_id, email, epoch])


def read_unsubscribe(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "unsubscribe", token, None)


def read_confirm(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "confirm", token, CONFIRM_MAX_AGE)


def read_manage(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "manage", token, MANAGE_MAX_AGE, with_epoch=True)


def read_password(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "password", token, PASSWORD_MAX_AGE, with_epoch=True)


def read_reset(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "reset", token, RESET_MAX_AGE, with_epoch=True)


def still_bound(user: User | None, payload: TokenPayload, name: str,
                what: str = "a digest") -> User:
    """The user an epoch-bound token names, if it still stands for them: the same address,
    not suspended, no session ended since it was signed. InvalidToken if not."""
    if user is None or user.email != payload.email:
        raise InvalidToken(f"{name}: this address no longer has {what} here")
    if user.suspended:
        raise InvalidToken(f"{name}: this account is suspended")
    if user.session_epoch != payload.epoch:
        raise InvalidToken(f"{name}: no longer valid (used already, or ended since by a new "
                           "password, a sign-out everywhere or the end of every link); ask "
                           "for a new one")
    return user


def _read(settings: Settings, purpose: str, token: str, max_age: int | None,
          with_epoch: bool = False) -> TokenPayload:
    name = NAMES[purpose]
    try:
        value = _serializer(settings, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ExpiredToken(f"{name}: expired; ask for a new one") from None
    except BadSignature:
        raise InvalidToken(f"{name}: not valid (altered, from another hub, or a link of "
                           "another kind)") from None
    size = 3 if with_epoch else 2
    if (not isinstance(value, list) or len(value) != size
            or not all(isinstance(part, int) and not isinstance(part, bool)
                       for part in value[:1] + value[2:])
            or not isinstance(value[1], str)):
        raise InvalidToken(f"{name}: not valid")
    return TokenPayload(*value)
