"""Ranking inside PostgreSQL: the database finds and scores, the fusion is the one SQLite uses.

Lexical candidates come from the GIN-indexed tsvector, dense ones from the HNSW index; hybrid
takes each side's top `CANDIDATES`, asks the database for the other side's score of every
candidate, and mixes them with `rank.fuse`, as the in-process ranking does.

The two sides of a hybrid query run at once, each on its own connection (the dense side in a
thread: embedding the query, then HNSW), so a query waits for the slower side, not for both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager

import numpy as np
from sqlalchemy import Connection, Engine

from paperboy.search import text
from paperboy.search.embed import MODEL_NAME, Vectors
from paperboy.search.rank import CANDIDATES, Encoder, Mode, dense_weight, fuse
from paperboy.store import pglexical, pgsearch
from paperboy.store.pglexical import Allowed, LexicalQuery, Ranked

# Most results a ranking returns here (SQLite's keeps 1000): each costs work in the database
# (HNSW candidates, lexical scoring), and nobody pages past 200 results.
DEPTH = 200

_dense_sides = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dense-side")
# A hybrid query takes its two connections together: queries each holding one connection and
# waiting for a second could otherwise empty the pool and wait on one another.
_pair_lock = threading.Lock()


def rank_in_database(engine: Engine, mode: Mode, query_text: str, encode: Encoder | None,
                     allowed: Allowed, depth: int) -> Ranked:
    """(paper id, score), best first, at most `depth` and at most `DEPTH`."""
    depth = min(depth, DEPTH)
    if mode == "dense":
        if encode is None:
            raise ValueError("dense ranking needs a query vector")
        with engine.connect() as conn:
            return pgsearch.dense_top(conn, encode(), allowed, depth, model=MODEL_NAME)
    if mode == "bm25" or encode is None:
        with engine.connect() as conn:
            words = pglexical.lexical_query(conn, query_text)
            return pglexical.lexical_top(conn, words, allowed, depth) if words else []
    with _two_connections(engine) as (lexical_conn, dense_conn):
        dense_side = _dense_sides.submit(_dense_top, dense_conn, encode, allowed)
        try:
            words = pglexical.lexical_query(lexical_conn, query_text)
            lexical = (pglexical.lexical_top(lexical_conn, words, allowed, CANDIDATES)
                       if words is not None else [])
        finally:
            wait([dense_side])  # its connection stays open until it is done
        vector, dense = dense_side.result()
        return hybrid((lexical_conn, dense_conn), words, vector, (lexical, dense), depth,
                      dense_weight(len(text.terms(query_text))))


def hybrid(conns: tuple[Connection, Connection], words: LexicalQuery | None, vector: Vectors,
           sides: tuple[Ranked, Ranked], depth: int, weight: float) -> Ranked:
    """Fuse two candidate lists; a candidate missing from one side gets that side's score
    from the database (-inf if it has none: no query word, or no embedding)."""
    lexical_conn, dense_conn = conns
    lexical_scores, dense_scores = dict(sides[0]), dict(sides[1])
    candidates = np.array(sorted(lexical_scores.keys() | dense_scores.keys()), dtype=np.int64)
    dense_side = _dense_sides.submit(pgsearch.dense_scores, dense_conn, vector,
                                     [int(c) for c in candidates if c not in dense_scores],
                                     model=MODEL_NAME)
    try:
        if words is not None:
            lexical_scores |= pglexical.lexical_scores(
                lexical_conn, words, [int(c) for c in candidates if c not in lexical_scores])
    finally:
        wait([dense_side])
    dense_scores |= dense_side.result()
    fused = fuse(_scores(candidates, lexical_scores), _scores(candidates, dense_scores), weight)
    order = np.lexsort((candidates, -fused))[:depth]
    return [(int(candidates[i]), float(fused[i])) for i in order]


def _dense_top(conn: Connection, encode: Encoder, allowed: Allowed
               ) -> tuple[Vectors, Ranked]:
    vector = encode()
    return vector, pgsearch.dense_top(conn, vector, allowed, CANDIDATES, model=MODEL_NAME)


@contextmanager
def _two_connections(engine: Engine) -> Iterator[tuple[Connection, Connection]]:
    with _pair_lock:
        first = engine.connect()
        try:
            second = engine.connect()
        except BaseException:
            first.close()
            raise
    with first, second:
        yield first, second


def _scores(candidates: np.ndarray, scores: dict[int, float]) -> np.ndarray:
    return np.array([scores.get(int(c), -np.inf) for c in candidates], dtype=np.float32)
