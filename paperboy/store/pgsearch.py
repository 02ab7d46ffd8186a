"""Search inside PostgreSQL: a weighted tsvector with a GIN index, pgvector with HNSW.

The objects come from migration 0004 and exist on PostgreSQL only, so they are declared here
rather than in schema.py. Lexical ranking is BM25 in spirit: a paper needs any word of the
query, and scores per word its idf times `ts_rank` with field weights like BM25F's
(docs/search-quality.md, "On PostgreSQL").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

Allowed = Select[Any] | None  # a query for the ids a result may have (None: any)

# What migration 0004 adds on PostgreSQL (a test skips them when comparing schema.py).
POSTGRES_ONLY = frozenset({"search_document", "embedding", "ix_papers_search_document",
                           "ix_paper_index_embedding"})
DIMENSIONS = 384
# ts_rank weights for D, C, B, A: title A 1, abstract B 1/3, authors C 1/6 (BM25F's 3 : 1 : .5).
WEIGHTS = "{0.1, 0.167, 0.333, 1.0}"
# Rank normalisation 1: divide by 1 + log(document length), as BM25 discounts long documents.
NORMALISATION = 1
# HNSW candidates per query: recall@10 against the exact scan >= 0.95 on real embeddings
# (tests/store/test_pgsearch.py; figures in docs/search-quality.md).
EF_SEARCH = 100
CANDIDATE_BUDGET = 2_000  # documents lexical ranking scores per query, at most (roughly)
SCORED_TERMS = 12  # lexemes of a query that count towards a score, at most
PRESELECT = 3  # candidates scored in full per result asked for
MIN_DEPTH = 100

_meta = MetaData()
_papers = Table("papers", _meta, Column("id", Integer, primary_key=True),
                Column("search_document", TSVECTOR))
_index = Table("paper_index", _meta, Column("paper_id", Integer, primary_key=True),
               Column("embedding", Vector(DIMENSIONS)))

Ranked = list[tuple[int, float]]  # (paper id, score), best first


def has_embeddings(conn: Connection) -> bool:
    """Whether this database has the embedding column (False: lexical-only mode)."""
    # pg_attribute, not information_schema: that view costs tens of milliseconds a query.
    found = conn.execute(text(
        "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('paper_index') "
        "AND attname = 'embedding' AND NOT attisdropped"))
    return found.first() is not None


def any_embedding(conn: Connection) -> bool:
    """Whether dense search can run: the column exists and some paper has an embedding."""
    if not has_embeddings(conn):
        return False
    return conn.execute(select(_index.c.paper_id).where(_index.c.embedding.is_not(None))
                        .limit(1)).first() is not None


@dataclass(frozen=True)
class LexicalQuery:
    """What lexical ranking needs from a query: a weight per lexeme (idf times how often the
    query says it) and the lexemes a candidate must hold one of."""

    weights: dict[str, float]
    candidates: tuple[str, ...]
    candidate_count: float  # papers holding a candidate lexeme, at most (an estimate)


def lexical_query(conn: Connection, query_text: str) -> LexicalQuery | None:
    """None: the query has no searchable word (only stop words, say).

    Candidates come from the rarest lexemes, as many as keep the documents to score under
    `CANDIDATE_BUDGET`: a paper holding only common words ("model", "method") scores too
    low to matter, and scoring every such paper would cost seconds at a million papers.
    """
    terms = query_terms(conn, query_text)
    if not terms:
        return None
    total, counts = document_counts(conn, list(terms))
    weights = {lexeme: math.log(1 + (total - counts[lexeme] + 0.5) / (counts[lexeme] + 0.5))
               * count for lexeme, count in terms.items()}
    # The heaviest lexemes only: each costs a ts_rank call per candidate, the light ones
    # (idf near 0) move no result.
    weights = dict(sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:SCORED_TERMS])
    chosen: list[str] = []
    covered = 0.0
    for lexeme in sorted(weights, key=lambda lexeme: (counts[lexeme], lexeme)):
        if chosen and covered + counts[lexeme] > CANDIDATE_BUDGET:
            break
        chosen.append(lexeme)
        covered += counts[lexeme]
    return LexicalQuery(weights, tuple(chosen), covered)


def query_terms(conn: Connection, query_text: str) -> dict[str, int]:
    """The query's lexemes (stemmed as the documents are), with how often each occurs."""
    rows = conn.execute(text("SELECT lexeme, cardinality(positions) "
                             "FROM unnest(to_tsvector('english', :q))"),
                        {"q": query_text.replace("\x00", " ")})
    return {lexeme: max(int(count), 1) for lexeme, count in rows}


