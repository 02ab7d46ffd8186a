"""`paperboy eval`: build a throwaway index from a BEIR set, run every mode, report metrics."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from paperboy.models import PaperRecord
from paperboy.search import text
from paperboy.search.beir import Dataset
from paperboy.search.database import rank_in_database
from paperboy.search.dense import DenseIndex
from paperboy.search.embed import MODEL_NAME, Embedder, Vectors, document_text
from paperboy.search.indexer import index_papers
from paperboy.search.lexical import LexicalIndex
from paperboy.search.metrics import summarize
from paperboy.search.rank import MODES, Encoder, Mode, rank
from paperboy.store import papers, pgsearch
from paperboy.store import search as store
from paperboy.store.scratch import scratch_schema

DEPTH = 100


def evaluate(dataset: Dataset, modes: Sequence[Mode] = MODES, embedder: Embedder | None = None,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    say = progress or (lambda _: None)
    ids = [doc.id for doc in dataset.documents]
    started = time.perf_counter()
    lexical = LexicalIndex([text.pack_terms(d.title, d.text, "") for d in dataset.documents])
    say(f"lexical index of {len(ids):,} documents in {time.perf_counter() - started:.1f}s")
    dense = None
    query_ids = list(dataset.queries)
    query_vectors = None
    if any(mode != "bm25" for mode in modes) and embedder is not None:
        started = time.perf_counter()
        vectors = embedder.encode([document_text(d.title, d.text) for d in dataset.documents])
        dense = DenseIndex([row.tobytes() for row in vectors])
        query_vectors = embedder.encode([dataset.queries[q] for q in query_ids])
        say(f"embedded {len(ids):,} documents and {len(query_ids):,} queries in "
            f"{time.perf_counter() - started:.1f}s")
    def ranked_ids(mode: Mode, number: int, query_id: str) -> list[str]:
        vectors = query_vectors
        vector = (lambda: vectors[number]) if vectors is not None else None
        query = dataset.queries[query_id]
        rows, _ = rank(mode, lexical, dense, text.terms(query), vector, DEPTH)
        return [ids[row] for row in rows]

    unavailable = "the embedding model is not available" if dense is None else None
    results = _measured(dataset, modes, query_ids, ranked_ids, unavailable, say)
    return {"dataset": dataset.name, "documents": len(ids), "queries": len(dataset.queries),
            "results": results}


def evaluate_in_database(dataset: Dataset, url: str, modes: Sequence[Mode] = MODES,
                         embedder: Embedder | None = None,
                         progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The same measurement with the ranking done by a PostgreSQL server, on an index built
    in a throwaway schema there (dropped afterwards)."""
    say = progress or (lambda _: None)
    with scratch_schema(url) as db:
        started = time.perf_counter()
        with db.engine.begin() as conn:
            papers.upsert(conn, [PaperRecord(uid=d.id, title=d.title, abstract=d.text,
                                             source="eval") for d in dataset.documents])
        wants_vectors = any(mode != "bm25" for mode in modes) and embedder is not None
        report = index_papers(db, embedder if wants_vectors else None)
        with db.engine.begin() as conn:
            pgsearch.analyze(conn)
            has_vectors = pgsearch.any_embedding(conn, MODEL_NAME)
            uids = store.uids_by_id(conn)
        say(f"loaded and indexed {len(uids):,} documents in a scratch schema in "
            f"{time.perf_counter() - started:.1f}s ({report.embedded:,} embedded)")
        query_ids = list(dataset.queries)
        query_vectors = (embedder.encode([dataset.queries[q] for q in query_ids])
                         if has_vectors and embedder is not None else None)

        def ranked_ids(mode: Mode, number: int, query_id: str) -> list[str]:
            encode = _known(query_vectors[number]) if query_vectors is not None else None
            ranked = rank_in_database(db.engine, mode, dataset.queries[query_id], encode,
                                      None, DEPTH)
            return [uids[paper_id] for paper_id, _ in ranked]

        unavailable = ("the embedding model or pgvector is not available"
                       if query_vectors is None else None)
        results = _measured(dataset, modes, query_ids, ranked_ids, unavailable, say)
    return {"dataset": dataset.name, "documents": len(dataset.documents),
            "queries": len(dataset.queries), "backend": "postgresql", "results": results}


def _measured(dataset: Dataset, modes: Sequence[Mode], query_ids: list[str],
              ranked_ids: Callable[[Mode, int, str], list[str]], unavailable: str | None,
              say: Callable[[str], None]) -> dict[str, Any]:
    """Each mode's metrics and seconds; `ranked_ids(mode, number, query id)` ranks one query,
    and modes needing vectors report `unavailable` instead when it is set."""
    results: dict[str, Any] = {}
    for mode in modes:
        if mode != "bm25" and unavailable:
            results[mode] = {"error": unavailable}
            continue
        started = time.perf_counter()
        rankings = {query_id: ranked_ids(mode, number, query_id)
                    for number, query_id in enumerate(query_ids)}
        seconds = time.perf_counter() - started
        results[mode] = {**summarize(rankings, dataset.qrels), "seconds": round(seconds, 2)}
        say(f"{mode}: nDCG@10 {results[mode]['ndcg@10']:.3f}")
    return results


def _known(vector: Vectors) -> Encoder:
    """An encoder for a query embedded beforehand (all queries go through the model at once)."""
    return lambda: vector
