"""The command as users and scripts call it: a real process, stdout and stderr apart."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

PAPERBOY = str(Path(sys.executable).parent / "paperboy")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PAPERBOY, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_import_json_is_one_document_with_integer_totals(tmp_path):
    db = str(tmp_path / "hub.db")
    first = run("--db", db, "import", str(SHARED / "corpus" / "papers.jsonl"), "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert {k: summary[k] for k in ("new", "updated", "unchanged", "rejected")} == {
        "new": 694, "updated": 0, "unchanged": 0, "rejected": 0}
    assert summary["format"] == "jsonl"
    assert "format jsonl (detected)" in first.stderr
    second = run("--db", db, "import", str(SHARED / "corpus" / "papers.jsonl"), "--json")
    assert json.loads(second.stdout)["unchanged"] == 694


def test_the_database_comes_from_the_environment_too(tmp_path):
    db = tmp_path / "env.db"
    result = run("import", str(SHARED / "corpus" / "papers.jsonl"),
                 env={"PAPERBOY_DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 0, result.stderr
    assert "694 new" in result.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM papers").fetchone() == (694,)


def test_a_corrupt_input_exits_non_zero_with_one_line_and_changes_nothing(tmp_path):
    db = str(tmp_path / "hub.db")
    run("--db", db, "import", str(SHARED / "corpus" / "papers.jsonl"))
    with sqlite3.connect(db) as conn:
        before = list(conn.iterdump())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "ok", "id": "2401.00001"}\n{"title": \n')
    result = run("--db", db, "import", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{bad}, line 2: not valid JSON" in result.stderr
    assert result.stdout == ""
    with sqlite3.connect(db) as conn:
        assert list(conn.iterdump()) == before


def test_errors_never_show_a_traceback(tmp_path):
    for args in (["import", str(tmp_path / "missing.jsonl")],
                 ["--db", "mysql://nope/x", "db", "status"],
                 ["--db", str(tmp_path / "no" / "dir.db"), "db", "upgrade"]):
        result = run(*args)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("paperboy: error:")


def test_bad_settings_are_named(tmp_path):
    result = run("--db", str(tmp_path / "x.db"), "db", "status",
                 env={"PAPERBOY_REQUEST_INTERVAL": "soon"})
    assert result.returncode == 3
    assert "PAPERBOY_REQUEST_INTERVAL" in result.stderr


def test_db_upgrade_and_status(tmp_path):
    db = str(tmp_path / "hub.db")
    assert "(upgraded)" in run("--db", db, "db", "upgrade").stdout
    assert "(up to date)" in run("--db", db, "db", "upgrade").stdout
    status = json.loads(run("--db", db, "db", "status", "--json").stdout)
    assert status["papers"] == 0 and status["revision"] == status["head"]


def test_eval_prints_one_json_document_with_every_metric(fixtures):
    result = run("eval", str(fixtures / "beir" / "tiny"), "--mode", "bm25", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["dataset"], report["documents"], report["queries"]) == ("tiny", 6, 4)
    bm25 = report["results"]["bm25"]
    assert set(bm25) == {"ndcg@10", "recall@5", "recall@100", "mrr@10", "seconds"}
    # q2's second relevant paper says "honeybees", q4's second is not in the corpus at all.
    assert bm25["mrr@10"] == 1.0 and bm25["recall@100"] == pytest.approx(0.75)


def test_eval_refuses_a_folder_that_is_not_beir(tmp_path):
    result = run("eval", str(tmp_path))
    assert result.returncode == 2
    assert "not a BEIR folder" in result.stderr and "Traceback" not in result.stderr


def test_search_json_lists_papers(tmp_path):
    db = str(tmp_path / "hub.db")
    run("--db", db, "import", str(SHARED / "corpus" / "papers.jsonl"))
    result = run("--db", db, "search", "kv cache compression", "--mode", "bm25", "--json",
                 "--limit", "5")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 5
    assert {"id", "title", "score", "published"} <= set(hits[0])
    assert "cache" in hits[0]["title"].lower()


def test_eval_on_postgresql_uses_a_scratch_schema_and_leaves_the_hub_alone(fixtures,
                                                                            postgres_url):
    assert run("--db", postgres_url, "import", str(fixtures / "jsonl" / "sample.jsonl"),
               "--skip-invalid").returncode == 0
    before = json.loads(run("--db", postgres_url, "db", "status", "--json").stdout)["papers"]
    result = run("--db", postgres_url, "eval", str(fixtures / "beir" / "tiny"), "--mode", "bm25",
                 "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["backend"], report["documents"], report["queries"]) == ("postgresql", 6, 4)
    assert report["results"]["bm25"]["mrr@10"] == 1.0
    assert json.loads(run("--db", postgres_url, "db", "status", "--json").stdout)[
        "papers"] == before
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace "
                            "WHERE nspname LIKE 'paperboy_scratch_%'").fetchone() == (0,)


def test_the_commands_run_on_postgresql(postgres_url):
    assert run("--db", postgres_url, "import", str(SHARED / "corpus" / "papers.jsonl"),
               "--json").returncode == 0
    index = run("--db", postgres_url, "index", "--no-model", "--json")
    assert index.returncode == 0, index.stderr
    found = run("--db", postgres_url, "search", "bi-level routing attention vision", "--json",
                "--mode", "bm25")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["title"].startswith("BiFormer")
