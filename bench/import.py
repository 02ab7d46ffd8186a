"""Import benchmark: the shared arXiv corpus as a snapshot file, topped up to N records.

Runs `paperboy import` in a fresh SQLite file at several input sizes (peak memory should stay
flat), then a re-import of the largest (everything unchanged), and a bare sqlite3 insert of the
same rows as a floor. Then SQLite and PostgreSQL side by side (`import_files` in this process):
a fresh import of N records, their re-import (all unchanged), and N more new records into the
hub holding the first N, with the ratio PostgreSQL/SQLite of each rate. PostgreSQL is an
embedded server started here (tests/postgres.py) or, with --postgres-url, a throwaway schema
in a database of yours. Prints one JSON document; progress on stderr.

    .venv/bin/python bench/import.py [--records 100000] [--postgres-url URL] [--compare-only]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests/postgres.py, the embedded server

from paperboy.ingest import import_files  # noqa: E402
from paperboy.store import Database, open_database  # noqa: E402
from paperboy.store.scratch import scratch_schema  # noqa: E402

SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "arxiv_large.jsonl.gz"
PAPERBOY = str(Path(sys.executable).parent / "paperboy")
# The embedded server: the test server's settings (durability off) and room for a big load.
SERVER_SETTINGS = "-c shared_buffers=1GB -c max_wal_size=8GB -c maintenance_work_mem=512MB"


def snapshot_lines(total: int) -> Iterator[str]:
    """The real records in snapshot format, then renamed copies (ids 3001.00000 onwards)."""
    written = 0
    copy = 0
    while written < total:
        with gzip.open(CORPUS, "rt") as lines:
            for line in lines:
                if written >= total:
                    return
                record = json.loads(line)
                if copy:
                    record["id"] = f"{3000 + copy:04d}.{written % 100_000:05d}"
                yield json.dumps(to_snapshot(record)) + "\n"
                written += 1
        copy += 1


def to_snapshot(record: dict[str, Any]) -> dict[str, Any]:
    day = record["published"] or "2025-03-18"
    created = format_datetime(datetime.fromisoformat(day).replace(hour=18, tzinfo=UTC),
                              usegmt=True)
    authors = record["authors"]
    return {
        "id": record["id"], "submitter": authors[0] if authors else None,
        "authors": ", ".join(authors), "title": record["title"], "comments": None,
        "journal-ref": None, "doi": None, "report-no": None,
        "categories": " ".join(record["categories"]), "license": None,
        "abstract": record["abstract"], "versions": [{"version": "v1", "created": created}],
        "update_date": day,
        "authors_parsed": [[*reversed(name.rsplit(" ", 1)), ""] if " " in name else [name, "", ""]
                           for name in authors],
    }


# Runs one command and prints its peak RSS in KiB on stderr's last line, so that each
# measurement is of that process alone (RUSAGE_CHILDREN of this script would be cumulative).
PEAK_RSS = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def run_import(db: Path, source: Path) -> dict[str, Any]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", PEAK_RSS, PAPERBOY, "--db", str(db), "import",
                             str(source), "--json"], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    peak_kb = int(result.stderr.strip().splitlines()[-1])
    summary = json.loads(result.stdout)
    records = summary["new"] + summary["updated"] + summary["unchanged"]
    return {"records": records, "seconds": round(seconds, 2),
            "records_per_second": round(records / seconds),
            "peak_rss_mb": round(peak_kb / 1024, 1),
            "counts": {k: summary[k] for k in ("new", "updated", "unchanged", "rejected")}}


def bare_sqlite_floor(source: Path, db: Path) -> dict[str, Any]:
    """Just parse JSON and insert (id, title, abstract): what any importer has to pay."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE p (id TEXT PRIMARY KEY, title TEXT, abstract TEXT)")
    with open(source) as lines, conn:
        conn.executemany("INSERT INTO p VALUES (?, ?, ?)",
                         ((r["id"], r["title"], r["abstract"])
                          for r in map(json.loads, lines)))
    conn.close()
    seconds = time.perf_counter() - start
    with open(source) as lines:
        count = sum(1 for _ in lines)
    return {"seconds": round(seconds, 2), "records_per_second": round(count / seconds)}


@dataclass
class Hub:
    db: Database
    description: str
    server_cpu: Callable[[], float] | None = None  # CPU seconds the server has used so far


def timed_import(hub: Hub, source: Path, expected: str, records: int) -> dict[str, Any]:
    """One `import_files`, checked to count all `records` as `expected` (new or unchanged).

    The machine may be shared: CPU seconds (this process's, the embedded server's) and the
    load average say how much of the wall time was ours."""
    load = os.getloadavg()[0]
    server_cpu = hub.server_cpu or (lambda: 0.0)
    start, cpu, server_start = time.perf_counter(), time.process_time(), server_cpu()
    report = import_files(hub.db, [str(source)])
    seconds = time.perf_counter() - start
    counts = report.totals.as_dict()
    assert counts[expected] == records, counts
    result = {"records": records, "seconds": round(seconds, 2),
              "records_per_second": round(records / seconds),
              "client_cpu_seconds": round(time.process_time() - cpu, 2)}
    if hub.server_cpu:
        result["server_cpu_seconds"] = round(server_cpu() - server_start, 2)
    return result | {"load_average_before": round(load, 1)}


