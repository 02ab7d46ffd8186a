"""Papers in the store: upsert a batch of records, read them back as records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from paperboy.models import Author, PaperRecord, Version, merge
from paperboy.store import pgcopy
from paperboy.store.dialect import utc_day
from paperboy.store.schema import paper_categories, paper_index, papers

# Columns that mirror a PaperRecord field of the same name.
_SCALARS = (
    "uid", "arxiv_id", "title", "abstract", "authors_count", "version", "published", "updated",
    "announced", "listing_date", "comments", "journal_ref", "doi", "license", "abs_url",
    "pdf_url", "code_url", "project_url", "org", "upvotes", "num_comments", "submitted_by",
    "source",
)
_TEXT_COLUMNS = frozenset({"title", "abstract", "authors"})  # the search index's input


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def add(self, other: Counts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected}


# Papers per round of statements: their uids and ids go in IN lists, and PostgreSQL takes at
# most 65,535 parameters a statement (SQLite 32,766).
UPSERT_BATCH = 5_000


def upsert(conn: Connection, records: Sequence[PaperRecord]) -> Counts:
    """Insert new papers and merge the rest into what is stored. Uids must be distinct."""
    counts = Counts()
    for start in range(0, len(records), UPSERT_BATCH):
        counts.add(_upsert(conn, records[start:start + UPSERT_BATCH]))
    return counts


def _upsert(conn: Connection, records: Sequence[PaperRecord]) -> Counts:
    now = datetime.now(UTC)
    stored = _load(conn, [r.uid for r in records])
    counts = Counts()
    inserts: list[PaperRecord] = []
    updates: list[tuple[int, PaperRecord]] = []
    rewritten: list[int] = []  # papers whose text changed: their search index rows go
    for record in records:
        if record.uid not in stored:
            inserts.append(record)
            continue
        paper_id, old = stored[record.uid]
        merged = merge(old, record)
        if merged == old:
            counts.unchanged += 1
            continue
        updates.append((paper_id, merged))
        if _text(merged) != _text(old):
            rewritten.append(paper_id)
    if inserts:
        _insert(conn, inserts, now)
        counts.new = len(inserts)
    if updates:
        _update(conn, updates, set(rewritten), now)
        conn.execute(delete(paper_index).where(paper_index.c.paper_id.in_(rewritten)))
        counts.updated = len(updates)
    return counts


def _text(record: PaperRecord) -> tuple[object, ...]:
    """What search derives a paper's index from."""
    return record.title, record.abstract, record.authors


def _insert(conn: Connection, records: Sequence[PaperRecord], now: datetime) -> None:
    rows = [_row(r) | {"created_at": now, "modified_at": now} for r in records]
    if conn.dialect.name == "postgresql":
        for row, paper_id in zip(rows, pgcopy.next_ids(conn, papers, len(rows)), strict=True):
            row["id"] = paper_id
        pgcopy.copy_rows(conn, papers, list(rows[0]), rows)
        ids = [row["id"] for row in rows]
    else:
        result = conn.execute(insert(papers).returning(papers.c.id, papers.c.uid), rows)
        by_uid = {uid: paper_id for paper_id, uid in result}
        ids = [by_uid[r.uid] for r in records]
    _insert_categories(conn, zip(ids, records, strict=True))


def _update(conn: Connection, updates: Sequence[tuple[int, PaperRecord]], rewritten: set[int],
            now: datetime) -> None:
    """Write merged records over their rows, the text columns only where the text changed
    (on PostgreSQL, setting them recomputes the paper's tsvector)."""
    rows = [_row(merged) | {"modified_at": now, "_id": paper_id} for paper_id, merged in updates]
    for text_changed in (True, False):
        chosen = [row for row in rows if (row["_id"] in rewritten) is text_changed]
        if not chosen:
            continue
        names = [name for name in chosen[0] if name != "_id"
                 and (text_changed or name not in _TEXT_COLUMNS)]
        # executemany: the SET clause is every key but "_id"
        conn.execute(update(papers).where(papers.c.id == bindparam("_id")),
                     [{name: row[name] for name in (*names, "_id")} for row in chosen])
    changed = [paper_id for paper_id, _ in updates]
    conn.execute(delete(paper_categories).where(paper_categories.c.paper_id.in_(changed)))
    _insert_categories(conn, updates)


# Reads for readers (`get`, `get_many`, `get_by_ids`, `latest`) leave hidden papers out and
# count this hub's own upvotes and comments in; the upsert path sees the stored record as is.

def get(conn: Connection, uid: str) -> PaperRecord | None:
    found = _load(conn, [uid], for_readers=True)
    return found[uid][1] if uid in found else None


def get_many(conn: Connection, uids: Sequence[str]) -> list[PaperRecord]:
    """Papers by uid, in the order given (uids not found are left out)."""
    found = _load(conn, uids, for_readers=True)
    return [found[uid][1] for uid in uids if uid in found]


