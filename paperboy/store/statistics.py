"""The query planner's statistics on SQLite.

SQLite gathers none by itself (PostgreSQL's autovacuum does), and without them its planner
guesses: on a hub imported from the arXiv snapshot, where no paper has an announcement day,
it reads a listing's neighbouring day through the index of that empty column, i.e. every
paper, on each page view. ANALYZE after an import that grew the hub by a tenth (or when
there are none yet) keeps them close enough; it reads the indexes only (0.4 s at 100,000).
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, text

from paperboy.store.schema import papers

GROWTH = 0.1


def refresh_if_grown(conn: Connection, added: int) -> None:
    """ANALYZE (SQLite only) if `added` papers are a tenth of the hub, or never analysed."""
    if conn.dialect.name != "sqlite" or added <= 0:
        return
    total = conn.execute(select(func.count()).select_from(papers)).scalar_one()
    if added >= GROWTH * total or not _analysed(conn):
        conn.execute(text("ANALYZE"))


def _analysed(conn: Connection) -> bool:
    has_table = conn.execute(text(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")).first()
    return has_table is not None and conn.execute(text(
        "SELECT 1 FROM sqlite_stat1 WHERE tbl = 'papers'")).first() is not None