def backend_run(hub: Hub, first: Path, more: Path, records: int) -> dict[str, Any]:
    """Fresh import, re-import (all unchanged), then `records` new ones on top."""
    try:
        return {"fresh": timed_import(hub, first, "new", records),
                "reimport_unchanged": timed_import(hub, first, "unchanged", records),
                "new_into_hub_holding_n": timed_import(hub, more, "new", records)}
    finally:
        hub.db.dispose()


@contextmanager
def postgres_hub(url: str | None) -> Iterator[Hub]:
    """An empty, migrated hub on PostgreSQL: a scratch schema at `url`, or an embedded server."""
    if url:
        with scratch_schema(url) as db:
            yield Hub(db, "a scratch schema at --postgres-url")
        return
    from tests import postgres
    from tests.serving import cpu_seconds

    server = postgres.start(SERVER_SETTINGS)
    try:
        server.execute("CREATE DATABASE bench_import")
        yield Hub(open_database(server.url("bench_import")),
                  f"embedded, settings: {postgres.SETTINGS} {SERVER_SETTINGS}",
                  lambda: cpu_seconds(postmaster_pid(server.folder / "data")))
    finally:
        server.stop()


def postmaster_pid(data: Path) -> int:
    return int((data / "postmaster.pid").read_text().split()[0])


def compare_backends(work: Path, records: int, postgres_url: str | None) -> dict[str, Any]:
    first, more = work / "first.jsonl", work / "more.jsonl"
    with open(first, "w") as head, open(more, "w") as tail:
        for number, line in enumerate(snapshot_lines(2 * records)):
            (head if number < records else tail).write(line)
    print(f"SQLite: {records:,} records, again, then {records:,} more", file=sys.stderr)
    sqlite = Hub(open_database(str(work / "compare.db")), "a file")
    results: dict[str, Any] = {"records": records,
                               "sqlite": backend_run(sqlite, first, more, records)}
    print("PostgreSQL: the same", file=sys.stderr)
    with postgres_hub(postgres_url) as hub:
        results["postgresql"] = backend_run(hub, first, more, records)
        results["postgresql"]["server"] = hub.description
    results["ratio_postgresql_to_sqlite"] = {
        run: round(results["postgresql"][run]["records_per_second"]
                   / results["sqlite"][run]["records_per_second"], 2)
        for run in ("fresh", "reimport_unchanged", "new_into_hub_holding_n")}
    results["goal_postgresql_fresh_records_per_second"] = 2000
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--postgres-url", help="a database of yours (default: start a server)")
    parser.add_argument("--compare-only", action="store_true",
                        help="only SQLite against PostgreSQL (no input sizes, no floor)")
    args = parser.parse_args()
    results: dict[str, Any] = {"corpus": str(CORPUS), "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.compare_only:
            results |= sqlite_sizes(Path(tmp), args.records)
        results["backends"] = compare_backends(Path(tmp), args.records, args.postgres_url)
    results["load_average_at_end"] = os.getloadavg()
    json.dump(results, sys.stdout, indent=2)
    print()


def sqlite_sizes(work: Path, records: int) -> dict[str, Any]:
    """`paperboy import` into SQLite at N/4, N/2 and N records, a re-import and the floor."""
    sizes = sorted({records // 4, records // 2, records})
    results: dict[str, Any] = {"sizes": {}}
    source = work / "snapshot.jsonl"
    with open(source, "w") as out:
        out.writelines(snapshot_lines(records))
    for size in sizes:
        part = work / f"part{size}.jsonl"
        with open(source) as full, open(part, "w") as out:
            out.writelines(line for _, line in zip(range(size), full, strict=False))
        print(f"importing {size:,} records", file=sys.stderr)
        results["sizes"][str(size)] = run_import(work / f"fresh{size}.db", part)
    print("re-importing", file=sys.stderr)
    results["reimport_unchanged"] = run_import(work / f"fresh{records}.db", source)
    results["bare_sqlite_floor"] = bare_sqlite_floor(source, work / "floor.db")
    largest = results["sizes"][str(records)]
    results["ratio_paperboy_vs_floor"] = round(
        results["bare_sqlite_floor"]["records_per_second"] / largest["records_per_second"], 2)
    rss = [results["sizes"][str(s)]["peak_rss_mb"] for s in sizes]
    results["peak_rss_growth_smallest_to_largest"] = round(rss[-1] / rss[0], 2)
    results["goal_records_per_second"] = 5000
    return results


if __name__ == "__main__":
    main()
