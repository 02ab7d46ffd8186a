import gzip
import json
import shutil
import sqlite3

import pytest

from paperboy.errors import InvalidRecord, PaperboyError
from paperboy.ingest import ImportRejected, import_files
from paperboy.store import papers, runs
from tests.conftest import SHARED

PAPER_TABLES = ("papers", "paper_categories", "ingest_runs")


def content(db) -> dict[str, list[tuple[object, ...]]]:
    with db.engine.connect() as conn:
        return {t: sorted((tuple(row) for row in conn.exec_driver_sql(f"SELECT * FROM {t}")),
                          key=repr)
                for t in PAPER_TABLES}


def snapshot_line(arxiv_id="2401.00001", version=1, title="A title", **extra) -> str:
    versions = [{"version": f"v{n}", "created": f"Mon, {n} Jan 2024 00:00:00 GMT"}
                for n in range(1, version + 1)]
    return json.dumps({"id": arxiv_id, "title": title, "abstract": "Text.",
                       "categories": "cs.CL", "versions": versions,
                       "authors_parsed": [["Doe", "Jane", ""]]} | extra) + "\n"


def write(path, text: str):
    path.write_text(text)
    return str(path)


def test_the_shared_corpus_imports_and_a_second_import_changes_nothing(db):
    path = str(SHARED / "corpus" / "papers.jsonl")
    first = import_files(db, [path])
    assert first.totals.as_dict() == {"new": 694, "updated": 0, "unchanged": 0, "rejected": 0}
    second = import_files(db, [path])
    assert second.totals.as_dict() == {"new": 0, "updated": 0, "unchanged": 694, "rejected": 0}
    with db.engine.connect() as conn:
        assert papers.count(conn) == 694
        assert [r["new"] for r in runs.recent_runs(conn)] == [0, 694]


def test_a_newer_version_updates_and_an_older_one_is_unchanged(db, tmp_path):
    import_files(db, [write(tmp_path / "v1.jsonl", snapshot_line(title="First"))])
    report = import_files(db, [write(tmp_path / "v2.jsonl", snapshot_line(version=2,
                                                                          title="Second"))])
    assert report.totals.updated == 1
    report = import_files(db, [str(tmp_path / "v1.jsonl")])
    assert report.totals.unchanged == 1
    with db.engine.connect() as conn:
        paper = papers.get(conn, "2401.00001")
    assert paper is not None
    assert (paper.title, paper.version, len(paper.versions)) == ("Second", 2, 2)


def test_a_corrupt_input_leaves_the_database_exactly_as_it_was(db, tmp_path):
    import_files(db, [str(SHARED / "corpus" / "papers.jsonl")])
    before = content(db)
    bad = write(tmp_path / "bad.jsonl", snapshot_line("2401.00009") * 3 + "{oops\n"
                + snapshot_line("2401.00010"))
    with pytest.raises(ImportRejected) as caught:
        import_files(db, [bad])
    assert caught.value.report.totals.rejected == 1
    assert "bad.jsonl, line 4" in str(caught.value.report.inputs[0].errors[0])
    assert content(db) == before


def test_an_unreadable_file_after_a_good_one_rejects_the_whole_import(db, tmp_path):
    good = write(tmp_path / "good.jsonl", snapshot_line("2401.00001"))
    with pytest.raises(PaperboyError, match="cannot tell the format"):
        import_files(db, [good, write(tmp_path / "bad.txt", "hello")])
    with db.engine.connect() as conn:
        assert papers.count(conn) == 0


def test_one_bad_file_rejects_the_whole_import(db, tmp_path):
    good = write(tmp_path / "good.jsonl", snapshot_line("2401.00001"))
    bad = write(tmp_path / "bad.jsonl", snapshot_line("2401.00002") + "{not json\n")
    with pytest.raises(ImportRejected):
        import_files(db, [good, bad])
    with db.engine.connect() as conn:
        assert papers.count(conn) == 0


