"""Recommendations for one user among some candidate papers: their classifier when they have
papers of their own with embeddings, else the cold start (their categories, then trending)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

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


def recommend(conn: Connection, user_id: int, candidates: Mapping[int, PaperRecord],
              trending: Sequence[int], liked_categories: Sequence[str], limit: int,
              negatives: Negatives) -> Recommendations:
    """The `limit` candidates this user is most likely to want, best first (never papers they
    already upvoted or collected)."""
    own = set(digest_papers.positives(conn, user_id))
    keys = [key for key in candidates if key not in own]
    own_vectors = digest_papers.vectors(conn, sorted(own), MODEL_NAME) if own else {}
    others = {k: v for k, v in negatives.get(conn).items() if k not in own} if own_vectors else {}
    if own_vectors and others:
        # One BLAS thread: for a 385-wide fit, threads cost more than they give (10x slower
        # on a busy two-core machine).
        with threadpool_limits(1):
            model = ranking.fit_preferences(np.stack(list(own_vectors.values())),
                                            np.stack(list(others.values())))
        found = digest_papers.vectors(conn, keys, MODEL_NAME)
        scored = [key for key in keys if key in found]
        matrix = (np.stack([found[k] for k in scored]) if scored
                  else np.zeros((0, 1), dtype=np.float32))
        return Recommendations(ranking.recommend(model, scored, matrix, limit), cold=False)
    liked = [*liked_categories, *digest_papers.categories_of(conn, sorted(own))]
    pool = [(key, candidates[key].categories) for key in keys]
    hot = [key for key in trending if key not in own]
    return Recommendations(ranking.cold_start(pool, liked, hot, limit), cold=True)


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
        found = recommend(conn, user_id, candidates, hot, liked, limit, Negatives())
    return [candidates[key] for key in found.paper_ids], found.cold
