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
    """Index what is pending; `progress(done, total)` after each batch."""
    model = embedder.name if embedder else None
    report = IndexReport(model=model)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        if rebuild:
            store.clear_index(conn)
        total = store.count_pending(conn, model)
    skipped: set[int] = set()  # changed while being indexed: left for the next run
    done = 0
    while True:
        with db.engine.connect() as conn:
            batch = [p for p in store.pending(conn, model, BATCH + len(skipped))
                     if p.text.paper_id not in skipped][:BATCH]
        if not batch:
            break
        vectors = (embedder.encode([document_text(p.text.title, p.text.abstract) for p in batch])
                   if embedder else None)
        entries = [store.IndexEntry(p.text.paper_id, p.modified_at,
                                    pack_terms(p.text.title, p.text.abstract, p.text.authors),
                                    model, vectors[i].tobytes() if vectors is not None else None)
                   for i, p in enumerate(batch)]
        with db.engine.begin() as conn:
            stored = store.save_index(conn, entries)
        skipped.update(p.text.paper_id for p in batch if p.text.paper_id not in stored)
        report.indexed += len(stored)
        report.embedded += len(stored) if embedder else 0
        done += len(batch)
        if progress:
            progress(done, total)
    with db.engine.connect() as conn:
        report.remaining = store.count_pending(conn, model)
    report.seconds = time.perf_counter() - started
    return report
