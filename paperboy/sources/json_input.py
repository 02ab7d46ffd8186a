"""JSON in: documents and JSON lines, with errors that name the line and the field."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from paperboy.errors import InvalidRecord
from paperboy.models import PaperRecord
from paperboy.sources.base import MAX_LINE, Item, checked, clean


def load_json(data: bytes | str, place: str) -> Any:
    """Parse one JSON document, turning every way it can fail into an InvalidRecord."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        reason = str(exc)
        if reason.startswith("depth limit"):
            raise InvalidRecord(place, "JSON nested too deeply") from exc
        if "UTF-8" in reason:
            raise InvalidRecord(place, "not UTF-8 text") from exc
        raise InvalidRecord(place, f"not valid JSON: {reason}") from exc


def json_lines(stream: Iterable[bytes]) -> Iterator[tuple[str, Any] | InvalidRecord]:
    """(place, value) for each non-blank line of a JSON-lines stream, or the line's error."""
    for number, line in enumerate(stream, start=1):
        place = f"line {number}"
        if len(line) > MAX_LINE:
            yield InvalidRecord(place, f"line is {len(line):,} bytes (limit {MAX_LINE:,})")
            continue
        if not line.strip():
            continue
        try:
            yield place, load_json(line, place)
        except InvalidRecord as error:
            yield error


def json_records(stream: Iterable[bytes],
                 read: Callable[[Fields], PaperRecord]) -> Iterator[Item]:
    """What `read` makes of each line of a JSON-lines stream, checked, or the line's error."""
    for item in json_lines(stream):
        if isinstance(item, InvalidRecord):
            yield item
            continue
        place, value = item
        try:
            record = read(Fields(value, place))
        except InvalidRecord as error:
            yield error
            continue
        yield checked(record, f"{place} (id {record.uid})")


class Fields:
    """Typed access to a JSON object's fields, with errors that name the field."""

    def __init__(self, obj: Any, place: str) -> None:
        if not isinstance(obj, dict):
            raise InvalidRecord(place, f"expected a JSON object, got {type(obj).__name__}")
        self.obj: dict[str, Any] = obj
        self.place = place

    def _error(self, key: str, expected: str) -> InvalidRecord:
        got = type(self.obj[key]).__name__
        return InvalidRecord(self.place, f"field {key!r} must be {expected}, got {got}")

    def ident(self, key: str) -> str | None:
        """An identifier, which some sources write as a number."""
        value = self.obj.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(key)

    def text(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._error(key, "a string")
        return clean(value)

    def integer(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._error(key, "an integer")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._error(key, "a list")
        return value

    def obj_field(self, key: str) -> Fields | None:
        value = self.obj.get(key)
        return None if value is None else Fields(value, f"{self.place}: {key}")
