"""A throwaway PostgreSQL schema: a migrated, empty hub inside a real database, dropped after.

`paperboy eval` builds its index there, so measuring search quality on a server uses the
server's own search and leaves nothing behind.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import text

from paperboy.store.db import Database, PoolSettings, create_db_engine, open_database


@contextmanager
def scratch_schema(url: str, pool: PoolSettings = PoolSettings()) -> Iterator[Database]:
    """A Database whose tables live in a new schema on the server at `url`, dropped on exit."""
    name = f"paperboy_scratch_{secrets.token_hex(6)}"
    admin = create_db_engine(url, pool)
    try:
        with admin.begin() as conn:
            # In public, so dropping the scratch schema can never take an extension with it.
            extensions = set(conn.execute(text(
                "SELECT name FROM pg_available_extensions WHERE name IN ('vector', 'pg_trgm')"
            )).scalars())
            for extension in sorted(extensions):
                conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {extension} SCHEMA public"))
            available = "vector" in extensions
            conn.execute(text(f"CREATE SCHEMA {name}"))
        try:
            db = open_database(url, pool=replace(pool, schema=name, statement_timeout_ms=0),
                               vectors=bool(available))
            try:
                yield db
            finally:
                db.dispose()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    finally:
        admin.dispose()
