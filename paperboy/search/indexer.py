"""`paperboy index`: compute and store terms and embeddings for papers that lack them.

Batched (one transaction per batch, so an interrupted run resumes where it stopped),
incremental (only papers without an entry for the current model), and safe against a
paper changing meanwhile (its entry is skipped and picked up by the next run).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from paperboy.search.embed import Embedder, document_text
from paperboy.search.text import pack_terms
from paperboy.store import Database
from paperboy.store import search as store

BATCH = 256


@dataclass
class IndexReport:
    indexed: int = 0
    embedded: int = 0
    remaining: int = 0
    seconds: float = 0.0
    model: str | None = None

    def as_dict(self) -> dict[str, object]:
        rate = self.embedded / self.seconds if self.seconds else 0.0
        return {"indexed": self.indexed, "embedded": self.embedded, "remaining": self.remaining,
                "seconds": round(self.seconds, 2), "model": self.model,
                "embedded_per_second": round(rate, 1)}


def index_papers(db: Database, embedder: Embedder | None, rebuild: bool = False,
                 progress: Callable[[int, int], None] | None = None) -> IndexReport:
    """Index what is pending; `progress(done, total)` after each batch of vectors.

    With a model, every pending paper's words are stored first (0.3 ms a paper against 30 ms
    for its vector), since lexical search on PostgreSQL reads them from the store: after a
    bulk import it need not wait hours for the embeddings.
    """
    report = IndexReport(model=embedder.name if embedder else None)
    started = time.perf_counter()
    if rebuild:
        with db.engine.begin() as conn:
            store.clear_index(conn)
    words = _index(db, None, None) if embedder is not None else set()
    stored = _index(db, embedder, progress)
    report.indexed = len(words | stored)
    report.embedded = len(stored) if embedder else 0
    with db.engine.connect() as conn:
        report.remaining = store.count_pending(conn, report.model)
    report.seconds = time.perf_counter() - started
    return report


def _index(db: Database, embedder: Embedder | None,
           progress: Callable[[int, int], None] | None) -> set[int]:
    """Store index rows (with vectors when given a model) for pending papers, batch by
    batch; returns the ids of the papers stored."""
    model = embedder.name if embedder else None
    with db.engine.connect() as conn:
        total = store.count_pending(conn, model)
    skipped: set[int] = set()  # changed while being indexed: left for the next run
    indexed: set[int] = set()
    done = 0
    while True:
        with db.engine.connect() as conn:
            batch = [p for p in store.pending(conn, model, BATCH + len(skipped))
                     if p.text.paper_id not in skipped][:BATCH]
        if not batch:
            return indexed
        vectors = (embedder.encode([document_text(p.text.title, p.text.abstract) for p in batch])
                   if embedder else None)
        entries = [store.IndexEntry(p.text.paper_id, p.modified_at,
                                    pack_terms(p.text.title, p.text.abstract, p.text.authors),
                                    model, vectors[i].tobytes() if vectors is not None else None)
                   for i, p in enumerate(batch)]
        with db.engine.begin() as conn:
            stored = store.save_index(conn, entries)
        skipped.update(p.text.paper_id for p in batch if p.text.paper_id not in stored)
        indexed |= stored
        done += len(batch)
        if progress:
            progress(done, total)
