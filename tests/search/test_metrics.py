import math

import pytest

from paperboy.search.metrics import mrr_at, ndcg_at, recall_at, summarize


def test_ndcg_against_a_hand_computed_case():
    # Grades: d1=2, d2=1, d3=2 relevant. Ranking puts d2 first, d1 third, d3 missing.
    ranking = ["d2", "x", "d1", "y"]
    relevant = {"d1": 2, "d2": 1, "d3": 2}
    dcg = 1 / math.log2(2) + 2 / math.log2(4)  # 1 + 1 = 2
    idcg = 2 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)  # 2 + 1.2619 + 0.5
    assert ndcg_at(ranking, relevant, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at(ranking, relevant, 10) == pytest.approx(0.53165, abs=1e-5)


def test_recall_and_mrr_by_hand():
    ranking = ["a", "b", "c", "d", "e", "f"]
    relevant = {"c": 1, "f": 1, "z": 1, "b": 0}
    assert recall_at(ranking, relevant, 5) == pytest.approx(1 / 3)
    assert recall_at(ranking, relevant, 100) == pytest.approx(2 / 3)
    assert mrr_at(ranking, relevant, 10) == pytest.approx(1 / 3)
    assert mrr_at(ranking, relevant, 2) == 0.0


def test_perfect_and_empty_rankings():
    assert ndcg_at(["a"], {"a": 1}, 10) == 1.0
    assert ndcg_at([], {"a": 1}, 10) == 0.0
    assert ndcg_at(["a"], {}, 10) == 0.0


def test_summary_counts_unanswered_queries_as_zero_and_skips_unjudged():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 0}}
    result = summarize({"q1": ["a"]}, qrels)
    assert result == {"ndcg@10": 0.5, "recall@5": 0.5, "recall@100": 0.5, "mrr@10": 0.5}
