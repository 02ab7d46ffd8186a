import json

import pytest

from paperboy.ingest import import_files
from paperboy.search import engine as engine_module
from paperboy.search.embed import MODEL_NAME, Embedder
from paperboy.search.engine import SearchEngine
from paperboy.search.indexer import index_papers
from paperboy.store import search as store
from tests.search.conftest import DEMO


def uids(results):
    return [hit.paper.uid for hit in results.hits]


def write_jsonl(path, *papers):
    path.write_text("".join(json.dumps(p) + "\n" for p in papers))
    return str(path)


def test_lexical_search_finds_the_paper_by_its_words(demo_db):
    results = SearchEngine(demo_db, use_model=False).search("paged attention serving memory",
                                                            mode="bm25")
    assert uids(results)[0] == "2309.06180"  # vLLM / PagedAttention
    assert results.mode == "bm25"


def test_title_words_weigh_more_than_abstract_words(demo_db):
    results = SearchEngine(demo_db, use_model=False).search("mamba", mode="bm25")
    assert set(uids(results)[:2]) == {"2312.00752", "2405.21060"}


def test_hybrid_without_embeddings_falls_back_and_says_so(demo_db):
    results = SearchEngine(demo_db).search("speculative decoding")
    assert results.mode == "bm25"
    assert any("paperboy index" in note for note in results.notes)
    assert uids(results)


def test_an_arxiv_id_or_url_jumps_to_the_paper(demo_db):
    engine = SearchEngine(demo_db, use_model=False)
    for query in ("2106.09685", "https://arxiv.org/abs/2106.09685v2", "arXiv:2106.09685"):
        assert engine.search(query).redirect == "2106.09685"


def test_filters_phrases_and_exclusions(demo_db):
    engine = SearchEngine(demo_db, use_model=False)
    assert all("cs.CL" in h.paper.categories
               for h in engine.search("attention cat:cs.CL", mode="bm25").hits)
    in_2023 = engine.search("year:2023", mode="bm25")
    assert in_2023.hits and all(h.paper.published.year == 2023 for h in in_2023.hits)
    with_code = engine.search("quantization has:code", mode="bm25")
    assert with_code.hits and all(h.paper.code_url for h in with_code.hits)
    by_author = engine.search('author:"Tri Dao"', mode="bm25")
    assert "2205.14135" in uids(by_author)
    assert all(any("Tri Dao" in a.name for a in h.paper.authors) for h in by_author.hits)
    lora = uids(engine.search("low-rank adaptation", mode="bm25"))
    excluded = uids(engine.search("low-rank adaptation -quantization", mode="bm25"))
    assert "2305.14314" in lora and "2305.14314" not in excluded  # QLoRA mentions quantization
    phrase = engine.search('"key-value cache"', mode="bm25")
    assert all("key-value cache" in (h.paper.title + h.paper.abstract).lower()
               for h in phrase.hits)


def test_a_category_filter_folds_case_and_an_archive_holds_its_classes(demo_db):
    engine = SearchEngine(demo_db, use_model=False)

    def found(query):
        return uids(engine.search(query, mode="bm25", limit=100))

    everything = found("model")
    assert found("model cat:cs.cl") == found("model cat:cs.CL") != everything
    assert found("model cat:cs") == everything  # every demo paper is in a cs class
    in_stat = found("model cat:stat")
    assert in_stat and set(in_stat) == set(found("model cat:stat.ML"))
    assert found("model cat:c") == found("model cat:cs.Z") == []


@pytest.mark.parametrize("query", ['"unclosed', "author:", "cat:", "-", ":::", "*", "AND OR",
                                   "a" * 3000, "<script>alert(1)</script>", "\x00"])
def test_hostile_or_odd_queries_never_fail(demo_db, query):
    results = SearchEngine(demo_db, use_model=False).search(query, mode="bm25")
    assert results.total >= 0


def test_search_sees_imports_and_changes_at_once(demo_db, tmp_path):
    engine = SearchEngine(demo_db, use_model=False)
    assert not engine.search("zygomorphic flowers", mode="bm25").hits
    import_files(demo_db, [write_jsonl(tmp_path / "new.jsonl", {
        "id": "2501.00001", "title": "Zygomorphic flowers and bees", "abstract": "Petals."})])
    assert uids(engine.search("zygomorphic flowers", mode="bm25")) == ["2501.00001"]
    import_files(demo_db, [write_jsonl(tmp_path / "v2.jsonl", {
        "id": "2501.00001v2", "title": "Radial symmetry in orchids", "abstract": "Petals."})])
    assert not engine.search("zygomorphic", mode="bm25").hits
    assert uids(engine.search("orchids", mode="bm25")) == ["2501.00001"]


def test_paging(demo_db):
    engine = SearchEngine(demo_db, use_model=False)
    first = engine.search("attention", mode="bm25", limit=3)
    second = engine.search("attention", mode="bm25", limit=3, offset=3)
    assert len(first.hits) == len(second.hits) == 3
    assert not set(uids(first)) & set(uids(second))
    assert first.total == second.total > 6


def test_indexing_is_incremental_and_a_changed_paper_is_reindexed(demo_db, tmp_path):
    first = index_papers(demo_db, None)
    assert (first.indexed, first.remaining) == (48, 0)
    assert index_papers(demo_db, None).indexed == 0
    import_files(demo_db, [write_jsonl(tmp_path / "v2.jsonl", {
        "id": "2106.09685v3", "title": "LoRA, revised", "abstract": "A new summary."})])
    with demo_db.engine.connect() as conn:
        assert store.count_pending(conn, None) == 1
    assert index_papers(demo_db, None).indexed == 1


