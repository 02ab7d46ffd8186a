"""Web load benchmark: `paperboy serve` over a 100,000-paper hub, driven on loopback.

The hub is bench/import.py's corpus (the shared arXiv papers, topped up with renamed copies),
listed 200 a weekday with generated upvotes, code links and comment counts, and indexed as
bench/search.py does (real terms, synthetic vectors). It is built once and kept under --dir.
Each endpoint is loaded for --seconds at --connections by wrk (Debian's; installed when
missing and allowed) and then by an async httpx client, with one worker and then with two; the
server's CPU time per request is measured alongside (it holds when the machine is shared).
Prints one JSON document on stdout; progress on stderr.

    .venv/bin/python bench/web.py [--papers 100000] [--dir DIR] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import numpy as np
from sqlalchemy import bindparam, select, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: bench.* and tests.* from the checkout

from bench.search import all_texts, bench_module, index_corpus  # noqa: E402
from paperboy.ingest import import_files  # noqa: E402
from paperboy.search.embed import DIMENSIONS  # noqa: E402
from paperboy.store import listings, open_database  # noqa: E402
from paperboy.store.schema import papers as papers_table  # noqa: E402
from tests.serving import serve  # noqa: E402

Json = dict[str, Any]
PER_DAY = 200
LAST_DAY = date(2026, 7, 31)  # a Friday: the hub's latest listing day
SEED_VECTORS = 2_000  # random "real" vectors the synthetic ones cluster around
QUERIES = ["kv cache eviction", "diffusion models for video generation", "graph neural networks",
           "speculative decoding", "reinforcement learning from human feedback",
           "protein structure prediction", "vision transformer", "federated learning privacy",
           "retrieval augmented generation", "quantization of large language models"]
PAPERS_SAMPLED = 200  # paper pages visited in turn
GOAL_P95_MS, GOAL_RPS = 50, 500


def build_hub(path: Path, count: int, seed: int) -> Json:
    """A hub database of `count` papers at `path`, indexed; how long each step took."""
    rng = random.Random(seed)
    source = path.with_suffix(".jsonl")
    started = time.perf_counter()
    with open(source, "w") as out:
        out.writelines(json.dumps(paper) + "\n" for paper in hub_papers(count, rng))
    db = open_database(str(path))
    report = import_files(db, [str(source)])
    assert report.totals.new == count, report.as_dict()
    imported = time.perf_counter()
    with db.engine.begin() as conn:  # comment counts: not a field of our JSON lines
        rows = list(conn.execute(select(papers_table.c.id)).scalars())
        conn.execute(update(papers_table).where(papers_table.c.id == bindparam("row"))
                     .values(num_comments=bindparam("n")),
                     [{"row": row, "n": comments(rng)} for row in rows])
    texts = all_texts(db)
    vectors = np.random.default_rng(seed).normal(size=(SEED_VECTORS, DIMENSIONS))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    index_corpus(db, texts, vectors, seed)
    db.dispose()
    source.unlink()
    return {"papers": count, "import_seconds": round(imported - started, 1),
            "index_seconds": round(time.perf_counter() - imported, 1),
            "db_mb": round(sum(f.stat().st_size for f in path.parent.glob(path.name + "*"))
                           / 2**20)}


def hub_papers(count: int, rng: random.Random) -> Iterator[Json]:
    """bench/import.py's records as our JSON lines: PER_DAY a weekday back from LAST_DAY."""
    days = weekdays_back(LAST_DAY)
    day = next(days)
    for number, line in enumerate(bench_module("import").snapshot_lines(count)):
        if number and number % PER_DAY == 0:
            day = next(days)
        record = json.loads(line)
        created = parsedate_to_datetime(record["versions"][0]["created"])
        paper: Json = {
            "id": record["id"], "title": record["title"], "abstract": record["abstract"],
            "authors": [a.strip() for a in record["authors"].split(",") if a.strip()],
            "categories": record["categories"].split(), "published": created.isoformat(),
            "announced": day.isoformat(), "upvotes": upvotes(rng)}
        if rng.random() < 0.3:
            paper["code_urls"] = [f"https://github.com/example/{record['id']}"]
        if rng.random() < 0.4:
            paper["org"] = f"Lab {rng.randrange(300)}"
        yield paper


def weekdays_back(last: date) -> Iterator[date]:
    day = last
    while True:
        if day.weekday() < 5:
            yield day
        day -= timedelta(days=1)


def upvotes(rng: random.Random) -> int:
    """Heavy-tailed, as on the site we follow: most papers a few, some hundreds."""
    return min(int(rng.paretovariate(1.1)) - 1, 800)


def comments(rng: random.Random) -> int:
    return min(int(rng.paretovariate(1.5)) - 1, 60)


def cached_hub(folder: Path, count: int, seed: int) -> tuple[Path, Json]:
    """The hub under `folder`, built unless a complete one is there."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"web-{count}-{seed}.db"
    done = path.with_suffix(".json")
    if done.exists():
        return path, json.loads(done.read_text()) | {"cached": True}
    for stale in folder.glob(path.name + "*"):
        stale.unlink()
    print(f"building a {count:,}-paper hub in {path}", file=sys.stderr)
    built = build_hub(path, count, seed)
    done.write_text(json.dumps(built))
    return path, built


def endpoints(db_path: Path) -> dict[str, list[str]]:
    """Each endpoint's paths, visited in turn."""
    db = open_database(str(db_path))
    with db.engine.connect() as conn:
        found = listings.daily_papers(conn, listings.recent(conn, 7), now=datetime.now(UTC),
                                      sort="upvotes", limit=PAPERS_SAMPLED)
    db.dispose()
    return {
        "listing /": ["/"],
        "paper page": [f"/papers/{paper.uid}" for paper in found],
        "api /api/daily_papers": ["/api/daily_papers"],
        "search page": ["/search?" + urlencode({"q": q}) for q in QUERIES],
        "api search": ["/api/papers/search?" + urlencode({"q": q, "limit": 20})
                       for q in QUERIES],
    }


