"""Dense search inside PostgreSQL: pgvector with an HNSW index (lexical: pglexical.py).

The objects come from migration 0004 and exist on PostgreSQL only, so they are declared here
rather than in schema.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    select,
    text,
)

from paperboy.store.pglexical import Allowed, Ranked, one_of, set_locally

# What migrations 0004, 0008, 0009 and 0010 add for search alone, differently or only on
# PostgreSQL (a test skips them when comparing schema.py).
NOT_IN_SCHEMA = frozenset({"search_document", "embedding", "ix_papers_search_document",
                           "paper_postings", "ix_paper_postings_impact",
                           "ix_paper_index_embedding", "ix_papers_authors",
                           "ix_papers_published_day"})
DIMENSIONS = 384
# HNSW candidates per query: recall@10 against the exact scan >= 0.95 on real embeddings
# (tests/store/test_pgsearch.py; figures in docs/search-quality.md).
EF_SEARCH = 100

# paper_index as PostgreSQL has it (with migration 0004's embedding); digest_papers reads it too.
EMBEDDINGS = Table("paper_index", MetaData(), Column("paper_id", Integer, primary_key=True),
                   Column("model", String), Column("embedding", Vector(DIMENSIONS)))


def _embedded_by(model: str) -> ColumnElement[bool]:
    """Rows holding an embedding by `model`: vectors of another model (before `paperboy index`
    re-embeds after a model change) are not comparable to this one's queries."""
    return (EMBEDDINGS.c.embedding.is_not(None)) & (EMBEDDINGS.c.model == model)


def has_embeddings(conn: Connection) -> bool:
    """Whether this database has the embedding column (False: lexical-only mode)."""
    # pg_attribute, not information_schema: that view costs tens of milliseconds a query.
    found = conn.execute(text(
        "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('paper_index') "
        "AND attname = 'embedding' AND NOT attisdropped"))
    return found.first() is not None


def any_embedding(conn: Connection, model: str) -> bool:
    """Whether dense search can run: the column exists and some paper has an embedding by
    `model`."""
    if not has_embeddings(conn):
        return False
    found = conn.execute(select(EMBEDDINGS.c.paper_id).where(_embedded_by(model)).limit(1))
    return found.first() is not None


def dense_top(conn: Connection, vector: npt.NDArray[np.float32], allowed: Allowed,
              limit: int, *, model: str, exclude: int | None = None) -> Ranked:
    """Papers nearest to `vector` by cosine, through the HNSW index (approximate)."""
    _tune_hnsw(conn, limit)
    distance = EMBEDDINGS.c.embedding.cosine_distance(vector)
    query = (select(EMBEDDINGS.c.paper_id, distance).where(_embedded_by(model))
             .order_by(distance).limit(limit))
    if allowed is not None:
        query = query.where(EMBEDDINGS.c.paper_id.in_(allowed))
    if exclude is not None:
        query = query.where(EMBEDDINGS.c.paper_id != exclude)
    ranked = [(int(i), 1.0 - float(d)) for i, d in conn.execute(query)]
    return sorted(ranked, key=lambda hit: (-hit[1], hit[0]))  # relaxed order, put right


def dense_exact_top(conn: Connection, vector: npt.NDArray[np.float32], limit: int, *,
                    model: str) -> Ranked:
    """The exact nearest papers (a full scan, the index bypassed): what HNSW is checked against."""
    set_locally(conn, enable_indexscan="off")
    try:
        distance = EMBEDDINGS.c.embedding.cosine_distance(vector)
        query = (select(EMBEDDINGS.c.paper_id, distance).where(_embedded_by(model))
                 .order_by(distance, EMBEDDINGS.c.paper_id).limit(limit))
        return [(int(i), 1.0 - float(d)) for i, d in conn.execute(query)]
    finally:
        set_locally(conn, enable_indexscan="on")


def dense_scores(conn: Connection, vector: npt.NDArray[np.float32], paper_ids: Sequence[int],
                 *, model: str) -> dict[int, float]:
    """The cosine similarity to `vector` of each of these papers that has an embedding."""
    if not paper_ids:
        return {}
    distance = EMBEDDINGS.c.embedding.cosine_distance(vector)
    query = select(EMBEDDINGS.c.paper_id, distance).where(
        one_of(EMBEDDINGS.c.paper_id, paper_ids), _embedded_by(model))
    return {int(i): 1.0 - float(d) for i, d in conn.execute(query)}


def embedding_of(conn: Connection, paper_id: int, *, model: str
                 ) -> npt.NDArray[np.float32] | None:
    found = conn.execute(select(EMBEDDINGS.c.embedding).where(EMBEDDINGS.c.paper_id == paper_id,
                                                          _embedded_by(model))).scalar_one_or_none()
    return None if found is None else np.asarray(found, dtype=np.float32)


def save_embeddings(conn: Connection, rows: Sequence[tuple[int, bytes]]) -> None:
    """Store embeddings (float32 bytes, as the SQLite store keeps them) for indexed papers."""
    if rows:
        conn.execute(
            EMBEDDINGS.update().where(EMBEDDINGS.c.paper_id == bindparam("id_")).values(
                embedding=bindparam("vec_", type_=Vector(DIMENSIONS))),
            [{"id_": paper_id, "vec_": np.frombuffer(blob, dtype=np.float32)}
             for paper_id, blob in rows])


def _tune_hnsw(conn: Connection, limit: int) -> None:
    """Enough HNSW candidates for `limit` results, and scanning on while filters (a paper
    filter, another model's vectors) leave too few: free when nothing is filtered out."""
    set_locally(conn, **{"hnsw.ef_search": str(max(EF_SEARCH, min(limit, 1000))),
                         "hnsw.iterative_scan": "relaxed_order"})


def analyze(conn: Connection) -> None:
    """Refresh the planner's statistics, from which lexical ranking takes its idf."""
    conn.execute(text("ANALYZE papers"))
    conn.execute(text("ANALYZE paper_index"))
    conn.execute(text("ANALYZE paper_categories"))  # for the estimates of filters
