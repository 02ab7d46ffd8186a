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


def create_db_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = (make_url(url).database or "").removeprefix("file:")  # URI form: file:x?mode=ro
        if path and path != ":memory:" and not Path(path).parent.exists():
            raise DatabaseError(f"database: folder {Path(path).parent} does not exist")
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


@dataclass
class Database:
    engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open the database at `url`; bring an empty or older schema up to date unless told not to.

    A database whose schema is newer than this code is refused.
    """
    from paperboy.store import migrations

    db = Database(create_db_engine(url))
    try:
        if migrate:
            migrations.upgrade(db.engine)
        else:
            migrations.check_not_newer(db.engine)
    except Exception:
        db.dispose()
        raise
    return db
