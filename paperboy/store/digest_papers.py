"""Reads for digests and recommendations: the papers of a period, their embeddings, a user's
positives (upvoted or collected papers) and a random sample of other papers' embeddings."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, func, select, union

from paperboy.models import PaperRecord
from paperboy.ranking import Period
from paperboy.store import papers as store_papers
from paperboy.store.listings import LISTING_DAY
from paperboy.store.schema import collection_items, collections, paper_index, papers, votes

Matrix = npt.NDArray[np.float32]
_CHUNK = 5_000  # ids per IN (...) list


def in_period(conn: Connection, period: Period) -> dict[int, PaperRecord]:
    """Every visible paper listed in `period`, by row id (ascending)."""
    query = (select(papers.c.id).where(LISTING_DAY.between(period.first, period.last),
                                       papers.c.hidden_at.is_(None)).order_by(papers.c.id))
    ids = list(conn.execute(query).scalars())
    found: dict[int, PaperRecord] = {}
    for start in range(0, len(ids), _CHUNK):
        found |= store_papers.get_by_ids(conn, ids[start:start + _CHUNK])
    return {paper_id: found[paper_id] for paper_id in ids if paper_id in found}


def vectors(conn: Connection, paper_ids: Sequence[int]) -> dict[int, Matrix]:
    """The stored embedding of each paper that has one."""
    found: dict[int, Matrix] = {}
    for start in range(0, len(paper_ids), _CHUNK):
        query = select(paper_index.c.paper_id, paper_index.c.vector).where(
            paper_index.c.paper_id.in_(paper_ids[start:start + _CHUNK]),
            paper_index.c.vector.is_not(None))
        found |= {paper_id: np.frombuffer(blob, dtype=np.float32)
                  for paper_id, blob in conn.execute(query)}
    return found


def sample_vectors(conn: Connection, size: int) -> dict[int, Matrix]:
    """Embeddings of up to `size` papers picked at random (negatives for a classifier)."""
    query = (select(paper_index.c.paper_id, paper_index.c.vector)
             .where(paper_index.c.vector.is_not(None)).order_by(func.random()).limit(size))
    return {paper_id: np.frombuffer(blob, dtype=np.float32)
            for paper_id, blob in conn.execute(query)}


def positives(conn: Connection, user_id: int) -> list[int]:
    """Papers the user upvoted or put in one of their collections."""
    voted = select(votes.c.paper_id).where(votes.c.user_id == user_id)
    collected = (select(collection_items.c.paper_id)
                 .join(collections, collections.c.id == collection_items.c.collection_id)
                 .where(collections.c.user_id == user_id))
    return sorted(conn.execute(union(voted, collected)).scalars())


def categories_of(conn: Connection, paper_ids: Sequence[int]) -> list[str]:
    """The primary categories of these papers (repeats kept: they weigh a cold start)."""
    if not paper_ids:
        return []
    query = select(papers.c.primary_category).where(papers.c.id.in_(paper_ids[:_CHUNK]),
                                                    papers.c.primary_category.is_not(None))
    return list(conn.execute(query).scalars())
