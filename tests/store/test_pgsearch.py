"""Search inside PostgreSQL: the tsvector kept by the database, HNSW recall, lexical-only mode."""

import numpy as np
import pytest
from sqlalchemy import text

from paperboy.errors import DatabaseError
from paperboy.models import Author, PaperRecord
from paperboy.search.database import lexical_top
from paperboy.search.engine import SearchEngine
from paperboy.search.indexer import index_papers
from paperboy.store import open_database, papers, pgsearch
from paperboy.store import search as store


@pytest.fixture
def pg(postgres_url):
    db = open_database(postgres_url)
    yield db
    db.dispose()


def add(db, *records):
    with db.engine.begin() as conn:
        papers.upsert(conn, list(records))


def lexical(db, query, allowed=None, limit=10):
    with db.engine.connect() as conn:
        return lexical_top(conn, query, allowed, limit)[1]


def test_the_search_document_follows_the_text_in_the_same_transaction(pg):
    add(pg, PaperRecord("p1", "Zebrafish fin regeneration", "Fins grow back.", source="jsonl"))
    assert [i for i, _ in lexical(pg, "zebrafish")]
    add(pg, PaperRecord("p1", "Axolotl limb regeneration", "Limbs grow back.", version=2,
                        source="jsonl"))
    assert lexical(pg, "zebrafish") == []
    assert lexical(pg, "axolotls")  # stemmed as the documents are


def test_title_outweighs_abstract_outweighs_authors(pg):
    add(pg, PaperRecord("t", "Kelp forests", "On coasts.", source="jsonl"),
        PaperRecord("a", "On coasts", "Kelp forests.", source="jsonl"),
        PaperRecord("n", "On coasts", "Forests.", authors=(Author("Kelp Smith"),),
                    source="jsonl"))
    with pg.engine.connect() as conn:
        uids = store.uids_by_id(conn)
    assert [uids[i] for i, _ in lexical(pg, "kelp")] == ["t", "a", "n"]


def test_rare_words_count_more_than_common_ones(pg):
    add(pg, *[PaperRecord(f"c{n}", f"Language model number {n}", "Text.", source="jsonl")
              for n in range(20)],
        PaperRecord("rare", "Tardigrade cryptobiosis", "Language.", source="jsonl"))
    with pg.engine.connect() as conn:
        uids = store.uids_by_id(conn)
    assert uids[lexical(pg, "language tardigrade")[0][0]] == "rare"


def test_queries_without_searchable_words_find_nothing(pg):
    add(pg, PaperRecord("p", "The paper", "Text.", source="jsonl"))
    assert lexical(pg, "the of and") == []
    assert lexical(pg, "'\\\" & | ! <-> :*") == []


def clustered(count, clusters, rng):
    centres = rng.normal(size=(clusters, 384)).astype(np.float32)
    points = centres[rng.integers(clusters, size=count)] + rng.normal(
        0, 0.35, size=(count, 384)).astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def add_embedded(db, vectors, model_of=lambda n: "test"):
    """A paper per vector, stored with it; returns the papers' ids in order."""
    add(db, *[PaperRecord(f"v{n}", f"Paper {n}", "", source="jsonl") for n in range(len(vectors))])
    with db.engine.begin() as conn:
        pending = store.pending(conn, None, len(vectors) + 1)
        store.save_index(conn, [store.IndexEntry(p.text.paper_id, p.modified_at, b"",
                                                 model_of(n), vectors[n].tobytes())
                                for n, p in enumerate(pending)])
        pgsearch.analyze(conn)
    return [p.text.paper_id for p in pending]


def test_hnsw_recall_at_10_against_the_exact_scan(pg):
    rng = np.random.default_rng(8)
    add_embedded(pg, clustered(3000, 60, rng))
    recalls = []
    with pg.engine.connect() as conn:
        for query in clustered(50, 60, rng):
            exact = {i for i, _ in pgsearch.dense_exact_top(conn, query, 10, model="test")}
            found = {i for i, _ in pgsearch.dense_top(conn, query, None, 10, model="test")}
            recalls.append(len(exact & found) / 10)
            conn.rollback()
    assert np.mean(recalls) >= 0.95


def test_vectors_of_another_model_are_left_out_until_re_embedded(pg):
    """After a model change, the old model's vectors are not comparable to the new queries."""
    vectors = clustered(40, 4, np.random.default_rng(4))
    ids = add_embedded(pg, vectors, lambda n: "old" if n % 2 else "new")
    new = set(ids[::2])
    with pg.engine.connect() as conn:
        assert pgsearch.any_embedding(conn, "new") and not pgsearch.any_embedding(conn, "other")
        found = pgsearch.dense_top(conn, vectors[1], None, 30, model="new")
        assert len(found) == 20 and {i for i, _ in found} == new
        assert set(pgsearch.dense_scores(conn, vectors[1], sorted(store.uids_by_id(conn)),
                                         model="new")) == new
        assert pgsearch.embedding_of(conn, ids[1], model="new") is None
        assert pgsearch.embedding_of(conn, ids[1], model="old") is not None


def test_hnsw_is_used_for_dense_search(pg):
    with pg.engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in conn.execute(text(
            "EXPLAIN SELECT paper_id FROM paper_index "
            "ORDER BY embedding <=> (SELECT array_fill(0.1, ARRAY[384])::vector) LIMIT 10")))
    assert "ix_paper_index_embedding" in plan


def test_a_user_who_may_not_create_pgvector_is_told_what_to_do(postgres_server):
    postgres_server.execute("DO $$ BEGIN CREATE ROLE plain LOGIN; "
                            "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
                            "CREATE DATABASE no_vector OWNER plain TEMPLATE template0")
    url = postgres_server.url("no_vector").replace("postgresql://postgres@",
                                                    "postgresql://plain@")
    try:
        with pytest.raises(DatabaseError, match="CREATE EXTENSION vector") as refused:
            open_database(url)
        assert "PAPERBOY_VECTORS=false" in str(refused.value)
        lexical_only = open_database(url, vectors=False)
        try:
            add(lexical_only, PaperRecord("p", "Kelp forests", "On coasts.", source="jsonl"))
            assert index_papers(lexical_only, None).indexed == 1
            results = SearchEngine(lexical_only).search("kelp")
            assert results.mode == "bm25" and [h.paper.uid for h in results.hits] == ["p"]
            assert SearchEngine(lexical_only).related("p") == []
        finally:
            lexical_only.dispose()
    finally:
        postgres_server.execute("DROP DATABASE no_vector WITH (FORCE)")

