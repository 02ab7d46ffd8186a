"""The search interface the CLI, web and mail call: `SearchEngine(db).search(...)`.

The engine keeps an in-process snapshot of the index built from what the store holds
(packed terms and vectors per paper; papers not yet indexed are tokenized on the fly) and
checks the store's change marker on every query, so it never shows a paper the store lacks
nor misses one it has. Vectors come from `paperboy index`; until a paper has one, it is
found lexically only.

On PostgreSQL there is no snapshot: the database ranks (search/database.py, store/pgsearch.py)
and the same fusion, filters, phrases and exclusions apply.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from paperboy.models import PaperRecord
from paperboy.search import text
from paperboy.search.database import lexical_top, rank_in_database
from paperboy.search.dense import DenseIndex
from paperboy.search.embed import MODEL_NAME, load_embedder
from paperboy.search.indexer import index_papers
from paperboy.search.lexical import LexicalIndex
from paperboy.search.query import Query, parse_query
from paperboy.search.rank import Encoder, Mode, rank, top
from paperboy.store import Database, papers, pgsearch
from paperboy.store import search as store

MAX_RESULTS = 1000  # ranked candidates kept for filtering and paging
log = logging.getLogger(__name__)
# A query's vector is computed here while the words are ranked (ONNX leaves the GIL).
_query_vectors = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query-vector")


@dataclass(frozen=True)
class Hit:
    paper: PaperRecord
    score: float


@dataclass(frozen=True)
class SearchResults:
    hits: list[Hit]
    total: int  # results available for paging (at most MAX_RESULTS)
    mode: Mode  # the mode actually used
    query: Query
    notes: tuple[str, ...] = ()
    redirect: str | None = None  # the query named this paper


@dataclass
class _Snapshot:
    marker: store.Marker
    paper_ids: npt.NDArray[np.int64]
    lexical: LexicalIndex
    dense: DenseIndex | None
    # Related papers found so far, (row, limit) -> (rows, scores): they change only with the
    # index, so they live and go with the snapshot (a paper page costs a lookup, not a scan).
    related: dict[tuple[int, int], tuple[list[int], list[float]]] = field(default_factory=dict)
    # The rows each set of filters lets through, for the same reason (a digest run's saved
    # searches share one date filter: reading it for each was most of their cost). The
    # least recently used go first.
    masks: OrderedDict[store.Filters, npt.NDArray[np.bool_]] = field(
        default_factory=OrderedDict)
    masks_lock: threading.Lock = field(default_factory=threading.Lock)


RELATED_CACHE = 50_000
MASK_CACHE = 64


class SearchEngine:
    def __init__(self, db: Database, use_model: bool = True) -> None:
        self.db = db
        self.use_model = use_model
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def search(self, query: str | Query, *, mode: Mode = "hybrid", limit: int = 20,
               offset: int = 0) -> SearchResults:
        parsed = parse_query(query) if isinstance(query, str) else query
        notes = list(parsed.notes)
        if parsed.arxiv_id:
            with self.db.engine.connect() as conn:
                paper = papers.get(conn, parsed.arxiv_id)
            if paper:
                return SearchResults([Hit(paper, 1.0)], 1, mode, parsed, redirect=paper.uid)
        ranked, mode = self._ranked(parsed, mode, notes)
        page = ranked[offset:offset + limit]
        with self.db.engine.connect() as conn:
            found = papers.get_by_ids(conn, [paper_id for paper_id, _ in page])
        hits = [Hit(found[paper_id], score) for paper_id, score in page if paper_id in found]
        return SearchResults(hits, len(ranked), mode, parsed, tuple(notes))

    def ranked_ids(self, query: str | Query, *, mode: Mode = "hybrid",
                   limit: int = MAX_RESULTS) -> list[int]:
        """The row ids of the papers `search` would find (its first `limit`), best first,
        without reading them; hidden papers among them are left in (`search` leaves them out
        when it reads the papers)."""
        parsed = parse_query(query) if isinstance(query, str) else query
        if parsed.arxiv_id:
            with self.db.engine.connect() as conn:
                paper = papers.get(conn, parsed.arxiv_id)
                if paper:
                    return [paper_id] if (paper_id := store.paper_id(conn, paper.uid)) else []
        ranked, _ = self._ranked(parsed, mode, list(parsed.notes))
        return [paper_id for paper_id, _ in ranked[:limit]]

    def _ranked(self, parsed: Query, mode: Mode, notes: list[str]
                ) -> tuple[list[tuple[int, float]], Mode]:
        """Every result (at most MAX_RESULTS) as (row id, score), best first, and the mode
        used."""
        if self.db.is_postgresql:
            ranked, mode = self._rank_in_database(parsed, mode, notes)
        else:
            ranked, mode = self._rank_in_process(parsed, mode, notes)
        return self._apply_text_filters(parsed, ranked), mode

    def _rank_in_process(self, parsed: Query, mode: Mode, notes: list[str]
                         ) -> tuple[list[tuple[int, float]], Mode]:
        snapshot = self._current()
        encode, mode, why = self._query_encoder(parsed.text, mode, snapshot.dense is not None)
        if why:
            notes.append(why)
        vector = _query_vectors.submit(encode).result if encode else None
        mask = self._mask(parsed, snapshot)
        if parsed.text:
            rows, scores = rank(mode, snapshot.lexical, snapshot.dense,
                                text.terms(parsed.text), vector, MAX_RESULTS, mask)
            ranked = [(int(snapshot.paper_ids[r]), float(s))
                      for r, s in zip(rows, scores, strict=True)]
        else:  # filters alone: newest first
            with self.db.engine.connect() as conn:
                ranked = [(i, 0.0) for i in store.newest_matching(conn, filters_of(parsed),
                                                                   MAX_RESULTS)]
        return ranked, mode

    def _rank_in_database(self, parsed: Query, mode: Mode, notes: list[str]
                          ) -> tuple[list[tuple[int, float]], Mode]:
        with self.db.engine.connect() as conn:
            if not parsed.text:
                return [(i, 0.0) for i in store.newest_matching(conn, filters_of(parsed),
                                                                 MAX_RESULTS)], mode
            have_vectors = pgsearch.any_embedding(conn, MODEL_NAME)
        encode, mode, why = self._query_encoder(parsed.text, mode, have_vectors)
        if why:
            notes.append(why)
        allowed = store.filtered_ids(filters_of(parsed)) if _has_filters(parsed) else None
        return rank_in_database(self.db.engine, mode, parsed.text, encode, allowed,
                                MAX_RESULTS), mode

    def related(self, uid: str, limit: int = 10) -> list[Hit]:
        """Papers nearest to one paper: by its vector when it has one, else by its words."""
        if self.db.is_postgresql:
            return self._related_in_database(uid, limit)
        snapshot = self._current()
        with self.db.engine.connect() as conn:
            paper_id = store.paper_id(conn, uid)
            paper = papers.get(conn, uid)
        if paper_id is None or paper is None:
            return []
        row = int(np.searchsorted(snapshot.paper_ids, paper_id))
        cached = snapshot.related.get((row, limit))
        if cached is None:
            cached = _nearest_rows(snapshot, row, paper, limit)
            if len(snapshot.related) < RELATED_CACHE:
                snapshot.related[(row, limit)] = cached
        rows, scores = cached
        ids = [int(snapshot.paper_ids[r]) for r in rows]
        with self.db.engine.connect() as conn:
            found = papers.get_by_ids(conn, ids)
        return [Hit(found[i], score) for i, score in zip(ids, scores, strict=True)
                if i in found]

    def _related_in_database(self, uid: str, limit: int) -> list[Hit]:
        with self.db.engine.connect() as conn:
            paper_id = store.paper_id(conn, uid)
            paper = papers.get(conn, uid)
            if paper_id is None or paper is None:
                return []
            vector = (pgsearch.embedding_of(conn, paper_id, model=MODEL_NAME)
                      if pgsearch.has_embeddings(conn) else None)
            if vector is not None:
                ranked = pgsearch.dense_top(conn, vector, None, limit, model=MODEL_NAME,
                                           exclude=paper_id)
            else:
                ranked = [(i, s) for i, s in lexical_top(conn, f"{paper.title} {paper.abstract}",
                                                         None, limit + 1)[1] if i != paper_id]
            found = papers.get_by_ids(conn, [i for i, _ in ranked[:limit]])
        return [Hit(found[i], score) for i, score in ranked[:limit] if i in found]

    def _query_encoder(self, query_text: str, mode: Mode, have_vectors: bool
                       ) -> tuple[Encoder | None, Mode, str | None]:
        """What computes the query's vector (None: lexical only), the mode that will be used,
        and why it is not the one asked for."""
        if mode == "bm25" or not query_text:
            return None, mode, None
        if not have_vectors:
            return None, "bm25", "no paper has an embedding yet (run `paperboy index`): " \
                                 "lexical ranking only"
        embedder, why = load_embedder() if self.use_model else (None, "model disabled")
        if embedder is None:
            return None, "bm25", f"{why}: lexical ranking only"
        return partial(embedder.encode_query, query_text), mode, None

    def _mask(self, query: Query, snapshot: _Snapshot) -> npt.NDArray[np.bool_] | None:
        """The snapshot rows that pass the query's filters (None: no filters)."""
        if not _has_filters(query):
            return None
        filters = filters_of(query)
        with snapshot.masks_lock:
            mask = snapshot.masks.get(filters)
            if mask is not None:
                snapshot.masks.move_to_end(filters)
                return mask
        with self.db.engine.connect() as conn:
            allowed = store.matching_ids(conn, filters)
        mask = np.isin(snapshot.paper_ids, np.fromiter(allowed, dtype=np.int64))
        with snapshot.masks_lock:
            snapshot.masks[filters] = mask
            if len(snapshot.masks) > MASK_CACHE:
                snapshot.masks.popitem(last=False)
        return mask

    def _apply_text_filters(self, query: Query, ranked: list[tuple[int, float]]
                            ) -> list[tuple[int, float]]:
        """Keep results containing every phrase and none of the excluded words."""
        if not (query.phrases or query.excluded):
            return ranked
        with self.db.engine.connect() as conn:
            bodies = {t.paper_id: text.fold(f"{t.title} {t.abstract} {t.authors}")
                      for t in store.texts(conn, [paper_id for paper_id, _ in ranked])}
        phrases = [text.fold(p) for p in query.phrases]
        excluded = [text.fold(e) for e in query.excluded]
        return [(paper_id, score) for paper_id, score in ranked
                if all(p in bodies.get(paper_id, "") for p in phrases)
                and not any(text.contains_word(bodies.get(paper_id, ""), e) for e in excluded)]

    def _current(self) -> _Snapshot:
        """The snapshot, rebuilt first if the store changed since it was taken."""
        with self._lock:
            with self.db.engine.connect() as conn:
                marker = store.marker(conn)
                if self._snapshot is not None and self._snapshot.marker == marker:
                    return self._snapshot
                if marker.papers > marker.indexed and self._store_missing_terms():
                    marker = store.marker(conn)  # read before the rows: never stale
                self._snapshot = _build(conn, marker)
            return self._snapshot


    def _store_missing_terms(self) -> bool:
        """Tokenize papers that have no stored terms yet and keep the result, so no process
        does it again. A store we cannot write to is fine: the snapshot tokenizes on the fly."""
        try:
            return index_papers(self.db, None).indexed > 0
        except SQLAlchemyError as exc:
            log.info("could not store search terms (%s); tokenizing in memory", exc)
            return False


