"""Recommendations for one user among some candidate papers: their classifier when they have
papers of their own with embeddings, else the cold start (their categories, then trending)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

import numpy as np
from sqlalchemy import Connection
from threadpoolctl import threadpool_limits

from paperboy import ranking
from paperboy.models import PaperRecord
from paperboy.search.embed import MODEL_NAME
from paperboy.store import Database, digest_papers, listings, subscriptions

NEGATIVES = 1000  # papers sampled once per run as the "not theirs" class


@dataclass
class Negatives:
    """A random sample of embeddings, drawn once and shared by every user of a run."""

    vectors: dict[int, ranking.Matrix] | None = field(default=None)

    def get(self, conn: Connection) -> dict[int, ranking.Matrix]:
        if self.vectors is None:
            self.vectors = digest_papers.sample_vectors(conn, NEGATIVES, MODEL_NAME)
        return self.vectors


@dataclass(frozen=True)
class Recommendations:
    paper_ids: list[int]
    cold: bool  # from categories and trending, not from the user's own papers


@dataclass
class Shared:
    """Candidate papers (by row id, with their trending order) and what every reader's
    recommendations among them share: the negatives, the candidates' embeddings and the cold
    start's order for each mix of liked categories, each computed once."""

    papers: Mapping[int, PaperRecord]
    trending: Sequence[int]
    negatives: Negatives
    _vectors: dict[int, ranking.Matrix] | None = None
    _cold: dict[tuple[tuple[str, int], ...], list[int]] = field(default_factory=dict)

    def vectors(self, conn: Connection) -> dict[int, ranking.Matrix]:
        if self._vectors is None:
            self._vectors = digest_papers.vectors(conn, list(self.papers), MODEL_NAME)
        return self._vectors

    def cold_order(self, liked: Sequence[str]) -> list[int]:
        """Every candidate in cold-start order for these liked categories. A reader's own
        cold start is this order less the papers left out for them: leaving papers out
        changes neither the category weights nor the trending order of the others."""
        key = tuple(sorted(Counter(liked).items()))
        if key not in self._cold:
            self._cold[key] = ranking.cold_start(
                [(k, p.categories) for k, p in self.papers.items()], liked, self.trending,
                len(self.papers))
        return self._cold[key]


def recommend(conn: Connection, own: AbstractSet[int], among: Shared,
              liked_categories: Sequence[str], limit: int,
              allowed: Container[int] | None = None) -> Recommendations:
    """The `limit` candidates (of those `allowed`, when given) that a user whose own papers
    (upvoted or collected) are `own` is most likely to want, best first; never their own."""

    def wanted(key: int) -> bool:
        return key not in own and (allowed is None or key in allowed)

    own_vectors = digest_papers.vectors(conn, sorted(own), MODEL_NAME) if own else {}
    others = ({k: v for k, v in among.negatives.get(conn).items() if k not in own}
              if own_vectors else {})
    if own_vectors and others:
        # One BLAS thread: for a 385-wide fit, threads cost more than they give (10x slower
        # on a busy two-core machine).
        with threadpool_limits(1):
            model = ranking.fit_preferences(np.stack(list(own_vectors.values())),
                                            np.stack(list(others.values())))
        found = among.vectors(conn)
        scored = [key for key in among.papers if key in found and wanted(key)]
        matrix = (np.stack([found[k] for k in scored]) if scored
                  else np.zeros((0, 1), dtype=np.float32))
        return Recommendations(ranking.recommend(model, scored, matrix, limit), cold=False)
    liked = [*liked_categories, *digest_papers.categories_of(conn, sorted(own))]
    picked = islice((key for key in among.cold_order(liked) if wanted(key)), limit)
    return Recommendations(list(picked), cold=True)


FOR_YOU_DAYS = 7


def for_you(db: Database, user_id: int, now: datetime, limit: int = 30
            ) -> tuple[list[PaperRecord], bool]:
    """The "For you" page: recommendations among the papers of the latest week that has any
    (and whether they come from the cold start)."""
    with db.engine.connect() as conn:
        period = listings.recent(conn, FOR_YOU_DAYS)
        if period is None:
            return [], True
        candidates = digest_papers.in_period(conn, period)
        hot = ranking.trending_order(((k, p.upvotes or 0, ranking.listing_day(p), p.published)
                                      for k, p in candidates.items()),
                                     ranking.trending_moment(period, now))
        liked = [s.value for s in subscriptions.for_user(conn, user_id) if s.kind == "category"]
        own = set(digest_papers.positives(conn, user_id))
        found = recommend(conn, own, Shared(candidates, hot, Negatives()), liked, limit)
    return [candidates[key] for key in found.paper_ids], found.cold
