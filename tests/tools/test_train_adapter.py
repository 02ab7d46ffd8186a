import gzip
import json
import random

import numpy as np
import pytest
from safetensors.numpy import save_file

from paperboy.search.adapter import load_deltas
from tools.train_adapter import (
    BATCH,
    make_pairs,
    soup,
    training_papers,
    with_hard_negatives,
)

SENTENCES = ("We study how sparse attention trades accuracy for speed in long documents. "
             "Our method routes each query to a few learned key blocks at every layer. "
             "It keeps perplexity within one percent of dense attention on three benchmarks. "
             "Code and trained checkpoints are released for anyone to reproduce the results.")


def paper(number: int, category: str) -> dict[str, object]:
    return {"id": f"2401.{number:05d}",
            "title": f"Routing Study {number}: Sparse Blocks for {category}",
            "abstract": f"{SENTENCES} Field {category}.", "categories": [category]}


def test_evaluation_papers_are_kept_out_of_training(tmp_path):
    papers = [paper(n, "cs.CL") for n in range(10)]
    with gzip.open(tmp_path / "papers.jsonl.gz", "wt") as out:
        out.writelines(json.dumps(p) + "\n" for p in papers)
    held = tmp_path / "eval"
    held.mkdir()
    (held / "corpus.jsonl").write_text(
        json.dumps({"_id": "2401.00001", "title": "", "text": ""}) + "\n"
        + json.dumps({"_id": "x", "title": "routing  study 2: SPARSE blocks for cs.CL", "text": ""})
        + "\n")
    kept = training_papers(tmp_path / "papers.jsonl.gz", [held])
    assert [p["id"] for p in kept] == [f"2401.{n:05d}" for n in (0, 3, 4, 5, 6, 7, 8, 9)]


def test_a_batch_holds_one_category_and_no_query_is_its_own_document():
    papers = [paper(n, "cs.CL" if n % 2 else "q-bio.NC") for n in range(4 * BATCH)]
    batches = make_pairs(papers, random.Random(0))
    assert len(batches) == 4 and all(len(b) == BATCH for b in batches)
    for batch in batches:
        assert len({"q-bio" in pair.document for pair in batch}) == 1
        for query, document, *_ in batch:
            assert query and document
            if query.endswith("."):  # a sentence: cut out of its document
                assert query not in document


def test_hard_negatives_are_other_papers_bm25_confuses_shaped_like_the_document():
    papers = [paper(n, "cs.CL") for n in range(3 * BATCH)]
    for n, p in enumerate(papers):  # a word of its own, so each title finds its paper first
        p["abstract"] = f"{p['abstract']} Marker{n}."
    batches = with_hard_negatives(papers, make_pairs(papers, random.Random(1)), random.Random(2))
    assert sum(len(b) for b in batches) == 3 * BATCH
    for pair in (p for b in batches for p in b):
        own = papers[pair.paper]
        assert pair.negative and own["abstract"] not in pair.negative
        assert pair.negative.startswith("Routing Study") == pair.titled
        assert any(pair.negative.endswith(o["abstract"]) for o in papers)


def _adapter(path, seed, scale="2.0", rank=4):
    rng = np.random.default_rng(seed)
    module = "encoder.layer.0.attention.self.query"
    save_file({f"{module}.lora_A": rng.normal(size=(rank, 6)).astype(np.float16),
               f"{module}.lora_B": rng.normal(size=(5, rank)).astype(np.float16)},
              str(path), metadata={"scale": scale, "base": "all-MiniLM-L6-v2"})
    return path


def test_a_soup_adds_the_mean_of_its_adapters_deltas(tmp_path):
    first, second = _adapter(tmp_path / "a", 1), _adapter(tmp_path / "b", 2)
    soup([first, second], tmp_path / "soup")
    mixed, a, b = (load_deltas(p) for p in (tmp_path / "soup", first, second))
    assert mixed.keys() == a.keys()
    for module in mixed:
        np.testing.assert_allclose(mixed[module], (a[module] + b[module]) / 2, rtol=1e-5, atol=1e-5)


def test_adapters_of_different_scales_make_no_soup(tmp_path):
    with pytest.raises(SystemExit, match="different scales"):
        soup([_adapter(tmp_path / "a", 1), _adapter(tmp_path / "b", 2, scale="1.0")],
             tmp_path / "soup")
    assert not (tmp_path / "soup").exists()
