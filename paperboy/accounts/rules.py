"""What a user may choose: a name, an email, a password, a time zone. Each check returns the
cleaned value or raises `InvalidInput(field, message)` with a message fit for the form."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, available_timezones

from paperboy.errors import InvalidValue

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,31}")
# A mailbox and a dotted domain; no spaces, quotes, brackets or commas (nothing a mail header
# could split on).
EMAIL = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
RESERVED = {"admin", "administrator", "root", "paperboy", "api", "static", "system", "support",
            "help", "settings", "login", "logout", "signup", "submit", "me", "anonymous"}
MIN_PASSWORD, MAX_PASSWORD = 10, 1024


class InvalidInput(InvalidValue):
    """A name, email, password or time zone that cannot be used."""


def name(value: str) -> str:
    cleaned = value.strip().lower()
    if not NAME.fullmatch(cleaned):
        raise InvalidInput("name", "2 to 32 characters: letters, digits, '-' or '_', "
                                   "starting with a letter or digit")
    if cleaned in RESERVED:
        raise InvalidInput("name", f"{cleaned!r} is reserved; choose another")
    return cleaned


def email(value: str) -> str:
    cleaned = value.strip().lower()
    if len(cleaned) > 254 or not EMAIL.fullmatch(cleaned):
        raise InvalidInput("email", "not an email address")
    return cleaned


def password(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise InvalidInput("password", f"at least {MIN_PASSWORD} characters")
    if len(value) > MAX_PASSWORD:
        raise InvalidInput("password", f"at most {MAX_PASSWORD} characters")
    if not value.strip():
        raise InvalidInput("password", "not only spaces")
    return value


def same_passwords(password: str, again: str) -> None:
    """A form's password typed twice must match (its rules are checked where it is set)."""
    if password != again:
        raise InvalidInput("password", "the two passwords differ")


def timezone(value: str) -> str:
    cleaned = value.strip()
    if cleaned not in available_timezones() and cleaned != "UTC":
        raise InvalidInput("timezone", f"unknown time zone {cleaned[:64]!r} "
                                       "(use a name such as Europe/Paris)")
    ZoneInfo(cleaned)
    return cleaned
