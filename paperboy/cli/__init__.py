"""The `paperboy` command: one module per group of commands, registered on import."""

from paperboy.cli import ingest, search  # isort: skip  (the order commands are listed in)
from paperboy.cli import admin, backup, delivery, transfer, users
from paperboy.cli.app import app, main

__all__ = ["admin", "app", "backup", "delivery", "ingest", "main", "search", "transfer", "users"]
