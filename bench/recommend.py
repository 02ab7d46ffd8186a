"""Recommendation benchmark: how highly a user's hidden papers rank, per method.

Synthetic users are built from the shared arXiv corpus's topics (title phrases such as
"diffusion" or "reinforcement learning"): each user follows one or two topics and has
`--positives` papers from them; a quarter are hidden, the rest are what they upvoted. Every
method ranks all papers but the user's visible ones, and we report where the hidden ones land:
recall@10, recall@50 and MRR (1 / rank of the first hidden paper), averaged over users.

- classifier: `ranking.fit_preferences` (per-user logistic regression on MiniLM embeddings,
  against 1,000 other papers sampled at random): what paperboy does.
- centroid: cosine to the mean of the user's papers (a simple embedding baseline).
- cold_start: `ranking.cold_start` from the categories of the user's papers, then popularity.
- most_upvoted: popularity alone (upvotes = how many users upvoted the paper).

Embeddings are cached under $TMPDIR. Prints one JSON document.

    .venv/bin/python bench/recommend.py [--papers 2000] [--users 150] [--seed 1]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: paperboy from this checkout

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from paperboy import ranking  # noqa: E402
from paperboy.search.embed import document_text, load_embedder  # noqa: E402

SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
CORPUS = SHARED / "corpus" / "arxiv_large.jsonl.gz"
TOPICS = ["diffusion", "reinforcement learning", "graph neural", "federated", "language model",
          "robot", "quantum", "segmentation", "speech", "point cloud", "retrieval", "code",
          "video", "adversarial", "privacy", "reasoning", "molecul", "medical", "agent",
          "recommend", "autonomous driving", "3d", "vision-language", "time series",
          "knowledge graph", "optimization", "hardware", "theorem", "game", "fairness"]
MIN_TOPIC = 40  # papers a topic needs in the sample to be used
NEGATIVES = 1000  # as mail/recommend.py
Scores = Callable[[Any, list[int]], np.ndarray]


def load(papers: int, seed: int) -> list[dict[str, Any]]:
    """A reproducible random sample of the corpus (reservoir sampling over the file)."""
    rng = random.Random(seed)
    sample: list[dict[str, Any]] = []
    with gzip.open(CORPUS, "rt") as lines:
        for n, line in enumerate(lines):
            if len(sample) < papers:
                sample.append(json.loads(line))
            elif (k := rng.randrange(n + 1)) < papers:
                sample[k] = json.loads(line)
    return sorted(sample, key=lambda p: p["id"])


def embed(records: list[dict[str, Any]]) -> np.ndarray:
    key = hashlib.sha256("".join(r["id"] for r in records).encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"paperboy-bench-recommend-{key}.npy"
    if cache.exists():
        cached: np.ndarray = np.load(cache)
        return cached
    embedder, why = load_embedder()
    if embedder is None:
        sys.exit(f"bench/recommend.py: {why}")
    vectors = embedder.encode([document_text(r["title"], r["abstract"]) for r in records])
    np.save(cache, vectors)
    return vectors


def topics_of(records: list[dict[str, Any]]) -> dict[str, list[int]]:
    found = {t: [i for i, r in enumerate(records)
                 if re.search(rf"\b{re.escape(t)}", r["title"].lower())] for t in TOPICS}
    return {t: rows for t, rows in found.items() if len(rows) >= MIN_TOPIC}


def make_users(topics: dict[str, list[int]], users: int, positives: int, seed: int
               ) -> list[tuple[list[int], list[int]]]:
    """(visible, hidden) paper rows per synthetic user."""
    rng = random.Random(seed)
    made = []
    names = sorted(topics)
    for _ in range(users):
        chosen = rng.sample(names, rng.choice([1, 2]))
        pool = sorted({row for t in chosen for row in topics[t]})
        liked = rng.sample(pool, min(positives, len(pool)))
        cut = max(1, len(liked) // 4)
        made.append((liked[cut:], liked[:cut]))
    return made


def evaluate(method: Scores, users: list[tuple[list[int], list[int]]], total: int
             ) -> dict[str, float]:
    recall10, recall50, reciprocal = [], [], []
    started = time.perf_counter()
    for visible, hidden in users:
        candidates = [row for row in range(total) if row not in set(visible)]
        scores = method(visible, candidates)
        order = np.argsort(-scores, kind="stable")
        rank_of = {candidates[i]: r + 1 for r, i in enumerate(order)}
        ranks = sorted(rank_of[row] for row in hidden)
        recall10.append(sum(r <= 10 for r in ranks) / len(ranks))
        recall50.append(sum(r <= 50 for r in ranks) / len(ranks))
        reciprocal.append(1.0 / ranks[0])
    return {"recall@10": round(float(np.mean(recall10)), 4),
            "recall@50": round(float(np.mean(recall50)), 4),
            "mrr": round(float(np.mean(reciprocal)), 4),
            "ms_per_user": round(1000 * (time.perf_counter() - started) / len(users), 2)}


def methods(vectors: np.ndarray, records: list[dict[str, Any]],
            users: list[tuple[list[int], list[int]]], seed: int) -> dict[str, Scores]:
    rng = np.random.default_rng(seed)
    upvotes = Counter(row for visible, _ in users for row in visible)
    popularity = np.array([upvotes[i] + rng.random() * 0.1 for i in range(len(records))])
    trending = list(np.argsort(-popularity, kind="stable"))
    category = [tuple(r.get("categories") or ()) for r in records]

    def classifier(visible: list[int], candidates: list[int]) -> np.ndarray:
        others = np.setdiff1d(rng.choice(len(records), NEGATIVES, replace=False), visible)
        model = ranking.fit_preferences(vectors[visible], vectors[others])
        return model.scores(vectors[candidates])

    def centroid(visible: list[int], candidates: list[int]) -> np.ndarray:
        mean = vectors[visible].mean(axis=0)
        return np.asarray(vectors[candidates] @ (mean / np.linalg.norm(mean)))

    def cold_start(visible: list[int], candidates: list[int]) -> np.ndarray:
        liked = [c for row in visible for c in category[row][:1]]
        seen = set(visible)
        order = ranking.cold_start([(row, category[row]) for row in candidates], liked,
                                   [int(t) for t in trending if t not in seen], len(candidates))
        position = {row: n for n, row in enumerate(order)}
        return -np.array([position[row] for row in candidates], dtype=float)

    def most_upvoted(visible: list[int], candidates: list[int]) -> np.ndarray:
        return np.asarray(popularity[candidates])

    return {"classifier": classifier, "centroid": centroid, "cold_start": cold_start,
            "most_upvoted": most_upvoted}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--positives", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    records = load(args.papers, args.seed)
    loaded = time.perf_counter()
    vectors = embed(records)
    embedded = time.perf_counter()
    topics = topics_of(records)
    users = make_users(topics, args.users, args.positives, args.seed)
    with threadpool_limits(1):  # as mail/recommend.py fits: one BLAS thread is faster
        results = {name: evaluate(method, users, len(records))
                   for name, method in methods(vectors, records, users, args.seed).items()}
    json.dump({"papers": len(records), "users": len(users), "topics": len(topics),
               "positives_per_user": args.positives,
               "hidden_per_user": len(users[0][1]) if users else 0,
               "methods": results,
               "seconds": {"load": round(loaded - started, 1),
                           "embed": round(embedded - loaded, 1),
                           "evaluate": round(time.perf_counter() - embedded, 1)}},
              sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
