"""One way to open the database: a URL in, a migrated `Database` out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from paperboy.errors import DatabaseError


def normalize_url(url_or_path: str) -> str:
    """A SQLite path, a sqlite:/// URL or a postgresql:// URL, as a SQLAlchemy URL."""
    text = url_or_path.strip()
    if not text:
        raise DatabaseError("database: empty path or URL")
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise DatabaseError(f"database: cannot read URL {text!r}: {exc}") from exc
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if url.drivername == "sqlite" or url.drivername.startswith("postgresql+"):
        return text
    raise DatabaseError(f"database: unsupported URL scheme {url.drivername!r} "
                        "(use a SQLite path, sqlite:/// or postgresql://)")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@dataclass(frozen=True)
class PoolSettings:
    """How a PostgreSQL process holds its connections (SQLite opens a file per use).

    Size the pool for the process, not the hub: every web or worker process keeps up to
    `size + overflow` connections, so (processes x that) must stay under the server's
    `max_connections` (100 by default). The defaults suit 4 web processes and 3 workers.
    """

    size: int = 5
    overflow: int = 5
    timeout: float = 30.0  # seconds to wait for a free connection before failing
    recycle: int = 1800  # seconds before a connection is replaced (outlives server restarts)
    statement_timeout_ms: int = 30_000  # a runaway query is cancelled, never holds a worker
    schema: str | None = None  # tables in this schema (then public); None: the default path


def create_db_engine(url: str, pool: PoolSettings = PoolSettings()) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = (make_url(url).database or "").removeprefix("file:")  # URI form: file:x?mode=ro
        if path and path != ":memory:" and not Path(path).parent.exists():
            raise DatabaseError(f"database: folder {Path(path).parent} does not exist")
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Statement timeout and UTC per connection, set at connect time (no extra round trip);
    # migrations and bulk loads lift the timeout for their own transaction.
    options = f"-c statement_timeout={pool.statement_timeout_ms} -c TimeZone=UTC"
    if pool.schema:
        options += f" -c search_path={pool.schema},public"
    return create_engine(url, pool_pre_ping=True, pool_size=pool.size,
                         max_overflow=pool.overflow, pool_timeout=pool.timeout,
                         pool_recycle=pool.recycle,
                         connect_args={"options": options, "application_name": "paperboy"})


@dataclass
class Database:
    engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, migrate: bool = True, pool: PoolSettings = PoolSettings(),
                  vectors: bool = True) -> Database:
    """Open the database at `url`; bring an empty or older schema up to date unless told not to.

    A database whose schema is newer than this code is refused. `vectors=False` migrates a
    PostgreSQL server that lacks pgvector in lexical-only mode (no dense search).
    """
    from paperboy.store import migrations

    db = Database(create_db_engine(url, pool))
    try:
        if migrate:
            migrations.upgrade(db.engine, vectors)
        else:
            migrations.check_not_newer(db.engine)
    except Exception:
        db.dispose()
        raise
    return db
