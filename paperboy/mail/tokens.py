"""Signed tokens in mail links, signed with `Settings.secret_key`; each purpose has its own
salt, so one cannot stand in for another.

- unsubscribe: no expiry (old digests keep working);
- confirm: the sign-up confirmation, 7 days;
- manage: the "manage your digest" link of every digest and confirmation, 60 days; it manages
  that user's digest and nothing else (mail/manage.py);
- password: the link that lets an address without a password choose one, 1 day.

Manage and password tokens also carry the user's `session_epoch` at signing: whatever ends a
user's sessions (a new password, a suspension, "end all manage links") ends them too, and a
password link works once (choosing the password bumps the epoch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from paperboy.config import Settings
from paperboy.errors import ConfigError, PaperboyError

CONFIRM_MAX_AGE = 7 * 24 * 3600
MANAGE_MAX_AGE = 60 * 24 * 3600
PASSWORD_MAX_AGE = 24 * 3600
NAMES = {"unsubscribe": "unsubscribe link", "confirm": "confirmation link",
         "manage": "manage link", "password": "password link"}


class InvalidToken(PaperboyError):
    exit_code = 2


class ExpiredToken(InvalidToken):
    """Signed by this hub for this purpose, but too old."""


@dataclass(frozen=True)
class TokenPayload:
    user_id: int
    email: str
    epoch: int | None = None  # manage and password tokens: the user's session_epoch


def _serializer(settings: Settings, purpose: str, signed_at: datetime | None = None
                ) -> URLSafeTimedSerializer:
    if settings.secret_key is None:
        raise ConfigError("PAPERBOY_SECRET_KEY is needed to sign the links in mail "
                          "(unsubscribe, confirmation, manage)")
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


def read_unsubscribe(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "unsubscribe", token, None)


def read_confirm(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "confirm", token, CONFIRM_MAX_AGE)


def read_manage(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "manage", token, MANAGE_MAX_AGE, with_epoch=True)


def read_password(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "password", token, PASSWORD_MAX_AGE, with_epoch=True)


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