def get_by_ids(conn: Connection, paper_ids: Sequence[int]) -> dict[int, PaperRecord]:
    """Papers by row id (ids not found are left out)."""
    if not paper_ids:
        return {}
    found = _load_where(conn, papers.c.id.in_(paper_ids), for_readers=True)
    return dict(found.values())


def row_id(conn: Connection, uid: str, *, hidden_too: bool = False) -> int | None:
    """The row id of a paper (None: no such paper, or hidden unless `hidden_too`)."""
    query = select(papers.c.id).where(papers.c.uid == uid)
    if not hidden_too:
        query = query.where(papers.c.hidden_at.is_(None))
    found: int | None = conn.execute(query).scalar()
    return found


def uid_of(conn: Connection, paper_id: int) -> str:
    uid: str = conn.execute(select(papers.c.uid).where(papers.c.id == paper_id)).scalar_one()
    return uid


def set_hidden(conn: Connection, paper_id: int, hidden: bool) -> None:
    """Hide a paper from listings, search and feeds, or show it again (an admin's call)."""
    conn.execute(update(papers).where(papers.c.id == paper_id).values(
        hidden_at=datetime.now(UTC) if hidden else None))


def hidden(conn: Connection) -> list[PaperRecord]:
    """The papers admins have hidden, most recently hidden first."""
    uids = list(conn.execute(select(papers.c.uid).where(papers.c.hidden_at.is_not(None))
                             .order_by(papers.c.hidden_at.desc())).scalars())
    found = _load(conn, uids)
    return [found[uid][1] for uid in uids]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(papers)).scalar_one())


def latest(conn: Connection, limit: int = 50) -> list[PaperRecord]:
    """The most recently listed, announced or published papers."""
    day = func.coalesce(papers.c.listing_date, papers.c.announced, utc_day(papers.c.published))
    query = (select(papers.c.uid).where(papers.c.hidden_at.is_(None))
             .order_by(day.desc().nulls_last(), papers.c.id.desc()).limit(limit))
    uids = list(conn.execute(query).scalars())
    found = _load(conn, uids, for_readers=True)
    return [found[uid][1] for uid in uids]


def _row(record: PaperRecord) -> dict[str, Any]:
    row = {name: getattr(record, name) for name in _SCALARS}
    row["primary_category"] = record.primary_category
    row["withdrawn"] = bool(record.withdrawn)
    row["authors"] = orjson.dumps([[a.name, a.affiliation] for a in record.authors]).decode()
    row["versions"] = orjson.dumps([[v.number, v.created.isoformat()]
                                    for v in record.versions]).decode()
    return row


def _record(row: Any, categories: Sequence[str], for_readers: bool = False) -> PaperRecord:
    values = {name: row[name] for name in _SCALARS}
    if for_readers:
        for name, local in (("upvotes", "local_upvotes"), ("num_comments", "local_comments")):
            if row[local]:
                values[name] = (values[name] or 0) + row[local]
    return PaperRecord(
        **values,
        withdrawn=row["withdrawn"],
        authors=tuple(Author(name, affiliation)
                      for name, affiliation in orjson.loads(row["authors"])),
        versions=tuple(Version(number, datetime.fromisoformat(created))
                       for number, created in orjson.loads(row["versions"])),
        categories=tuple(categories),
    )


def _insert_categories(conn: Connection, items: Iterable[tuple[int, PaperRecord]]) -> None:
    rows = [{"paper_id": paper_id, "position": i, "category": c}
            for paper_id, record in items for i, c in enumerate(record.categories)]
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        pgcopy.copy_rows(conn, paper_categories, ["paper_id", "position", "category"], rows)
    else:
        conn.execute(insert(paper_categories), rows)


def _load(conn: Connection, uids: Sequence[str], for_readers: bool = False
          ) -> dict[str, tuple[int, PaperRecord]]:
    """Stored papers by uid, as (row id, record)."""
    return _load_where(conn, papers.c.uid.in_(uids), for_readers) if uids else {}


def _load_where(conn: Connection, condition: ColumnElement[bool], for_readers: bool = False
                ) -> dict[str, tuple[int, PaperRecord]]:
    if for_readers:
        condition = condition & papers.c.hidden_at.is_(None)
    rows = conn.execute(select(papers).where(condition)).mappings().all()
    categories: dict[int, list[str]] = defaultdict(list)
    if rows:
        query = (select(paper_categories.c.paper_id, paper_categories.c.category)
                 .where(paper_categories.c.paper_id.in_([row["id"] for row in rows]))
                 .order_by(paper_categories.c.paper_id, paper_categories.c.position))
        for paper_id, category in conn.execute(query):
            categories[paper_id].append(category)
    return {row["uid"]: (row["id"], _record(row, categories[row["id"]], for_readers))
            for row in rows}