def _has_filters(query: Query) -> bool:
    """Whether the query narrows by something other than words (exclusions come after)."""
    return bool(query.categories or query.authors or query.date_from or query.date_to
                or query.has_code)


def filters_of(query: Query) -> store.Filters:
    """The filters of a parsed query, as the store takes them."""
    return store.Filters(query.categories, query.authors, query.date_from, query.date_to,
                         query.has_code)


def _nearest_rows(snapshot: _Snapshot, row: int, paper: PaperRecord, limit: int
                  ) -> tuple[list[int], list[float]]:
    """The snapshot rows nearest to `row`: by its vector when it has one, else by its words."""
    if snapshot.dense is not None and snapshot.dense.present[row]:
        scores = snapshot.dense.scores(snapshot.dense.matrix[row])
    else:
        scores = snapshot.lexical.scores(text.terms(f"{paper.title} {paper.abstract}"))
    scores[row] = -np.inf
    rows = [int(r) for r in top(scores, limit)]
    return rows, [float(scores[r]) for r in rows]


def _build(conn: Connection, marker: store.Marker) -> _Snapshot:
    rows = store.index_rows(conn)
    missing = {r.paper_id for r in rows if r.terms is None}
    packed = {t.paper_id: text.pack_terms(t.title, t.abstract, t.authors)
              for t in store.texts(conn, missing)} if missing else {}
    blobs = [r.terms if r.terms is not None else packed[r.paper_id] for r in rows]
    vectors = [r.vector if r.model == MODEL_NAME else None for r in rows]
    dense = DenseIndex(vectors) if any(v is not None for v in vectors) else None
    return _Snapshot(marker, np.array([r.paper_id for r in rows], dtype=np.int64),
                     LexicalIndex(blobs), dense)
