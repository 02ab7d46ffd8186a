"""Ranking inside PostgreSQL: the database finds and scores, the fusion is the one SQLite uses.

Lexical candidates come from the GIN-indexed tsvector, dense ones from the HNSW index; hybrid
takes each side's top `CANDIDATES`, asks the database for the other side's score of every
candidate, and mixes them with `rank.fuse`, as the in-process ranking does.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection

from paperboy.search.embed import Vectors
from paperboy.search.rank import CANDIDATES, Mode, fuse
from paperboy.store import pglexical, pgsearch
from paperboy.store.pglexical import Allowed, Ranked

# Most results a ranking returns here (SQLite's keeps 1000): each costs work in the database
# (HNSW candidates, lexical scoring), and nobody pages past 200 results.
DEPTH = 200


def rank_in_database(conn: Connection, mode: Mode, query_text: str, vector: Vectors | None,
                     allowed: Allowed, depth: int) -> Ranked:
    """(paper id, score), best first, at most `depth` and at most `DEPTH`."""
    depth = min(depth, DEPTH)
    if mode == "dense":
        if vector is None:
            raise ValueError("dense ranking needs a query vector")
        return pgsearch.dense_top(conn, vector, allowed, depth)
    words = pglexical.lexical_query(conn, query_text)
    lexical = (pglexical.lexical_top(conn, words, allowed, max(depth, CANDIDATES))
               if words is not None else [])
    if mode == "bm25" or vector is None:
        return lexical[:depth]
    dense = pgsearch.dense_top(conn, vector, allowed, CANDIDATES)
    return hybrid(conn, words, vector, lexical[:CANDIDATES], dense, depth)


def hybrid(conn: Connection, words: pglexical.LexicalQuery | None, vector: Vectors,
           lexical: Ranked, dense: Ranked, depth: int) -> Ranked:
    """Fuse two candidate lists; a candidate missing from one side gets that side's score
    from the database (-inf if it has none: no query word, or no embedding)."""
    lexical_scores = dict(lexical)
    dense_scores = dict(dense)
    candidates = np.array(sorted(lexical_scores.keys() | dense_scores.keys()), dtype=np.int64)
    if words is not None:
        lexical_scores |= pglexical.lexical_scores(
            conn, words, [int(c) for c in candidates if c not in lexical_scores])
    dense_scores |= pgsearch.dense_scores(
        conn, vector, [int(c) for c in candidates if c not in dense_scores])
    fused = fuse(_scores(candidates, lexical_scores), _scores(candidates, dense_scores))
    order = np.lexsort((candidates, -fused))[:depth]
    return [(int(candidates[i]), float(fused[i])) for i in order]


def _scores(candidates: np.ndarray, scores: dict[int, float]) -> np.ndarray:
    return np.array([scores.get(int(c), -np.inf) for c in candidates], dtype=np.float32)
