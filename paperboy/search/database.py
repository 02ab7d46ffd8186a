"""Ranking on PostgreSQL: the database finds, the fusion is the one SQLite uses.

Lexical candidates come from the database (store/pglexical.py chooses them: the papers where
the query's words weigh most, from impact-ordered postings), and this process scores their
words with the in-process index's BM25F, from the packed terms the store keeps; dense
candidates and scores come from the HNSW index. Hybrid takes each side's top `CANDIDATES`,
scores every candidate on the other side too, and mixes them with `rank.fuse`, as the
in-process ranking does.

The two sides of a hybrid query run at once, each on its own connection (the dense side in a
thread: embedding the query, then HNSW), so a query waits for the slower side, not for both.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine

from paperboy.search import text
from paperboy.search.embed import MODEL_NAME, Vectors
from paperboy.search.lexical import average_length, idf, scores_of
from paperboy.search.rank import CANDIDATES, Encoder, Mode, dense_weight, fuse
from paperboy.search.text import pack_terms
from paperboy.store import pglexical, pgsearch
from paperboy.store import search as store
from paperboy.store.pglexical import Allowed, Ranked

# Most results a ranking returns here (SQLite's keeps 1000): each costs work in the database
# (HNSW candidates, lexical scoring), and nobody pages past 200 results.
DEPTH = 200
LENGTH_SAMPLE = 2_000  # papers whose mean length stands for the corpus's

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
            return lexical_top(conn, query_text, allowed, depth)[1]
    with _two_connections(engine) as (lexical_conn, dense_conn):
        dense_side = _dense_sides.submit(_dense_top, dense_conn, encode, allowed)
        try:
            words, lexical = lexical_top(lexical_conn, query_text, allowed, CANDIDATES)
        finally:
            wait([dense_side])  # its connection stays open until it is done
        vector, dense = dense_side.result()
        return hybrid((lexical_conn, dense_conn), words, vector, (lexical, dense), depth,
                      dense_weight(len(text.terms(query_text))))


@dataclass(frozen=True)
class Words:
    """What scoring a query's words needs, read once per query: each term (hashed as the
    index hashes it) weighed by its idf times how often the query says it, and the corpus's
    mean document length."""

    weights: dict[int, float]
    average_length: float


def lexical_top(conn: Connection, query_text: str, allowed: Allowed, limit: int
                ) -> tuple[Words, Ranked]:
    """The query's words and its best papers by BM25F: the database chooses which papers to
    score (store/pglexical.py), this process scores them as `LexicalIndex` does, from their
    packed terms."""
    lexemes = pglexical.lexical_query(conn, query_text)
    words = _words(conn, query_text)
    if lexemes is None or not words.weights:
        return words, []
    scores = _scored(conn, words, pglexical.lexical_candidates(conn, lexemes, allowed))
    return words, sorted(scores.items(), key=lambda hit: (-hit[1], hit[0]))[:limit]


def _words(conn: Connection, query_text: str) -> Words:
    said = Counter(text.stems(query_text))
    if not said:
        return Words({}, 1.0)
    total, holding = pglexical.document_counts(conn, list(said))
    return Words({text.stem_hash(stem): float(idf(total, holding[stem])) * count
                  for stem, count in said.items()}, _average_length(conn))


def lexical_scores(conn: Connection, words: Words, paper_ids: Sequence[int]
                   ) -> dict[int, float]:
    """The BM25F score of each of these papers that holds any term of the query."""
    if not paper_ids or not words.weights:
        return {}
    return _scored(conn, words, pglexical.packed_terms(conn, paper_ids))


def _scored(conn: Connection, words: Words, stored: pglexical.Terms) -> dict[int, float]:
    packed = _packed_terms(conn, stored)
    ids = list(packed)
    scores = scores_of([packed[i] for i in ids], words.weights, words.average_length)
    return {paper_id: float(score) for paper_id, score in zip(ids, scores, strict=True)
            if score > 0}


def _average_length(conn: Connection) -> float:
    """The corpus's mean document length, from a sample, once per analysis."""
    def sampled(conn: Connection) -> float:
        sample = pglexical.packed_terms(conn, pglexical.sample_ids(conn, LENGTH_SAMPLE))
        return average_length(list(_packed_terms(conn, sample).values()))
    return pglexical.per_analysis(conn, "average length", sampled)


def _packed_terms(conn: Connection, stored: pglexical.Terms) -> dict[int, bytes]:
    """The papers' packed terms: as stored, or for papers not indexed yet tokenized here (as
    the in-process snapshot does)."""
    missing = [paper_id for paper_id, terms in stored.items() if terms is None]
    tokenized = {paper.paper_id: pack_terms(paper.title, paper.abstract, paper.authors)
                 for paper in store.texts(conn, missing)} if missing else {}
    return {paper_id: terms for paper_id, terms in stored.items() if terms is not None
            } | tokenized


def hybrid(conns: tuple[Connection, Connection], words: Words, vector: Vectors,
           sides: tuple[Ranked, Ranked], depth: int, weight: float) -> Ranked:
    """Fuse two candidate lists; a candidate missing from one side gets that side's score
    (-inf if it has none: no query word, or no embedding)."""
    lexical_conn, dense_conn = conns
    lexical, dense = dict(sides[0]), dict(sides[1])
    candidates = np.array(sorted(lexical.keys() | dense.keys()), dtype=np.int64)
    dense_side = _dense_sides.submit(pgsearch.dense_scores, dense_conn, vector,
                                     [int(c) for c in candidates if c not in dense],
                                     model=MODEL_NAME)
    try:
        lexical |= lexical_scores(
            lexical_conn, words, [int(c) for c in candidates if c not in lexical])
    finally:
        wait([dense_side])
    dense |= dense_side.result()
    fused = fuse(_scores(candidates, lexical), _scores(candidates, dense), weight)
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