# wrk: paths in turn, and a JSON line at the end with the percentiles we report.
WRK_SCRIPT = """
local paths = {%s}
local turn = 0
request = function()
  turn = turn + 1
  return wrk.format("GET", paths[(turn %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRK {"requests": %%d, "seconds": %%.3f, "p50_ms": %%.2f, "p95_ms": %%.2f, ' ..
    '"p99_ms": %%.2f, "non_2xx": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
"""


def run_wrk(url: str, paths: list[str], seconds: int, connections: int, work: Path) -> Json:
    script = work / "paths.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout",
                             "10s", "-s", str(script), url], capture_output=True, text=True,
                            check=True)
    line = next(li for li in result.stdout.splitlines() if li.startswith("WRK "))
    found: Json = json.loads(line.removeprefix("WRK "))
    found["requests_per_second"] = round(found["requests"] / found["seconds"], 1)
    return found


async def load(url: str, paths: list[str], seconds: float, connections: int) -> Json:
    """`connections` clients, each sending its next request when the last one is answered."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    turn = iter(range(10**12))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
        deadline = time.perf_counter() + seconds

        async def client_loop() -> None:
            while time.perf_counter() < deadline:
                path = paths[next(turn) % len(paths)]
                start = time.perf_counter()
                try:
                    response = await client.get(path)
                except httpx.HTTPError as error:
                    errors[type(error).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - start)
                statuses[response.status_code] += 1

        began = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    ms = np.array(latencies) * 1000
    return {"requests": len(latencies), "seconds": round(elapsed, 3),
            "requests_per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 2) if len(ms) else None,
            "p95_ms": round(float(np.percentile(ms, 95)), 2) if len(ms) else None,
            "non_2xx": sum(n for status, n in statuses.items() if not 200 <= status < 300),
            "statuses": {str(s): n for s, n in sorted(statuses.items())},
            "errors": dict(errors)}


def warm_up(url: str, paths: list[str], workers: int) -> None:
    """Every path a few times, concurrently, so every worker has built its search snapshot."""
    asyncio.run(load(url, paths, 0.01, 8 * workers))  # starts at least one request each
    with httpx.Client(base_url=url, timeout=300) as client:
        for path in paths[:3] * (2 * workers):
            client.get(path).raise_for_status()


def bench_server(db_path: Path, work: Path, paths: dict[str, list[str]], workers: int,
                 args: argparse.Namespace, tools: list[str]) -> Json:
    env = os.environ | {"PAPERBOY_SECRET_KEY": secrets.token_urlsafe(32)}
    results: Json = {}
    with serve(db_path, work / f"serve-{workers}.log", env, workers=workers,
               start_seconds=300) as served:
        for name, visited in paths.items():
            print(f"{workers} worker(s): warming up {name}", file=sys.stderr)
            warm_up(served.url, visited, workers)
            results[name] = {"paths": len(visited), "example": visited[0]}
            for tool in tools:
                print(f"{workers} worker(s): {tool} on {name}", file=sys.stderr)
                cpu = served.cpu_seconds()
                run = (run_wrk(served.url, visited, args.seconds, args.connections, work)
                       if tool == "wrk" else
                       asyncio.run(load(served.url, visited, args.seconds, args.connections)))
                if run["requests"]:  # what one request costs the server, whatever the load
                    run["server_cpu_ms_per_request"] = round(
                        (served.cpu_seconds() - cpu) * 1000 / run["requests"], 2)
                results[name][tool] = run
    return results


def have_wrk() -> bool:
    """wrk on PATH, installed from Debian when missing (and when we may)."""
    if shutil.which("wrk"):
        return True
    print("installing wrk (apt-get)", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], capture_output=True)
    return shutil.which("wrk") is not None


def goals(runs: Json) -> Json:
    """The listing's p95 and throughput at 32 connections, and 5xx anywhere, per tool."""
    verdicts: Json = {}
    for setup, endpoints_run in runs.items():
        listing = endpoints_run["listing /"]
        for tool in ("wrk", "httpx"):
            if tool not in listing:
                continue
            measured = listing[tool]
            verdicts[f"{setup} {tool}"] = {
                "listing_p95_ms": measured["p95_ms"],
                "listing_requests_per_second": measured["requests_per_second"],
                "met": measured["p95_ms"] <= GOAL_P95_MS
                and measured["requests_per_second"] >= GOAL_RPS}
    server_errors = {f"{setup} {name} {tool}": n
                     for setup, endpoints_run in runs.items()
                     for name, run in endpoints_run.items()
                     for tool in ("httpx",) if tool in run
                     for status, n in run[tool]["statuses"].items() if status.startswith("5")}
    verdicts["5xx (httpx counts by status)"] = server_errors or 0
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "paperboy-bench-web")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--tools", nargs="+", default=["wrk", "httpx"],
                        choices=["wrk", "httpx"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tools = [t for t in args.tools if t != "wrk" or have_wrk()]
    db_path, built = cached_hub(args.dir, args.papers, args.seed)
    paths = endpoints(db_path)
    results: Json = {"papers": args.papers, "hub": built, "connections": args.connections,
                     "seconds_per_run": args.seconds, "tools": tools, "cores": os.cpu_count(),
                     "load_average_at_start": os.getloadavg(), "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            results["runs"][f"workers_{workers}"] = bench_server(db_path, Path(tmp), paths,
                                                                 workers, args, tools)
    results["load_average_at_end"] = os.getloadavg()
    results["goals"] = goals(results["runs"])
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
