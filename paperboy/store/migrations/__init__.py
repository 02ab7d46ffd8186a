"""Schema migrations (Alembic, append-only), run from code: any command can bring a database up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from paperboy.errors import DatabaseError

HERE = Path(__file__).parent


def _config(engine: Engine, vectors: bool) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    config.attributes["vectors"] = vectors  # False: PostgreSQL without pgvector (0004)
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(HERE)).get_current_head()
    assert head is not None
    return head


def version_schema(conn: Connection) -> str | None:
    """Where the schema's version is kept: on PostgreSQL, the first schema of the search path
    (public, or a scratch schema), never a later one whose tables the path also reaches."""
    if conn.dialect.name != "postgresql":
        return None
    schema: str | None = conn.exec_driver_sql("SELECT current_schema()").scalar()
    return schema


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(
                conn, opts={"version_table_schema": version_schema(conn)}
            ).get_current_revision()
    except DBAPIError as exc:
        raise DatabaseError(f"database: cannot open: {exc.orig}") from exc


def check_not_newer(engine: Engine) -> None:
    current = current_revision(engine)
    known = {script.revision for script in ScriptDirectory(str(HERE)).walk_revisions()}
    if current is not None and current not in known:
        raise DatabaseError(
            f"database: its schema is at revision {current}, newer than this paperboy knows "
            f"(latest {head_revision()}); upgrade paperboy before using this database"
        )


def upgrade(engine: Engine, vectors: bool = True) -> bool:
    """Bring the schema up to date. Returns whether anything was applied.

    `vectors=False` leaves dense search out on a PostgreSQL server without pgvector.
    """
    check_not_newer(engine)
    if current_revision(engine) == head_revision():
        return False
    try:
        command.upgrade(_config(engine, vectors), "head")
    except SQLAlchemyError as exc:
        raise DatabaseError(f"database: migration failed: {exc}") from exc
    return True
