"""Import benchmark: the shared arXiv corpus as a snapshot file, topped up to N records.

Runs `paperboy import` in a fresh SQLite file at several input sizes (peak memory should stay
flat), then a re-import of the largest (everything unchanged), and a bare sqlite3 insert of the
same rows as a floor. Prints one JSON document.

    .venv/bin/python bench/import.py [--records 100000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus" / "arxiv_large.jsonl.gz"
PAPERBOY = str(Path(sys.executable).parent / "paperboy")


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    sizes = sorted({args.records // 4, args.records // 2, args.records})
    results: dict[str, Any] = {"corpus": str(CORPUS), "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "snapshot.jsonl"
        with open(source, "w") as out:
            out.writelines(snapshot_lines(args.records))
        for size in sizes:
            part = work / f"part{size}.jsonl"
            with open(source) as full, open(part, "w") as out:
                out.writelines(line for _, line in zip(range(size), full, strict=False))
            print(f"importing {size:,} records", file=sys.stderr)
            results["sizes"][str(size)] = run_import(work / f"fresh{size}.db", part)
        print("re-importing", file=sys.stderr)
        results["reimport_unchanged"] = run_import(work / f"fresh{args.records}.db", source)
        results["bare_sqlite_floor"] = bare_sqlite_floor(source, work / "floor.db")
    largest = results["sizes"][str(args.records)]
    results["ratio_paperboy_vs_floor"] = round(
        results["bare_sqlite_floor"]["records_per_second"] / largest["records_per_second"], 2)
    rss = [results["sizes"][str(s)]["peak_rss_mb"] for s in sizes]
    results["peak_rss_growth_smallest_to_largest"] = round(rss[-1] / rss[0], 2)
    results["goal_records_per_second"] = 5000
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
