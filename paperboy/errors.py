"""Our error types. The CLI maps them to one line and an exit code, the API to a 4xx body."""

from __future__ import annotations


class PaperboyError(Exception):
    """Base of every error we raise on purpose; its message is fit for a user."""

    exit_code = 1


class InvalidRecord(PaperboyError):
    """A record (or a whole input) that cannot be read. `place` says where: file, line, field."""

    exit_code = 2

    def __init__(self, place: str, reason: str) -> None:
        super().__init__(f"{place}: {reason}")
        self.place = place
        self.reason = reason

    def at(self, prefix: str) -> InvalidRecord:
        """The same error with its place prefixed (e.g. by the file name)."""
        return InvalidRecord(f"{prefix}, {self.place}" if self.place else prefix, self.reason)


class InvalidValue(PaperboyError, ValueError):
    """A value someone chose (a form field, a CLI option) that cannot be used; `field` names
    it and `reason` says why, fit to show beside it."""

    exit_code = 2

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ConfigError(PaperboyError):
    """A setting that cannot be used."""

    exit_code = 3


class DatabaseError(PaperboyError):
    """The database cannot be opened or is at a schema we do not know."""

    exit_code = 4


class FetchError(PaperboyError):
    """A remote source failed in a way retrying did not fix."""

    exit_code = 5
