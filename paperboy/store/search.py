"""The SQL that search needs: what to index, the stored index rows, filters, change markers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Date,
    Select,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    type_coerce,
)

from paperboy.store import pgsearch
from paperboy.store.dialect import utc_day
from paperboy.store.schema import paper_categories, paper_index, papers


@dataclass(frozen=True)
class Marker:
    """Changes whenever a paper or an index row is added, changed or removed."""

    papers: int
    papers_modified: datetime | None
    indexed: int
    last_indexed: datetime | None


@dataclass(frozen=True)
class IndexRow:
    paper_id: int
    uid: str
    terms: bytes | None
    model: str | None
    vector: bytes | None


@dataclass(frozen=True)
class PaperText:
    paper_id: int
    title: str
    abstract: str
    authors: str  # names joined by ", "


@dataclass(frozen=True)
class PendingPaper:
    text: PaperText
    modified_at: datetime


@dataclass(frozen=True)
class IndexEntry:
    paper_id: int
    modified_at: datetime  # of the text the entry was computed from
    terms: bytes
    model: str | None
    vector: bytes | None


@dataclass(frozen=True)
class Filters:
    categories: Sequence[str] = ()
    authors: Sequence[str] = ()
    date_from: date | None = None
    date_to: date | None = None
    has_code: bool = False


def marker(conn: Connection) -> Marker:
    """Four cheap reads in one statement, each its own subquery so each is answered from an
    index (as aggregates of one SELECT, SQLite would scan a table). Runs before every query."""
    row = conn.execute(select(
        select(func.count()).select_from(papers).scalar_subquery(),
        select(func.max(papers.c.modified_at)).scalar_subquery(),
        select(func.count()).select_from(paper_index).scalar_subquery(),
        select(func.max(paper_index.c.indexed_at)).scalar_subquery())).one()
    return Marker(*row)


def index_rows(conn: Connection) -> list[IndexRow]:
    """Every paper with whatever index row it has, in id order."""
    query = (select(papers.c.id, papers.c.uid, paper_index.c.terms, paper_index.c.model,
                    paper_index.c.vector)
             .select_from(papers.outerjoin(paper_index, paper_index.c.paper_id == papers.c.id))
             .order_by(papers.c.id))
    return [IndexRow(*row) for row in conn.execute(query)]


def texts(conn: Connection, paper_ids: Iterable[int]) -> list[PaperText]:
    ids = list(paper_ids)
    rows = []
    for start in range(0, len(ids), 10_000):
        query = select(papers.c.id, papers.c.title, papers.c.abstract, papers.c.authors).where(
            papers.c.id.in_(ids[start:start + 10_000]))
        rows += [PaperText(i, t, a, _names(authors)) for i, t, a, authors in conn.execute(query)]
    return rows


def _pending(conn: Connection, model: str | None) -> Any:
    """Papers whose index row is missing, or (with a model) has no vector from that model.

    PostgreSQL keeps vectors in `embedding` (pgvector); in lexical-only mode it keeps none.
    """
    joined = papers.outerjoin(paper_index, paper_index.c.paper_id == papers.c.id)
    vector: Any = paper_index.c.vector
    if conn.dialect.name == "postgresql":
        if not pgsearch.has_embeddings(conn):
            model = None
        vector = literal_column("paper_index.embedding")
    if model is None:
        return joined, paper_index.c.paper_id.is_(None)
    return joined, or_(vector.is_(None), paper_index.c.model != model)


def pending(conn: Connection, model: str | None, limit: int) -> list[PendingPaper]:
    """Papers to index, oldest first, with the change time their text had when read."""
    joined, condition = _pending(conn, model)
    query = (select(papers.c.id, papers.c.title, papers.c.abstract, papers.c.authors,
                    papers.c.modified_at)
             .select_from(joined).where(condition).order_by(papers.c.id).limit(limit))
    return [PendingPaper(PaperText(i, t, a, _names(authors)), modified)
            for i, t, a, authors, modified in conn.execute(query)]


def count_pending(conn: Connection, model: str | None) -> int:
    joined, condition = _pending(conn, model)
    return int(conn.execute(select(func.count()).select_from(joined).where(condition))
               .scalar_one())


def save_index(conn: Connection, rows: Sequence[IndexEntry]) -> set[int]:
    """Store index rows, replacing what those papers had; skip papers changed since read.

    Returns the ids of the papers stored.
    """
    current = dict(conn.execute(select(papers.c.id, papers.c.modified_at)
                                .where(papers.c.id.in_([r.paper_id for r in rows]))).all())
    fresh = [r for r in rows if current.get(r.paper_id) == r.modified_at]
    if not fresh:
        return set()
    conn.execute(delete(paper_index).where(paper_index.c.paper_id.in_(
        [r.paper_id for r in fresh])))
    now = datetime.now(UTC)
    in_postgres = conn.dialect.name == "postgresql"
    conn.execute(insert(paper_index), [
        {"paper_id": r.paper_id, "terms": r.terms, "model": r.model,
         "vector": None if in_postgres else r.vector, "indexed_at": now} for r in fresh])
    if in_postgres and pgsearch.has_embeddings(conn):
        pgsearch.save_embeddings(conn, [(r.paper_id, r.vector) for r in fresh
                                        if r.vector is not None])
    return {r.paper_id for r in fresh}


def clear_index(conn: Connection) -> None:
    conn.execute(delete(paper_index))


def matching_ids(conn: Connection, filters: Filters) -> set[int]:
    """Ids of the papers that pass every filter."""
    return set(conn.execute(filtered_ids(filters)).scalars())


def newest_matching(conn: Connection, filters: Filters, limit: int) -> list[int]:
    """Ids of the papers that pass every filter, newest first."""
    query = filtered_ids(filters).order_by(PUBLISHED_DAY.desc().nulls_last(), papers.c.id.desc())
    return list(conn.execute(query.limit(limit)).scalars())


# What date filters in search mean: the day of v1, else of the announcement or listing.
PUBLISHED_DAY = type_coerce(func.coalesce(utc_day(papers.c.published), papers.c.announced,
                                          papers.c.listing_date), Date)


def filtered_ids(filters: Filters) -> Select[Any]:
    """A query for the ids of the papers that pass every filter."""
    day = PUBLISHED_DAY
    query = select(papers.c.id)
    if filters.categories:
        category = paper_categories.c.category  # an archive (cs, hep-th) holds its classes
        query = query.where(papers.c.id.in_(
            select(paper_categories.c.paper_id).where(or_(
                category.in_(filters.categories),
                *(category.startswith(f"{c}.", autoescape=True) for c in filters.categories
                  if "." not in c)))))
    for name in filters.authors:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(papers.c.authors.ilike(f"%{escaped}%", escape="\\"))
    if filters.date_from:
        query = query.where(day >= filters.date_from)
    if filters.date_to:
        query = query.where(day <= filters.date_to)
    if filters.has_code:
        query = query.where(papers.c.code_url.is_not(None))
    return query


def paper_id(conn: Connection, uid: str) -> int | None:
    found = conn.execute(select(papers.c.id).where(papers.c.uid == uid)).scalar_one_or_none()
    return int(found) if found is not None else None


def _names(authors_json: str) -> str:
    return ", ".join(name for name, _ in orjson.loads(authors_json))


def uids_by_id(conn: Connection) -> dict[int, str]:
    """Every paper's uid by row id."""
    return {int(i): uid for i, uid in conn.execute(select(papers.c.id, papers.c.uid))}
