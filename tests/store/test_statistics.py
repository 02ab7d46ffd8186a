"""SQLite's planner statistics are gathered after imports that grow the hub."""

import json
from datetime import date, timedelta

from sqlalchemy import text

from paperboy.ingest import import_files
from paperboy.store import listings, open_database


def import_papers(db, path, count, first=0):
    """`count` papers with a v1 date and no announcement day, as the arXiv snapshot has."""
    day = date(2026, 1, 1)
    with open(path, "w") as out:
        for n in range(first, first + count):
            out.write(json.dumps({"id": f"2601.{n:05d}", "title": f"Paper {n}",
                                  "published": f"{day + timedelta(days=n % 40)}T18:00:00Z"})
                      + "\n")
    return import_files(db, [str(path)])


def neighbour_plan(db):
    statement = listings._edge_statement(True, "before")
    with db.engine.connect() as conn:
        compiled = statement.compile(dialect=conn.dialect)
        values = compiled.construct_params({"day": "2026-02-01", "moment": "2026-02-01"})
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}",
                                    tuple(values[name] for name in compiled.positiontup))
        return " | ".join(str(row[-1]) for row in rows)


def analysed_rows(db):
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'papers' "
                                  "AND idx = 'ix_papers_published'")).scalar()
    return int(found.split()[0]) if found else None


def test_a_snapshot_hub_reads_a_neighbouring_day_through_the_v1_index(tmp_path):
    db = open_database(str(tmp_path / "hub.db"))
    import_papers(db, tmp_path / "a.jsonl", 400)
    assert analysed_rows(db) == 400
    v1_branch = neighbour_plan(db).split("SCALAR SUBQUERY 3")[1]
    # not through the index of `announced`, which no paper has: that would read them all
    assert "USING INDEX ix_papers_published (published" in v1_branch, v1_branch


def test_statistics_follow_growth_not_every_import(tmp_path):
    db = open_database(str(tmp_path / "hub.db"))
    import_papers(db, tmp_path / "a.jsonl", 200)
    import_papers(db, tmp_path / "b.jsonl", 10, first=200)  # 5%: not worth an ANALYZE
    assert analysed_rows(db) == 200
    import_papers(db, tmp_path / "c.jsonl", 30, first=210)  # 14%
    assert analysed_rows(db) == 240
