"""Imports bigger than a batch, on both backends (on PostgreSQL the COPY path): all or
nothing, idempotent, versions merged, and what the hub added itself left alone."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from paperboy.ingest import BATCH, ImportRejected, InputReport, import_files, write_items
from paperboy.models import PaperRecord
from paperboy.store import open_database, papers, search, users, votes
from paperboy.store.scratch import scratch_schema

TABLES = ("papers", "paper_categories", "paper_index", "ingest_runs")
SPANNING = 2 * BATCH + 500  # records: three batches


def line(number: int, version: int = 1, title: str | None = None,
         categories: str = "cs.CL cs.AI") -> str:
    versions = [{"version": f"v{n}", "created": f"Mon, {n} Jan 2024 00:00:00 GMT"}
                for n in range(1, version + 1)]
    return json.dumps({"id": f"2401.{number:05d}", "title": title or f"Paper {number}",
                       "abstract": f"About thing {number}.", "categories": categories,
                       "versions": versions,
                       "authors_parsed": [["Doe", "Jane", ""], ["Roe", "Rick", ""]]}) + "\n"


def write(path, lines) -> str:
    path.write_text("".join(lines))
    return str(path)


def content(db) -> dict[str, list[tuple[object, ...]]]:
    with db.engine.connect() as conn:
        return {t: sorted((tuple(row) for row in conn.exec_driver_sql(f"SELECT * FROM {t}")),
                          key=repr)
                for t in TABLES}


def index_everything(db) -> None:
    with db.engine.begin() as conn:
        pending = search.pending(conn, None, 100_000)
        search.save_index(conn, [search.IndexEntry(p.text.paper_id, p.modified_at, b"", None,
                                                   None) for p in pending])


def test_a_bad_record_after_batches_were_written_leaves_the_database_as_it_was(db, tmp_path):
    import_files(db, [write(tmp_path / "old.jsonl", (line(n) for n in range(10)))])
    index_everything(db)
    before = content(db)
    updates = [line(n, version=2, title=f"New {n}") for n in range(10)]
    new = [line(n) for n in range(10, SPANNING)]
    bad = write(tmp_path / "bad.jsonl", [*updates, *new, "{oops\n", line(99_999)])
    with pytest.raises(ImportRejected) as caught:
        import_files(db, [bad])
    written = caught.value.report.totals  # two batches, then the bad record stopped it
    assert (written.new, written.updated, written.rejected) == (2 * BATCH - 10, 10, 1)
    assert content(db) == before


def test_a_database_error_in_a_later_batch_is_raised_and_nothing_is_kept(postgres_url):
    db = open_database(postgres_url)
    # A category longer than the column: PostgreSQL refuses it, in the third batch.
    records = [PaperRecord(uid=f"2401.{n:05d}", title="T", abstract="A", source="jsonl",
                           categories=("x" * 40,) if n == SPANNING - 1 else ("cs.CL",))
               for n in range(SPANNING)]
    try:
        with pytest.raises(DBAPIError, match="too long"), db.engine.begin() as conn:
            write_items(conn, iter(records), InputReport("records", "jsonl"), False)
        with db.engine.connect() as conn:
            assert papers.count(conn) == 0
    finally:
        db.dispose()


def test_a_reimport_spanning_batches_changes_no_row(db, tmp_path):
    path = write(tmp_path / "all.jsonl", (line(n) for n in range(SPANNING)))
    assert import_files(db, [path]).totals.new == SPANNING
    before = content(db)
    again = import_files(db, [path])
    assert again.totals.as_dict() == {"new": 0, "updated": 0, "unchanged": SPANNING,
                                      "rejected": 0}
    after = content(db)
    assert len(after.pop("ingest_runs")) == len(before.pop("ingest_runs")) + 1
    assert after == before


def test_new_versions_are_merged_and_the_hubs_own_state_is_kept(db, tmp_path):
    count = BATCH + 200
    import_files(db, [write(tmp_path / "v1.jsonl", (line(n) for n in range(count)))])
    index_everything(db)
    with db.engine.begin() as conn:
        papers.set_hidden(conn, papers.row_id(conn, "2401.00000"), True)
        ada = users.create(conn, name="ada", email="ada@example.org")
        votes.add(conn, ada.id, papers.row_id(conn, "2401.00001"))
    # Even numbers: a new title; odd: the same text, a new version and categories.
    v2 = [line(n, version=2, title=f"Renamed {n}" if n % 2 == 0 else None,
               categories="cs.CL" if n % 2 == 0 else "cs.LG stat.ML") for n in range(count)]
    report = import_files(db, [write(tmp_path / "v2.jsonl", v2)])
    assert (report.totals.updated, report.totals.unchanged) == (count, 0)
    with db.engine.connect() as conn:
        renamed, same = papers.get_many(conn, ["2401.00002", "2401.00003"])
        assert (renamed.title, renamed.categories) == ("Renamed 2", ("cs.CL",))
        assert (same.title, same.categories) == ("Paper 3", ("cs.LG", "stat.ML"))
        assert [v.number for v in same.versions] == [1, 2] and same.version == 2
        assert papers.get(conn, "2401.00000") is None  # still hidden
        assert papers.get(conn, "2401.00001").upvotes == 1  # the local vote counts
        indexed = {row.uid for row in search.index_rows(conn) if row.terms is not None}
    assert indexed == {f"2401.{n:05d}" for n in range(1, count, 2)}  # changed text: dropped


def test_postgresql_keeps_the_search_document_in_step_with_the_text(postgres_url, tmp_path):
    db = open_database(postgres_url)
    try:
        import_files(db, [write(tmp_path / "v1.jsonl", (line(n) for n in range(3)))])
        import_files(db, [write(tmp_path / "v2.jsonl", [line(0, version=2, title="Zebras")])])
        with db.engine.connect() as conn:
            found = conn.execute(text(
                "SELECT uid FROM papers WHERE search_document @@ plainto_tsquery('english', "
                ":words) ORDER BY uid"), {"words": "zebra"}).scalars().all()
            authors = conn.execute(text(
                "SELECT count(*) FROM papers WHERE search_document @@ "
                "plainto_tsquery('simple', 'rick')")).scalar_one()
    finally:
        db.dispose()
    assert (found, authors) == (["2401.00000"], 3)


def test_postgresql_imports_into_the_schema_on_the_search_path(postgres_url, tmp_path):
    path = write(tmp_path / "some.jsonl", (line(n) for n in range(5)))
    with scratch_schema(postgres_url) as db:
        assert import_files(db, [path]).totals.new == 5
        with db.engine.connect() as conn:
            stored = papers.get(conn, "2401.00004")
            assert stored is not None and stored.categories == ("cs.CL", "cs.AI")
            assert stored.published == datetime(2024, 1, 1, tzinfo=UTC)
    main = open_database(postgres_url)
    try:
        with main.engine.connect() as conn:
            assert papers.count(conn) == 0
    finally:
        main.dispose()


def test_one_upsert_of_more_papers_than_a_statement_takes_parameters_for(db, monkeypatch):
    """`paperboy eval` on PostgreSQL stores a whole BEIR corpus in one call: 74,727 papers
    failed (one IN list of their uids, over PostgreSQL's 65,535 parameters)."""
    monkeypatch.setattr(papers, "UPSERT_BATCH", 3)
    records = [PaperRecord(f"u{n}", f"Paper {n}", "Text.", source="jsonl") for n in range(8)]
    with db.engine.begin() as conn:
        first = papers.upsert(conn, records[:5])
        again = papers.upsert(conn, records)
    assert (first.new, again.new, again.unchanged) == (5, 3, 5)
    with db.engine.connect() as conn:
        assert sorted(search.uids_by_id(conn).values()) == sorted(r.uid for r in records)


def test_postgresql_takes_an_upsert_over_its_parameter_limit(postgres_url):
    records = [PaperRecord(f"u{n}", "", "", source="jsonl") for n in range(70_000)]
    db = open_database(postgres_url)
    try:
        with db.engine.begin() as conn:
            assert papers.upsert(conn, records).new == 70_000
    finally:
        db.dispose()
