"""Hybrid fusion: keyword queries get the even mix and longer ones lean on the vector, and a
ranking's scores do not depend on how deep it is asked for (the engine ranks 1000, evaluation
100)."""

from functools import partial
from itertools import pairwise

import numpy as np
import pytest

from paperboy.search import text
from paperboy.search.dense import DenseIndex
from paperboy.search.lexical import LexicalIndex
from paperboy.search.rank import (
    CANDIDATES,
    DENSE_WEIGHT,
    KEYWORD_DENSE_WEIGHT,
    KEYWORDS,
    dense_weight,
    fuse,
    rank,
    top,
)

WORDS = [f"w{i}x" for i in range(400)]


def test_the_dense_share_is_even_for_keywords_and_larger_beyond():
    weights = [dense_weight(n) for n in range(0, 40)]
    assert weights[0] == weights[KEYWORDS] == KEYWORD_DENSE_WEIGHT == 0.5
    assert weights[KEYWORDS + 1] == weights[39] == DENSE_WEIGHT > KEYWORD_DENSE_WEIGHT
    assert all(a <= b for a, b in pairwise(weights))


def test_fuse_scales_every_candidate_by_the_basis_alone():
    rng = np.random.default_rng(1)
    lexical, dense = rng.normal(size=50).astype(np.float32), rng.normal(size=50).astype(np.float32)
    lexical[45] = -np.inf  # no query word: the lowest lexical z of all
    basis = np.zeros(50, dtype=bool)
    basis[:20] = True
    fused = fuse(lexical, dense, 0.6, basis)
    np.testing.assert_allclose(fused[:20], fuse(lexical[:20], dense[:20], 0.6), rtol=1e-5)
    z_lexical = (lexical - lexical[:20].mean()) / lexical[:20].std()
    z_dense = (dense - dense[:20].mean()) / dense[:20].std()
    assert fused[30] == pytest.approx(0.4 * z_lexical[30] + 0.6 * z_dense[30], rel=1e-5)
    floor = z_lexical[:20].min()
    assert fused[45] == pytest.approx(0.4 * floor + 0.6 * z_dense[45], rel=1e-5)


def test_fuse_of_sides_without_any_finite_score_is_neutral():
    nothing = np.full(5, -np.inf, dtype=np.float32)
    assert np.all(fuse(nothing, np.arange(5, dtype=np.float32), 0.5)[:-1]
                  < fuse(nothing, np.arange(5, dtype=np.float32), 0.5)[1:])


@pytest.fixture(scope="module")
def indexes():
    rng = np.random.default_rng(7)
    abstracts = [" ".join(rng.choice(WORDS, size=40)) for _ in range(3000)]
    lexical = LexicalIndex([text.pack_terms("", a, "") for a in abstracts])
    vectors = rng.normal(size=(3000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return lexical, DenseIndex([v.tobytes() for v in vectors]), vectors


@pytest.mark.parametrize("length", [3, 15, 30])
def test_the_head_of_a_deep_ranking_is_the_shallow_ranking(indexes, length):
    lexical, dense, vectors = indexes
    rng = np.random.default_rng(length)
    for _ in range(10):
        terms = text.terms(" ".join(rng.choice(WORDS, size=length)))
        query = vectors[rng.integers(3000)] + rng.normal(0, 0.05, 384).astype(np.float32)
        vector = partial(np.copy, query)
        shallow, shallow_scores = rank("hybrid", lexical, dense, terms, vector, CANDIDATES)
        deep, deep_scores = rank("hybrid", lexical, dense, terms, vector, 1000)
        assert len(deep) > len(shallow)
        # Same scores for the papers both hold, so the same order; the deep ranking may add
        # a paper from beyond either side's top 100 that beats them.
        deep_score = dict(zip(deep.tolist(), deep_scores.tolist(), strict=True))
        np.testing.assert_allclose([deep_score[r] for r in shallow.tolist()], shallow_scores,
                                   rtol=1e-5)
        assert len(np.intersect1d(deep[:10], shallow[:10])) >= 9


def test_a_long_query_leans_on_its_vector(indexes):
    lexical, dense, vectors = indexes
    rng = np.random.default_rng(3)
    short = text.terms(" ".join(rng.choice(WORDS, size=KEYWORDS)))
    long = text.terms(" ".join(rng.choice(WORDS, size=20)))
    for terms in (short, long):
        query = vectors[11]
        _, scores = rank("hybrid", lexical, dense, terms, partial(np.copy, query), CANDIDATES)
        lexical_scores = lexical.scores(terms)
        lexical_scores[lexical_scores <= 0] = -np.inf
        pool = np.union1d(top(lexical_scores, CANDIDATES), top(dense.scores(query), CANDIDATES))
        expected = fuse(lexical_scores[pool], dense.scores(query)[pool],
                        dense_weight(len(terms)))
        assert scores[0] == pytest.approx(expected.max(), rel=1e-5)


def test_top_breaks_ties_by_row_whatever_the_depth():
    order = np.random.default_rng(2).permutation(2000)
    scores = np.repeat(np.arange(50, dtype=np.float32), 40)[order]
    scores[::7] = -np.inf
    deepest = top(scores, 5000)
    assert len(deepest) == np.isfinite(scores).sum()
    for k in (1, 13, 40, 41, 100, 999):
        np.testing.assert_array_equal(top(scores, k), deepest[:k])
    mask = np.arange(2000) % 3 == 0
    assert set(top(scores, 30, mask).tolist()) <= set(np.flatnonzero(mask).tolist())