def document_counts(conn: Connection, lexemes: Sequence[str]) -> tuple[float, dict[str, float]]:
    """How many papers there are, and how many hold each lexeme: from the planner's statistics
    when the table was analysed (a lexeme outside its most common ones counts as rare), else
    counted."""
    total = _paper_count(conn)
    frequencies = _common_lexemes(conn)
    if frequencies is not None:
        common, floor = frequencies
        return total, {lexeme: common.get(lexeme, floor / 2) * total for lexeme in lexemes}
    return total, {lexeme: float(conn.execute(
        select(func.count()).select_from(_papers)
        .where(_papers.c.search_document.bool_op("@@")(_any_of([lexeme])))).scalar_one())
        for lexeme in lexemes}


def lexical_top(conn: Connection, query: LexicalQuery, allowed: Allowed, limit: int) -> Ranked:
    """Papers holding a candidate lexeme of the query, best first (ties: lower id).

    Many candidates are first cut to the `PRESELECT` times `limit` best by one plain
    `ts_rank` over the candidate lexemes (one call per paper instead of one per lexeme).
    """
    condition: Any = _papers.c.search_document.bool_op("@@")(_any_of(query.candidates))
    if allowed is not None:
        condition = and_(condition, _papers.c.id.in_(allowed))
    kept = max(limit, MIN_DEPTH) * PRESELECT
    if query.candidate_count > kept:
        cheap = func.ts_rank(text(f"'{WEIGHTS}'::float4[]"), _papers.c.search_document,
                             _any_of(query.candidates), NORMALISATION)
        preselected = select(_papers.c.id).where(condition).order_by(cheap.desc()).limit(kept)
        condition = _papers.c.id.in_(preselected.scalar_subquery())
    found, score = _scored(query, condition)
    ranked = select(found.c.id, score).order_by(score.desc(), found.c.id).limit(limit)
    return [(int(i), float(s)) for i, s in conn.execute(ranked)]


def lexical_scores(conn: Connection, query: LexicalQuery, paper_ids: Sequence[int]
                   ) -> dict[int, float]:
    """The lexical score of each of these papers that holds any lexeme of the query."""
    if not paper_ids:
        return {}
    condition = and_(_papers.c.id.in_(paper_ids),
                     _papers.c.search_document.bool_op("@@")(_any_of(list(query.weights))))
    found, score = _scored(query, condition)
    return {int(i): float(s) for i, s in conn.execute(select(found.c.id, score))}


def _scored(query: LexicalQuery, condition: Any) -> tuple[Any, Any]:
    """The papers meeting `condition` and their score: BM25 in spirit, per lexeme its weight
    times `ts_rank` (field weights, saturating term frequency, length normalisation), summed.

    The subquery detoasts each document once (`|| ''`); scored straight from the table,
    every `ts_rank` call would fetch it from TOAST again (measured 4x slower).
    """
    document = _papers.c.search_document.op("||")(cast(literal(""), TSVECTOR))
    found = (select(_papers.c.id, document.label("document")).where(condition).offset(0)
             .subquery("found"))
    parts = [func.ts_rank(text(f"'{WEIGHTS}'::float4[]"), found.c.document,
                          _any_of([lexeme]), NORMALISATION) * weight
             for lexeme, weight in query.weights.items()]
    return found, sum(parts[1:], parts[0])


def _any_of(lexemes: Sequence[str]) -> Any:
    return cast(literal(" | ".join(_quoted(lexeme) for lexeme in lexemes)), TSQUERY)


