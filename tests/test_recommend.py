"""Digest and recommendation rules (pure): dedup across subscriptions, the per-user
classifier, the cold start."""

from __future__ import annotations

import numpy as np
import pytest

from paperboy import ranking
from paperboy.ranking import Pick


def test_picks_are_merged_once_each_with_every_reason_interleaved_by_rank():
    search = [(1, "matches your search 'kv'"), (2, "matches your search 'kv'")]
    trending = [(3, "trending #1"), (1, "trending #2")]
    author = [(4, "by X, an author you follow")]
    assert ranking.merge_picks([search, trending, author]) == [
        Pick(1, ("matches your search 'kv'", "trending #2")),
        Pick(3, ("trending #1",)),
        Pick(4, ("by X, an author you follow",)),
        Pick(2, ("matches your search 'kv'",)),
    ]
    assert ranking.merge_picks([]) == []


def test_names_fold_case_accents_and_dots():
    assert ranking.fold_name("Émile  Zola") == "emile zola"
    assert ranking.fold_name("J.-P. Sartre") == "j p sartre"


def clusters(seed=0, n=40, dims=16):
    rng = np.random.default_rng(seed)
    centre_a, centre_b = rng.normal(size=dims), rng.normal(size=dims)
    a = (centre_a + 0.3 * rng.normal(size=(n, dims))).astype(np.float32)
    b = (centre_b + 0.3 * rng.normal(size=(n, dims))).astype(np.float32)
    return a, b


def test_the_classifier_ranks_papers_like_the_users_first():
    a, b = clusters()
    model = ranking.fit_preferences(a[:10], np.vstack([b[:30], a[30:31]]))
    keys = list(range(100, 120))
    candidates = np.vstack([b[30:40], a[10:20]])  # keys 110..119 are like the user's
    assert set(ranking.recommend(model, keys, candidates, 10)) == set(range(110, 120))
    assert ranking.recommend(model, [], np.zeros((0, 16), dtype=np.float32), 5) == []


def test_the_classifier_needs_both_classes():
    a, _ = clusters()
    with pytest.raises(ValueError, match="at least one positive and one negative"):
        ranking.fit_preferences(a[:3], a[:0])


def test_the_cold_start_takes_liked_categories_hottest_first_then_trending():
    candidates = [(1, ("cs.CL",)), (2, ("cs.RO",)), (3, ("cs.CL", "cs.LG")), (4, ("cs.LG",))]
    trending = [4, 3, 2, 1]
    assert ranking.cold_start(candidates, ["cs.CL"], trending, 3) == [3, 1, 4]
    assert ranking.cold_start(candidates, ["cs.LG", "cs.LG", "cs.CL"], trending, 4) == [
        3, 4, 1, 2]  # 3 is in both liked categories
    assert ranking.cold_start(candidates, [], trending, 2) == [4, 3]