def test_skip_invalid_imports_the_good_and_lists_the_bad(db, tmp_path):
    path = write(tmp_path / "mixed.jsonl", snapshot_line("2401.00001") + '{"id": 5}\n'
                 + snapshot_line("2401.00002"))
    report = import_files(db, [path], skip_invalid=True)
    assert report.totals.as_dict() == {"new": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert "line 2" in str(report.inputs[0].errors[0])


def test_duplicates_within_one_input_are_merged_not_doubled(db, tmp_path):
    path = write(tmp_path / "dup.jsonl", snapshot_line() + snapshot_line(version=2))
    report = import_files(db, [path])
    assert (report.totals.new, report.totals.updated) == (1, 1)
    with db.engine.connect() as conn:
        assert papers.count(conn) == 1


def test_gzipped_input_is_read_and_a_truncated_one_refused(db, tmp_path):
    data = gzip.compress("".join(snapshot_line(f"2401.{n:05d}") for n in range(2000)).encode())
    (tmp_path / "all.jsonl.gz").write_bytes(data)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidRecord, match="corrupt or truncated gzip"):
        import_files(db, [str(tmp_path / "cut.jsonl.gz")])
    with db.engine.connect() as conn:
        assert papers.count(conn) == 0
    report = import_files(db, [str(tmp_path / "all.jsonl.gz")])
    assert report.totals.new == 2000 and report.inputs[0].format == "snapshot"


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty input"),
    (b"   \n\n", "empty input"),
    (b"\x00\x01\x02binary" * 100, "binary data"),
    (b"%PDF-1.7 not a feed", "cannot tell the format"),
    (b"\x1f\x8b\x08\x00garbage", "gzip"),
])
def test_unreadable_inputs_end_in_clear_errors(db, tmp_path, data, message):
    path = tmp_path / "input"
    path.write_bytes(data)
    with pytest.raises(InvalidRecord, match=message):
        import_files(db, [str(path)])


def test_a_ten_megabyte_abstract_is_rejected_by_place(db, tmp_path):
    path = write(tmp_path / "huge.jsonl", snapshot_line(abstract="x" * 10_000_000))
    with pytest.raises(ImportRejected) as caught:
        import_files(db, [path])
    assert "line 1" in str(caught.value)


def test_a_named_format_is_used_and_an_unknown_one_refused(db, tmp_path):
    path = write(tmp_path / "x.txt", snapshot_line())
    assert import_files(db, [path], fmt="snapshot").inputs[0].format == "snapshot"
    with pytest.raises(InvalidRecord, match="unknown format"):
        import_files(db, [path], fmt="csv")


def test_progress_reports_every_byte(db, tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("".join(snapshot_line(f"2401.{n:05d}") for n in range(3000)))
    seen: list[int] = []
    import_files(db, [str(path)], progress=seen.append)
    assert sum(seen) == path.stat().st_size


def test_a_copy_of_the_database_is_consistent_after_import(sqlite_db, tmp_path):
    import_files(sqlite_db, [str(SHARED / "corpus" / "papers.jsonl")])
    shutil.copy(sqlite_db.engine.url.database, tmp_path / "copy.db")
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize(("fixture", "fmt"), [
    ("oai/list_records_1.xml", "oai"),
    ("oai/get_record_arxiv.xml", "oai"),
    ("arxiv_atom/query.xml", "arxiv-atom"),
    ("rss/cs.CL.rss.xml", "rss"),
    ("rss/cs.CL.atom.xml", "rss"),
    ("daily_papers/2024-11-18.json", "daily-papers"),
    ("snapshot/sample.jsonl", "snapshot"),
    ("jsonl/sample.jsonl", "jsonl"),
])
def test_every_format_is_sniffed_imported_and_idempotent(db, fixtures, fixture, fmt):
    path = str(fixtures / fixture)
    first = import_files(db, [path], skip_invalid=True)
    assert first.inputs[0].format == fmt
    assert first.totals.new > 0
    again = import_files(db, [path], skip_invalid=True)
    assert again.totals.new == again.totals.updated == 0
    assert again.totals.unchanged == first.totals.new
