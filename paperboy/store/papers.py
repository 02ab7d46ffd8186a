"""Papers in the store: upsert a batch of records, read them back as records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from paperboy.models import Author, PaperRecord, Version, merge
from paperboy.store.schema import paper_authors, paper_categories, paper_versions, papers

# Columns that mirror a PaperRecord field of the same name.
_SCALARS = (
    "uid", "arxiv_id", "title", "abstract", "authors_count", "version", "published", "updated",
    "announced", "listing_date", "comments", "journal_ref", "doi", "license", "abs_url",
    "pdf_url", "code_url", "project_url", "org", "upvotes", "num_comments", "submitted_by",
    "source",
)


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


def upsert(conn: Connection, records: Sequence[PaperRecord]) -> Counts:
    """Insert new papers and merge the rest into what is stored. Uids must be distinct."""
    now = datetime.now(UTC)
    stored = _load(conn, [r.uid for r in records])
    counts = Counts()
    inserts: list[PaperRecord] = []
    updates: list[tuple[int, PaperRecord]] = []
    for record in records:
        if record.uid not in stored:
            inserts.append(record)
            continue
        paper_id, old = stored[record.uid]
        merged = merge(old, record)
        if merged == old:
            counts.unchanged += 1
        else:
            updates.append((paper_id, merged))
    if inserts:
        rows = [_row(r) | {"created_at": now, "modified_at": now} for r in inserts]
        result = conn.execute(insert(papers).returning(papers.c.id, papers.c.uid), rows)
        ids = {uid: paper_id for paper_id, uid in result}
        _insert_children(conn, [(ids[r.uid], r) for r in inserts])
        counts.new = len(inserts)
    if updates:
        for paper_id, merged in updates:
            row = _row(merged) | {"modified_at": now}
            conn.execute(update(papers).where(papers.c.id == paper_id).values(**row))
        changed = [paper_id for paper_id, _ in updates]
        for table in (paper_authors, paper_categories, paper_versions):
            conn.execute(delete(table).where(table.c.paper_id.in_(changed)))
        _insert_children(conn, updates)
        counts.updated = len(updates)
    return counts


def get(conn: Connection, uid: str) -> PaperRecord | None:
    found = _load(conn, [uid])
    return found[uid][1] if uid in found else None


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(papers)).scalar_one())


def latest(conn: Connection, limit: int = 50) -> list[PaperRecord]:
    """The most recently listed, announced or published papers."""
    day = func.coalesce(papers.c.listing_date, papers.c.announced, func.date(papers.c.published))
    query = select(papers.c.uid).order_by(day.desc().nulls_last(), papers.c.id.desc()).limit(limit)
    uids = list(conn.execute(query).scalars())
    found = _load(conn, uids)
    return [found[uid][1] for uid in uids]


def _row(record: PaperRecord) -> dict[str, Any]:
    row = {name: getattr(record, name) for name in _SCALARS}
    row["primary_category"] = record.primary_category
    row["withdrawn"] = bool(record.withdrawn)
    return row


def _insert_children(conn: Connection, items: Iterable[tuple[int, PaperRecord]]) -> None:
    authors, categories, versions = [], [], []
    for paper_id, record in items:
        authors += [{"paper_id": paper_id, "position": i, "name": a.name,
                     "affiliation": a.affiliation} for i, a in enumerate(record.authors)]
        categories += [{"paper_id": paper_id, "position": i, "category": c}
                       for i, c in enumerate(record.categories)]
        versions += [{"paper_id": paper_id, "number": v.number, "created": v.created}
                     for v in record.versions]
    for table, rows in ((paper_authors, authors), (paper_categories, categories),
                        (paper_versions, versions)):
        if rows:
            conn.execute(insert(table), rows)


def _load(conn: Connection, uids: Sequence[str]) -> dict[str, tuple[int, PaperRecord]]:
    """Stored papers by uid, as (row id, record)."""
    if not uids:
        return {}
    rows = conn.execute(select(papers).where(papers.c.uid.in_(uids))).mappings().all()
    ids = [row["id"] for row in rows]
    authors: dict[int, list[Author]] = defaultdict(list)
    categories: dict[int, list[str]] = defaultdict(list)
    versions: dict[int, list[Version]] = defaultdict(list)
    if ids:
        for a in conn.execute(select(paper_authors).where(paper_authors.c.paper_id.in_(ids))
                              .order_by(paper_authors.c.paper_id, paper_authors.c.position)):
            authors[a.paper_id].append(Author(a.name, a.affiliation))
        for c in conn.execute(select(paper_categories)
                              .where(paper_categories.c.paper_id.in_(ids))
                              .order_by(paper_categories.c.paper_id, paper_categories.c.position)):
            categories[c.paper_id].append(c.category)
        for v in conn.execute(select(paper_versions).where(paper_versions.c.paper_id.in_(ids))
                              .order_by(paper_versions.c.paper_id, paper_versions.c.number)):
            versions[v.paper_id].append(Version(v.number, v.created))
    found = {}
    for row in rows:
        record = PaperRecord(
            **{name: row[name] for name in _SCALARS},
            withdrawn=row["withdrawn"],
            authors=tuple(authors[row["id"]]),
            categories=tuple(categories[row["id"]]),
            versions=tuple(versions[row["id"]]),
        )
        found[row["uid"]] = (row["id"], record)
    return found
