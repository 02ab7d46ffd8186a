"""What the arXiv adapter costs: the base model against the adapted one, side by side.

Load time (the adapter merged into PyTorch and into the int8 ONNX twin), single-query
embedding through ONNX, and documents/s through PyTorch, rounds interleaved so the machine's
noise falls on both alike. Prints one JSON document.

    .venv/bin/python bench/adapter.py [--queries 200] [--documents 256] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: bench.* from the checkout

from bench.search import pct  # noqa: E402
from paperboy.search import adapter, embed  # noqa: E402

SHARED = ROOT.parent / "shared"


def load(adapted: bool) -> tuple[embed.Embedder, float]:
    """A fresh embedder, base or adapted, and the seconds it took."""
    embed._cache.clear()
    with ExitStack() as patches:
        if not adapted:  # as before the adapter: base weights, the package's ONNX file as is
            patches.enter_context(patch.object(adapter, "load_deltas", lambda path=None: {}))
            patches.enter_context(patch.object(
                adapter, "adapted_onnx", lambda path, base, deltas: path.read_bytes()))
        started = time.perf_counter()
        embedder, why = embed.load_embedder()
    if embedder is None or embedder.query_model is None:
        sys.exit(f"the model did not load: {why}")
    return embedder, time.perf_counter() - started


def texts(count: int) -> list[dict[str, Any]]:
    papers = []
    with gzip.open(SHARED / "corpus" / "arxiv_large.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            papers.append(json.loads(line))
            if len(papers) == count:
                break
    return papers


def percentiles(seconds: list[float]) -> dict[str, float]:
    milliseconds = 1000 * np.array(seconds)
    return {"p50": pct(milliseconds, 50), "p95": pct(milliseconds, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--documents", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    papers = texts(max(args.queries, args.documents))
    queries = [p["abstract"].split(". ")[0][:300] for p in papers[:args.queries]]
    documents = [embed.document_text(p["title"], p["abstract"]) for p in papers[:args.documents]]
    loads: dict[str, list[float]] = {"base": [], "adapted": []}
    query_seconds: dict[str, list[float]] = {"base": [], "adapted": []}
    rates: dict[str, list[float]] = {"base": [], "adapted": []}
    agreement: list[float] = []
    load(adapted=True)  # imports and first-touch file reads are no one's load time
    for _ in range(args.rounds):
        for name in ("base", "adapted"):
            embedder, seconds = load(name == "adapted")
            loads[name].append(seconds)
            for query in queries:
                started = time.perf_counter()
                vector = embedder.encode_query(query)
                query_seconds[name].append(time.perf_counter() - started)
            started = time.perf_counter()
            vectors = embedder.encode(documents)
            rates[name].append(len(documents) / (time.perf_counter() - started))
            if name == "adapted":
                agreement.append(float(vector @ embedder.encode([queries[-1]])[0]))
    base_rate, adapted_rate = statistics.median(rates["base"]), statistics.median(rates["adapted"])
    print(json.dumps({
        "rounds": args.rounds, "queries": args.queries, "documents": args.documents,
        "load_seconds": {k: round(statistics.median(v), 2) for k, v in loads.items()},
        "query_embedding_ms": {k: percentiles(v) for k, v in query_seconds.items()},
        "documents_per_second": {"base": round(base_rate, 1), "adapted": round(adapted_rate, 1),
                                 "ratio": round(adapted_rate / base_rate, 3)},
        "onnx_agreement_cosine_min": round(min(agreement), 5),
        "vector_norm_check": bool(np.isclose(np.linalg.norm(vectors[0]), 1.0, atol=1e-4)),
    }, indent=1))


if __name__ == "__main__":
    main()
