"""Signed tokens in mail links: one-click unsubscribe (no expiry: old digests keep working)
and sign-up confirmation (expires). Signed with `Settings.secret_key`; each kind has its own
salt, so one cannot stand in for the other."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from paperboy.config import Settings
from paperboy.errors import ConfigError, PaperboyError

CONFIRM_MAX_AGE = 7 * 24 * 3600


class InvalidToken(PaperboyError):
    exit_code = 2


@dataclass(frozen=True)
class TokenPayload:
    user_id: int
    email: str


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    if settings.secret_key is None:
        raise ConfigError("PAPERBOY_SECRET_KEY is needed to sign the links in mail "
                          "(unsubscribe, confirmation)")
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(),
                                  salt=f"paperboy.{purpose}")


def unsubscribe_token(settings: Settings, user_id: int, email: str) -> str:
    return _serializer(settings, "unsubscribe").dumps([user_id, email])


def confirm_token(settings: Settings, user_id: int, email: str) -> str:
    return _serializer(settings, "confirm").dumps([user_id, email])


def read_unsubscribe(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "unsubscribe", token, None)


def read_confirm(settings: Settings, token: str) -> TokenPayload:
    return _read(settings, "confirm", token, CONFIRM_MAX_AGE)


def _read(settings: Settings, purpose: str, token: str, max_age: int | None) -> TokenPayload:
    try:
        value = _serializer(settings, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidToken(f"{purpose} link: expired; ask for a new one") from None
    except BadSignature:
        raise InvalidToken(f"{purpose} link: not valid (altered or from another hub)") from None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], str)):
        raise InvalidToken(f"{purpose} link: not valid")
    return TokenPayload(value[0], value[1])
