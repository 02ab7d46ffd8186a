"""Exact cosine search over unit vectors held in one float32 matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paperboy.search.embed import DIMENSIONS, Vectors
from paperboy.search.lexical import Scores


class DenseIndex:
    """Rows align with the lexical index; a row without a vector scores -inf."""

    def __init__(self, vectors: Sequence[bytes | None]) -> None:
        self.size = len(vectors)
        self.matrix: Vectors = np.zeros((self.size, DIMENSIONS), dtype=np.float32)
        self.present = np.zeros(self.size, dtype=bool)
        for row, blob in enumerate(vectors):
            if blob is not None:
                self.matrix[row] = np.frombuffer(blob, dtype=np.float32)
                self.present[row] = True

    @property
    def coverage(self) -> float:
        return float(self.present.mean()) if self.size else 0.0

    def scores(self, query: Vectors) -> Scores:
        result = self.matrix @ query.astype(np.float32)
        result[~self.present] = -np.inf
        return result
