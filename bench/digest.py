"""Digest benchmark: many subscribers with mixed subscriptions over a large database, every
digest of one day selected, ranked, rendered and sent to a local SMTP sink (aiosmtpd on
loopback), as `paperboy digest --date D` does. Prints one JSON document; goal <= 120 s.

The database is bench/search.py's (the shared arXiv corpus topped up with renamed copies) in a
fresh SQLite file. Search terms are indexed first (the worker's `embed` job does that), and
papers near the digest day get synthetic embeddings clustered by category, so the 2% of users
who upvoted papers get classifier recommendations; the others' come from the cold start.

    .venv/bin/python bench/digest.py [--papers 100000] [--subscribers 10000]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import shutil
import socket
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: paperboy from this checkout

import numpy as np  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import bindparam, select, update  # noqa: E402

from paperboy.config import load_settings  # noqa: E402
from paperboy.mail import digests as runs  # noqa: E402
from paperboy.search.embed import MODEL_NAME  # noqa: E402
from paperboy.search.engine import SearchEngine  # noqa: E402
from paperboy.search.indexer import index_papers  # noqa: E402
from paperboy.store import Database, subscriptions, users, votes  # noqa: E402
from paperboy.store.listings import LISTING_DAY  # noqa: E402
from paperboy.store.schema import paper_index, papers  # noqa: E402

QUERIES = ["large language models", "diffusion", "reinforcement learning", "graph neural network",
           "federated learning", "robot manipulation", "kv cache", "speech recognition",
           "point cloud", "retrieval augmented generation", "code generation", "video generation",
           "adversarial attacks", "differential privacy", "chain of thought", "molecule",
           "medical image segmentation", "multi-agent", "recommendation", "autonomous driving",
           "vision language model", "time series forecasting", "knowledge graph", "quantum",
           "benchmark", "mixture of experts", "quantization", "transformer", "contrastive",
           "uncertainty"]


def fresh_db(path: Path, records: int) -> tuple[Database, float]:
    """bench/search.py's database (loaded by path: bench/ is not a package on sys.path)."""
    spec = importlib.util.spec_from_file_location("bench_search",
                                                  Path(__file__).with_name("search.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made: tuple[Database, float] = module.fresh_db(path, records)
    return made


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def busiest_day(db: Database) -> date:
    with db.engine.connect() as conn:
        days = Counter(conn.execute(select(LISTING_DAY)).scalars())
    return max((d for d in days if d is not None and d.weekday() < 5), key=days.__getitem__)


def add_vectors(db: Database, day: date, extra: int, rng: np.random.Generator) -> int:
    """Synthetic unit vectors, clustered by primary category, for the day's papers and a
    random `extra` others (SQLite: float32 bytes in paper_index.vector)."""
    with db.engine.connect() as conn:
        rows = conn.execute(select(papers.c.id, papers.c.primary_category,
                                   LISTING_DAY)).all()
    chosen = [r for r in rows if r[2] == day] + rng.choice(
        np.array(rows, dtype=object), extra, replace=False).tolist()
    centres: dict[str, np.ndarray] = {}
    values = []
    for paper_id, category, _ in chosen:
        centre = centres.setdefault(category or "", rng.normal(size=384))
        vector = centre + rng.normal(size=384) * 0.8
        values.append({"pid": paper_id, "vec": (vector / np.linalg.norm(vector))
                       .astype(np.float32).tobytes()})
    with db.engine.begin() as conn:
        conn.execute(update(paper_index).where(paper_index.c.paper_id == bindparam("pid"))
                     .values(vector=bindparam("vec"), model=MODEL_NAME), values)
    return len(values)


def add_subscribers(db: Database, count: int, day: date, rng: random.Random) -> dict[str, int]:
    with db.engine.connect() as conn:
        day_papers = conn.execute(select(papers.c.id, papers.c.authors, papers.c.primary_category)
                                  .where(LISTING_DAY.between(day, day))).all()
        some_ids = list(conn.execute(select(papers.c.id).limit(20000)).scalars())
    authors = [json.loads(a)[0][0] for _, a, _ in day_papers if json.loads(a)]
    categories = sorted({c for *_, c in day_papers if c})
    kinds: Counter[str] = Counter()
    with db.engine.begin() as conn:
        for n in range(count):
            user = users.create(conn, name=f"reader{n}", email=f"reader{n}@example.org",
                                confirmed=True)
            wanted = rng.sample(["query", "author", "category", "trending", "recommended"],
                                rng.choice([2, 3]))
            for kind in wanted:
                subscriptions.add(conn, user.id, kind, value_for(kind, rng, authors, categories))
                kinds[kind] += 1
            if n % 50 == 0:  # 2% have upvoted papers: classifier recommendations
                for paper_id in rng.sample(some_ids, 10):
                    votes.add(conn, user.id, paper_id)
    return dict(kinds)


def value_for(kind: str, rng: random.Random, authors: list[str], categories: list[str]
              ) -> str | int:
    if kind == "query":
        return rng.choice(QUERIES)
    if kind == "author":
        return rng.choice(authors)
    if kind == "category":
        return rng.choice(categories)
    return rng.choice([5, 10]) if kind == "trending" else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="paperboy-bench-digest-"))
    seconds: dict[str, float] = {}

    def timed(name: str, started: float) -> None:
        seconds[name] = round(time.perf_counter() - started, 1)
        print(f"{name}: {seconds[name]} s", file=sys.stderr)

    started = time.perf_counter()
    db, _ = fresh_db(work / "digest.db", args.papers)
    timed("import", started)
    started = time.perf_counter()
    index_papers(db, None)
    day = busiest_day(db)
    vectors = add_vectors(db, day, 3000, np.random.default_rng(args.seed))
    timed("index", started)
    started = time.perf_counter()
    kinds = add_subscribers(db, args.subscribers, day, rng)
    timed("subscribers", started)

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings = load_settings(database_url=str(work / "digest.db"), secret_key="b" * 40,
                             smtp_url=f"smtp://127.0.0.1:{port}", mail_from="bench@hub.test",
                             base_url="https://hub.example.org")
    try:
        started = time.perf_counter()
        engine = SearchEngine(db, use_model=False)
        engine.search("warm up", mode="bm25", limit=1)
        timed("search_snapshot", started)
        started = time.perf_counter()
        report = runs.send(db, settings, runs.for_date(db, day), search=engine)
        timed("digest", started)
    finally:
        controller.stop()
        db.dispose()
        shutil.rmtree(work, ignore_errors=True)
    total = seconds["search_snapshot"] + seconds["digest"]
    json.dump({"papers": args.papers, "subscribers": args.subscribers, "day": day.isoformat(),
               "subscriptions": kinds, "papers_with_vectors": vectors,
               "sent": report.sent, "empty": report.empty, "received": sink.count,
               "mails_per_second": round(report.sent / seconds["digest"], 1),
               "digest_seconds": total, "goal_seconds": 120, "seconds": seconds},
              sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
