"""Ranking inside PostgreSQL scores words as the in-process index does (search/database.py)."""

import pytest
from sqlalchemy import text as sql

from paperboy.ingest import import_files
from paperboy.search import text
from paperboy.search.database import lexical_top
from paperboy.search.indexer import index_papers
from paperboy.search.lexical import LexicalIndex
from paperboy.store import open_database, pgsearch
from paperboy.store import search as store
from tests.search.conftest import DEMO

QUERIES = ["sparse attention for long context", "quantization of language models",
           "speculative decoding", "mixture of experts routing", "retrieval benchmark"]


@pytest.fixture
def pg_demo(postgres_url):
    db = open_database(postgres_url)
    with db.engine.begin() as conn:  # analysed only when a test says so
        conn.execute(sql("ALTER TABLE papers SET (autovacuum_enabled = false)"))
    import_files(db, [str(DEMO)])
    yield db
    db.dispose()


def in_process_scores(db, query):
    """What the SQLite engine's index gives every paper of the same database for `query`."""
    with db.engine.connect() as conn:
        rows = store.index_rows(conn)
        found = {t.paper_id: text.pack_terms(t.title, t.abstract, t.authors)
                 for t in store.texts(conn, [r.paper_id for r in rows])}
    index = LexicalIndex([r.terms or found[r.paper_id] for r in rows])
    scores = index.scores(text.terms(query))
    return {r.paper_id: float(s) for r, s in zip(rows, scores, strict=True) if s > 0}


def in_database(db, query, limit=100):
    with db.engine.connect() as conn:
        return dict(lexical_top(conn, query, None, limit)[1])


@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "not-indexed-yet"])
def test_the_database_ranks_by_the_same_bm25f_as_the_in_process_index(pg_demo, indexed):
    """Never analysed, so word counts are exact: the scores agree to rounding, whether the
    papers' terms come from the index or, before `paperboy index`, from their text."""
    if indexed:
        index_papers(pg_demo, None)
    for query in QUERIES:
        expected = in_process_scores(pg_demo, query)
        found = in_database(pg_demo, query)
        assert found.keys() == expected.keys(), query
        assert all(found[i] == pytest.approx(expected[i], rel=1e-5) for i in expected), query


def test_after_analysis_the_counts_are_the_planners_and_the_order_holds(pg_demo):
    index_papers(pg_demo, None)
    with pg_demo.engine.begin() as conn:
        pgsearch.analyze(conn)
    for query in QUERIES:
        expected = in_process_scores(pg_demo, query)
        found = in_database(pg_demo, query, limit=5)
        assert list(found) == sorted(expected, key=lambda i: (-expected[i], i))[:5], query


def test_a_query_of_stop_words_or_no_words_finds_nothing(pg_demo):
    assert in_database(pg_demo, "the of and") == {}
    assert in_database(pg_demo, "  ") == {}