class CrashingModel:
    def encode(self, texts, **_):
        raise RuntimeError("the model crashed")


def test_words_are_stored_for_every_paper_before_any_vector(demo_db):
    """Lexical search on PostgreSQL reads stored terms: a bulk import must not wait for the
    embeddings, nor lose its terms when the model fails."""
    with pytest.raises(RuntimeError, match="crashed"):
        index_papers(demo_db, Embedder(model=CrashingModel()))
    with demo_db.engine.connect() as conn:
        assert store.count_pending(conn, None) == 0  # every paper has its terms
        assert store.count_pending(conn, MODEL_NAME) == 48  # and none a vector
    assert SearchEngine(demo_db).search("attention", mode="bm25").hits


def test_dense_and_hybrid_with_the_real_model(demo_db, embedder):
    report = index_papers(demo_db, embedder)
    assert report.embedded == 48 and report.remaining == 0
    engine = SearchEngine(demo_db)
    # No word in common with the vLLM summary's key terms, but the same meaning.
    dense = engine.search("serving many chat users at once on one GPU", mode="dense")
    assert dense.mode == "dense" and len(dense.hits) == 20
    hybrid = engine.search("memory efficient exact attention kernel", mode="hybrid")
    assert hybrid.mode == "hybrid"
    assert uids(hybrid)[0] in {"2205.14135", "2307.08691", "2407.08608"}
    related = engine.related("2205.14135", limit=5)
    assert "2205.14135" not in [h.paper.uid for h in related]
    assert {"2307.08691", "2407.08608"} & {h.paper.uid for h in related}


def test_related_without_vectors_uses_words(demo_db):
    related = SearchEngine(demo_db, use_model=False).related("2307.08691", limit=3)
    assert {"2205.14135", "2407.08608"} & {h.paper.uid for h in related}
    assert SearchEngine(demo_db, use_model=False).related("no-such-paper") == []


def test_the_first_search_stores_the_terms_it_had_to_compute(sqlite_db):
    import_files(sqlite_db, [str(DEMO)])  # (PostgreSQL keeps its terms in a tsvector column)
    with sqlite_db.engine.connect() as conn:
        assert store.count_pending(conn, None) == 48
    assert SearchEngine(sqlite_db, use_model=False).search("attention", mode="bm25").hits
    with sqlite_db.engine.connect() as conn:
        assert store.count_pending(conn, None) == 0


def test_a_read_only_database_is_still_searchable(sqlite_db):
    from paperboy.store import open_database

    import_files(sqlite_db, [str(DEMO)])
    path = sqlite_db.engine.url.database
    sqlite_db.dispose()
    read_only = open_database(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        results = SearchEngine(read_only, use_model=False).search("attention", mode="bm25")
        assert results.hits
    finally:
        read_only.dispose()


@pytest.mark.parametrize("query", ["attention", "model cat:cs.CL", "model from:2023-01-01",
                                   "low-rank adaptation -quantization", '"key-value cache"',
                                   "2106.09685", "year:2023", "nothing-matches-this"])
def test_ranked_ids_are_the_search_results_unread(demo_db, query):
    engine = SearchEngine(demo_db, use_model=False)
    with demo_db.engine.connect() as conn:
        uid_of = store.uids_by_id(conn)
    results = engine.search(query, mode="bm25", limit=1000)
    assert [uid_of[i] for i in engine.ranked_ids(query, mode="bm25")] == uids(results)
    assert len(engine.ranked_ids(query, mode="bm25", limit=2)) == min(2, len(results.hits))


def test_a_filter_read_once_still_sees_later_imports(demo_db, tmp_path):
    engine = SearchEngine(demo_db, use_model=False)
    before = engine.ranked_ids("zebra from:2024-01-01", mode="bm25")
    import_files(demo_db, [write_jsonl(tmp_path / "new.jsonl", {
        "id": "2407.99999", "title": "Zebra stripes", "abstract": "Zebra.",
        "published": "2024-07-01T00:00:00Z"})])
    after = engine.ranked_ids("zebra from:2024-01-01", mode="bm25")
    with demo_db.engine.connect() as conn:
        assert before == [] and after == [store.paper_id(conn, "2407.99999")]


def test_the_filters_read_most_recently_are_kept(sqlite_db, monkeypatch):
    """SQLite's in-process ranking keeps the rows each filter passes (PostgreSQL filters in
    the database)."""
    import_files(sqlite_db, [str(DEMO)])
    monkeypatch.setattr(engine_module, "MASK_CACHE", 3)
    reads = []
    matching_ids = store.matching_ids
    monkeypatch.setattr(store, "matching_ids",
                        lambda conn, filters: reads.append(filters) or matching_ids(conn, filters))
    engine = SearchEngine(sqlite_db, use_model=False)
    for year in (2021, 2022, 2023, 2021, 2024, 2021, 2022):
        engine.ranked_ids(f"attention year:{year}", mode="bm25")
    # 2021 stays, being used; 2022 went when 2024 came, and is read again
    assert [filters.date_from.year for filters in reads] == [2021, 2022, 2023, 2024, 2022]
