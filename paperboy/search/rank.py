"""Ranking over the in-process indexes, shared by the engine and the evaluation harness.

`rank` returns row numbers and scores, best first. Hybrid fuses the two rankings' top
candidates with a convex mix of z-scored scores, leaning on the dense side beyond keywords.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from paperboy.search.dense import DenseIndex
from paperboy.search.embed import Vectors
from paperboy.search.lexical import LexicalIndex, Scores

Mode = Literal["bm25", "dense", "hybrid"]
MODES: tuple[Mode, ...] = ("bm25", "dense", "hybrid")
Rows = npt.NDArray[np.int64]
Encoder = Callable[[], Vectors]  # the query's vector, computed (or awaited) when called

CANDIDATES = 100  # from each ranking: their union sets the scale of hybrid fusion
# The dense side's share of a hybrid score: the even mix for keyword queries (up to KEYWORDS
# terms, stop words aside), where exact words are most of the meaning, and more for anything
# longer (titles, sentences), where the adapted embedding reads the words in context. Tuned
# on the seed dev sets, checked on held-out ones (docs/search-quality.md, "Fusion").
KEYWORD_DENSE_WEIGHT, DENSE_WEIGHT, KEYWORDS = 0.5, 0.6, 3


def dense_weight(term_count: int) -> float:
    """The dense side's share of the hybrid score for a query of `term_count` terms."""
    return KEYWORD_DENSE_WEIGHT if term_count <= KEYWORDS else DENSE_WEIGHT


def top(scores: Scores, k: int, mask: npt.NDArray[np.bool_] | None = None) -> Rows:
    """Rows of the k best finite scores, best first (ties: lower row first)."""
    if mask is not None:
        scores = np.where(mask, scores, -np.inf).astype(np.float32)
    finite = np.isfinite(scores)
    k = min(k, int(finite.sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < len(scores):
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        above = np.flatnonzero(scores > kth)  # then the lowest rows of those tied at the k-th
        part = np.concatenate([above, np.flatnonzero(scores == kth)[:k - len(above)]])
    else:
        part = np.flatnonzero(finite)
    return part[np.lexsort((part, -scores[part]))].astype(np.int64)


def rank(mode: Mode, lexical: LexicalIndex, dense: DenseIndex | None,
         terms: Sequence[int], vector: Encoder | None, depth: int,
         mask: npt.NDArray[np.bool_] | None = None) -> tuple[Rows, Scores]:
    """The query's vector is asked for only after the lexical side is done, so the caller
    may compute it meanwhile."""
    if mode == "dense":
        if dense is None or vector is None:
            raise ValueError("dense ranking needs vectors")
        scores = dense.scores(vector())
        rows = top(scores, depth, mask)
        return rows, scores[rows]
    lexical_scores = lexical.scores(terms)
    lexical_scores[lexical_scores <= 0] = -np.inf  # no query term at all: not a match
    if mode == "bm25" or dense is None or vector is None:
        rows = top(lexical_scores, depth, mask)
        return rows, lexical_scores[rows]
    dense_scores = dense.scores(vector())
    deep = max(depth, CANDIDATES)
    lexical_top, dense_top = top(lexical_scores, deep, mask), top(dense_scores, deep, mask)
    candidates = np.union1d(lexical_top, dense_top)
    # The scale comes from each side's top CANDIDATES whatever the depth, so a deep page
    # (the engine ranks 1000) orders its first results as evaluation measured them.
    basis = np.isin(candidates, np.union1d(lexical_top[:CANDIDATES], dense_top[:CANDIDATES]))
    fused = fuse(lexical_scores[candidates], dense_scores[candidates],
                 dense_weight(len(terms)), basis)
    order = np.lexsort((candidates, -fused))[:depth]
    return candidates[order], fused[order]


def fuse(lexical: Scores, dense: Scores, weight: float = DENSE_WEIGHT,
         basis: npt.NDArray[np.bool_] | None = None) -> Scores:
    """Convex mix of the two score lists (`weight` the dense side's share), each z-scored by
    the mean and spread of the `basis` candidates (default: all).

    z-scores keep how far a candidate stands out from the rest, which min-max scaling
    throws away (measured: +0.5 to +2 nDCG@10 points on every dev and held-out set).
    A candidate with no lexical match at all gets the lowest lexical z of the basis.
    """
    basis = np.ones(len(lexical), dtype=bool) if basis is None else basis
    return ((1 - weight) * _standardised(lexical, basis) + weight * _standardised(dense, basis)
            ).astype(np.float32)


def _standardised(scores: Scores, basis: npt.NDArray[np.bool_]) -> Scores:
    finite = np.isfinite(scores)
    values = scores[finite & basis]
    if not len(values):
        return np.zeros_like(scores)
    spread = float(values.std()) or 1.0
    z = (scores - values.mean()) / spread
    standardised: Scores = np.where(finite, z, z[finite & basis].min()).astype(np.float32)
    return standardised
