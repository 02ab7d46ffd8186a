"""The storage layer: the only place SQL lives."""

from paperboy.store.db import Database, open_database

__all__ = ["Database", "open_database"]
