import gzip
import json
import random

from tools.train_adapter import BATCH, make_pairs, training_papers, with_hard_negatives

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
