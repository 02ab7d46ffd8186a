"""BM25F in process: field-weighted term counts in a sparse matrix, scored with numpy.

Built from the packed terms the store keeps per paper, so no process tokenizes the corpus;
a long natural-language query costs a few milliseconds at 100,000 papers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from paperboy.search.text import unpack_terms

Scores = npt.NDArray[np.float32]


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    weights: tuple[float, float, float] = (3.0, 1.0, 0.5)  # title, abstract, authors


class LexicalIndex:
    """Rows are documents (in the order given), columns distinct term hashes."""

    def __init__(self, blobs: Sequence[bytes], params: BM25Params = BM25Params()) -> None:
        self.params = params
        self.size = len(blobs)
        rows, hashes, tf, doc_length = _postings(blobs, params)
        average = float(doc_length.mean()) if self.size else 1.0
        # Term frequencies saturated once here, so a query only adds precomputed numbers.
        saturated = _saturated(tf, doc_length[rows], average, params)
        # One sort by term groups each term's postings (its rows stay in order: stable).
        order = np.argsort(hashes, kind="stable")
        sorted_hashes = hashes[order]
        firsts = np.flatnonzero(np.diff(sorted_hashes, prepend=np.int64(-1)))
        self.starts = np.append(firsts, len(sorted_hashes)).astype(np.int64)
        self.terms = sorted_hashes[firsts]
        self.rows = rows[order]
        self.weights = saturated[order].astype(np.float32)
        df = np.diff(self.starts).astype(np.float64)
        self.idf = idf(self.size, df).astype(np.float32)

    def scores(self, query_terms: Sequence[int]) -> Scores:
        """BM25F score of every document for a query (hashed terms; repeats count again)."""
        total = np.zeros(self.size, dtype=np.float32)
        if not query_terms or not len(self.terms):
            return total
        wanted = np.asarray(query_terms, dtype=np.uint32)
        at = np.searchsorted(self.terms, wanted)
        at = at[(at < len(self.terms)) & (self.terms[np.minimum(at, len(self.terms) - 1)]
                                          == wanted)]
        for column in at:
            start, end = self.starts[column], self.starts[column + 1]
            total[self.rows[start:end]] += self.idf[column] * self.weights[start:end]
        return total


def idf(documents: float, holding: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64]:
    """BM25's inverse document frequency of a term `holding` of `documents` papers hold."""
    return np.log(1 + (documents - np.asarray(holding, dtype=np.float64) + 0.5)
                  / (np.asarray(holding, dtype=np.float64) + 0.5))


def scores_of(blobs: Sequence[bytes], query: dict[int, float], average_length: float,
              params: BM25Params = BM25Params()) -> Scores:
    """BM25F of a few documents given by their packed terms, for query terms weighted
    elsewhere (term hash -> idf times how often the query says it): what `LexicalIndex`
    scores, with the corpus statistics of a database that does not hold the index."""
    rows, hashes, tf, doc_length = _postings(blobs, params)
    wanted = np.array(sorted(query), dtype=np.uint32)
    if not len(wanted) or not len(hashes):
        return np.zeros(len(blobs), dtype=np.float32)
    at = np.minimum(np.searchsorted(wanted, hashes), len(wanted) - 1)
    hit = wanted[at] == hashes
    term_weights = np.array([query[int(h)] for h in wanted], dtype=np.float32)
    parts = term_weights[at[hit]] * _saturated(tf[hit], doc_length[rows[hit]], average_length,
                                               params)
    return np.bincount(rows[hit], weights=parts, minlength=len(blobs)).astype(np.float32)


def average_length(blobs: Sequence[bytes], params: BM25Params = BM25Params()) -> float:
    """The mean length of documents as BM25F counts it (terms weighted by field)."""
    return float(_postings(blobs, params)[3].mean()) if blobs else 1.0


def _postings(blobs: Sequence[bytes], params: BM25Params) -> tuple[
        npt.NDArray[np.int32], npt.NDArray[np.uint32], npt.NDArray[np.float32],
        npt.NDArray[np.float32]]:
    """Every (document row, term hash, field-weighted count) of packed documents, and each
    document's length."""
    unpacked = [unpack_terms(blob) for blob in blobs]
    lengths = np.array([len(h) for h, _ in unpacked], dtype=np.int64)
    hashes = np.concatenate([h for h, _ in unpacked]) if blobs else np.zeros(0, np.uint32)
    counts = (np.concatenate([c for _, c in unpacked]) if blobs
              else np.zeros((0, 3), np.uint8)).astype(np.float32)
    rows = np.repeat(np.arange(len(blobs), dtype=np.int32), lengths)
    tf = counts @ np.asarray(params.weights, dtype=np.float32)
    keep = tf > 0
    rows, hashes, tf = rows[keep], hashes[keep], tf[keep]
    doc_length = np.bincount(rows, weights=tf, minlength=len(blobs)).astype(np.float32)
    return rows, hashes, tf, doc_length


def _saturated(tf: npt.NDArray[np.float32], length: npt.NDArray[np.float32] | float,
               average: float, params: BM25Params) -> npt.NDArray[np.float32]:
    norm = params.k1 * (1 - params.b + params.b * np.asarray(length) / max(average, 1e-9))
    saturated: npt.NDArray[np.float32] = (tf * (params.k1 + 1) / (tf + norm)).astype(np.float32)
    return saturated