def dense_top(conn: Connection, vector: npt.NDArray[np.float32], allowed: Allowed,
              limit: int, exclude: int | None = None) -> Ranked:
    """Papers nearest to `vector` by cosine, through the HNSW index (approximate)."""
    _tune_hnsw(conn, limit, filtered=allowed is not None)
    distance = _index.c.embedding.cosine_distance(vector)
    query = (select(_index.c.paper_id, distance).where(_index.c.embedding.is_not(None))
             .order_by(distance).limit(limit))
    if allowed is not None:
        query = query.where(_index.c.paper_id.in_(allowed))
    if exclude is not None:
        query = query.where(_index.c.paper_id != exclude)
    ranked = [(int(i), 1.0 - float(d)) for i, d in conn.execute(query)]
    return sorted(ranked, key=lambda hit: (-hit[1], hit[0]))  # relaxed order, put right


def dense_exact_top(conn: Connection, vector: npt.NDArray[np.float32], limit: int) -> Ranked:
    """The exact nearest papers (a full scan, the index bypassed): what HNSW is checked against."""
    conn.execute(text("SET LOCAL enable_indexscan = off"))
    try:
        distance = _index.c.embedding.cosine_distance(vector)
        query = (select(_index.c.paper_id, distance).where(_index.c.embedding.is_not(None))
                 .order_by(distance, _index.c.paper_id).limit(limit))
        return [(int(i), 1.0 - float(d)) for i, d in conn.execute(query)]
    finally:
        conn.execute(text("SET LOCAL enable_indexscan = on"))


def dense_scores(conn: Connection, vector: npt.NDArray[np.float32], paper_ids: Sequence[int]
                 ) -> dict[int, float]:
    """The cosine similarity to `vector` of each of these papers that has an embedding."""
    if not paper_ids:
        return {}
    distance = _index.c.embedding.cosine_distance(vector)
    query = select(_index.c.paper_id, distance).where(_index.c.paper_id.in_(paper_ids),
                                                      _index.c.embedding.is_not(None))
    return {int(i): 1.0 - float(d) for i, d in conn.execute(query)}


def embedding_of(conn: Connection, paper_id: int) -> npt.NDArray[np.float32] | None:
    found = conn.execute(select(_index.c.embedding).where(_index.c.paper_id == paper_id)
                         ).scalar_one_or_none()
    return None if found is None else np.asarray(found, dtype=np.float32)


def save_embeddings(conn: Connection, rows: Sequence[tuple[int, bytes]]) -> None:
    """Store embeddings (float32 bytes, as the SQLite store keeps them) for indexed papers."""
    if rows:
        conn.execute(
            _index.update().where(_index.c.paper_id == bindparam("id_")).values(
                embedding=bindparam("vec_", type_=Vector(DIMENSIONS))),
            [{"id_": paper_id, "vec_": np.frombuffer(blob, dtype=np.float32)}
             for paper_id, blob in rows])


def _quoted(lexeme: str) -> str:
    """One lexeme as tsquery text (quoted, so punctuation inside it stays part of it)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _paper_count(conn: Connection) -> float:
    """The planner's row estimate when it has one (a count would scan), else a count."""
    estimate = conn.execute(text(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass('papers')")).scalar()
    if estimate is not None and estimate > 0:
        return float(estimate)
    return float(conn.execute(select(func.count()).select_from(_papers)).scalar_one())


def _common_lexemes(conn: Connection) -> tuple[dict[str, float], float] | None:
    """The analysed share of papers holding each common lexeme, and the smallest share kept;
    None if the column was never analysed."""
    row = conn.execute(text(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
        "WHERE tablename = 'papers' AND attname = 'search_document' "
        "AND schemaname = current_schema()")).first()
    if row is None or row[0] is None:
        return None
    lexemes, shares = row
    # After one share per lexeme come the smallest and largest shares and the share of nulls.
    return dict(zip(lexemes, shares, strict=False)), float(shares[len(lexemes)])


def _tune_hnsw(conn: Connection, limit: int, filtered: bool) -> None:
    """Enough HNSW candidates for `limit` results; with filters, keep scanning until found."""
    conn.execute(text(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, min(limit, 1000))}"))
    if filtered:
        conn.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))


def analyze(conn: Connection) -> None:
    """Refresh the planner's statistics, from which lexical ranking takes its idf."""
    conn.execute(text("ANALYZE papers"))
    conn.execute(text("ANALYZE paper_index"))
