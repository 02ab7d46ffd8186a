"""Reads for digests and recommendations: the papers of a period and when the hub received
them, their embeddings, a user's positives (upvoted or collected papers) and a random sample of
other papers' embeddings.

Embeddings are float32 bytes in `paper_index.vector` on SQLite and a pgvector column
`paper_index.embedding` on PostgreSQL (see pgsearch.py); `_vector_column` picks the one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, func, select, union
from sqlalchemy.sql.elements import ColumnElement

from paperboy.models import PaperRecord
from paperboy.ranking import Period
from paperboy.store import papers as store_papers
from paperboy.store import pgsearch
from paperboy.store.listings import LISTING_DAY
from paperboy.store.schema import collection_items, collections, paper_index, papers, votes

Matrix = npt.NDArray[np.float32]
_CHUNK = 5_000  # ids per IN (...) list
_pg_index = pgsearch.EMBEDDINGS


def in_period(conn: Connection, period: Period) -> dict[int, PaperRecord]:
    """Every visible paper listed in `period`, by row id (ascending)."""
    query = (select(papers.c.id).where(LISTING_DAY.between(period.first, period.last),
                                       papers.c.hidden_at.is_(None)).order_by(papers.c.id))
    ids = list(conn.execute(query).scalars())
    found: dict[int, PaperRecord] = {}
    for start in range(0, len(ids), _CHUNK):
        found |= store_papers.get_by_ids(conn, ids[start:start + _CHUNK])
    return {paper_id: found[paper_id] for paper_id in ids if paper_id in found}


def received(conn: Connection, paper_ids: Sequence[int]) -> dict[int, datetime]:
    """When the hub first stored each paper (its row's creation: an update leaves it)."""
    found: dict[int, datetime] = {}
    for start in range(0, len(paper_ids), _CHUNK):
        query = select(papers.c.id, papers.c.created_at).where(
            papers.c.id.in_(paper_ids[start:start + _CHUNK]))
        found |= {paper_id: created for paper_id, created in conn.execute(query)}
    return found


def vectors(conn: Connection, paper_ids: Sequence[int], model: str) -> dict[int, Matrix]:
    """The stored embedding by `model` of each paper that has one (another model's vectors,
    left from before a model change, are not comparable)."""
    key, vector, by = _vector_column(conn)
    if vector is None:
        return {}
    found: dict[int, Matrix] = {}
    for start in range(0, len(paper_ids), _CHUNK):
        query = select(key, vector).where(key.in_(paper_ids[start:start + _CHUNK]),
                                          vector.is_not(None), by == model)
        found |= {paper_id: _array(value) for paper_id, value in conn.execute(query)}
    return found


def sample_vectors(conn: Connection, size: int, model: str) -> dict[int, Matrix]:
    """Embeddings by `model` of up to `size` papers picked at random (negatives for a
    classifier)."""
    key, vector, by = _vector_column(conn)
    if vector is None:
        return {}
    query = (select(key, vector).where(vector.is_not(None), by == model)
             .order_by(func.random()).limit(size))
    return {paper_id: _array(value) for paper_id, value in conn.execute(query)}


def _vector_column(conn: Connection) -> tuple[ColumnElement[int], ColumnElement[object] | None,
                                              ColumnElement[str]]:
    """The paper id, embedding and model columns of this backend's index table."""
    if conn.dialect.name != "postgresql":
        return paper_index.c.paper_id, paper_index.c.vector, paper_index.c.model
    if not pgsearch.has_embeddings(conn):  # lexical-only mode: no vectors at all
        return _pg_index.c.paper_id, None, _pg_index.c.model
    return _pg_index.c.paper_id, _pg_index.c.embedding, _pg_index.c.model


def _array(value: object) -> Matrix:
    if isinstance(value, bytes | bytearray | memoryview):
        return np.frombuffer(value, dtype=np.float32)
    return np.asarray(value, dtype=np.float32)


def positives(conn: Connection, user_id: int) -> list[int]:
    """Papers the user upvoted or put in one of their collections."""
    return sorted(positives_of(conn, [user_id]).get(user_id, ()))


def positives_of(conn: Connection, user_ids: Iterable[int]) -> dict[int, set[int]]:
    """`positives` of several users at once (users with none left out)."""
    wanted = list(user_ids)
    voted = select(votes.c.user_id, votes.c.paper_id).where(votes.c.user_id.in_(wanted))
    collected = (select(collections.c.user_id, collection_items.c.paper_id)
                 .join(collections, collections.c.id == collection_items.c.collection_id)
                 .where(collections.c.user_id.in_(wanted)))
    found: dict[int, set[int]] = {}
    for user_id, paper_id in conn.execute(union(voted, collected)):
        found.setdefault(user_id, set()).add(paper_id)
    return found


def categories_of(conn: Connection, paper_ids: Sequence[int]) -> list[str]:
    """The primary categories of these papers (repeats kept: they weigh a cold start)."""
    if not paper_ids:
        return []
    query = select(papers.c.primary_category).where(papers.c.id.in_(paper_ids[:_CHUNK]),
                                                    papers.c.primary_category.is_not(None))
    return list(conn.execute(query).scalars())
