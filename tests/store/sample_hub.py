"""A hub with rows in every table, written through the store's own functions, for the copy
and backup tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import select

from paperboy.models import Author, PaperRecord, Version
from paperboy.search.text import pack_terms
from paperboy.store import (
    collections,
    comments,
    deliveries,
    digests,
    jobs,
    limits,
    papers,
    reads,
    runs,
    schema,
    search,
    subscriptions,
    tokens,
    users,
    votes,
)
from paperboy.store.db import Database
from paperboy.store.portable import hub_tables

NOW = datetime(2026, 11, 24, 8, 30, 15, 123456, tzinfo=UTC)


def record(number: int) -> PaperRecord:
    uid = f"2411.{number:05d}"
    published = NOW - timedelta(days=number % 40, seconds=number)
    return PaperRecord(
        uid=uid, arxiv_id=uid, title=f"Paper {number}: caches, “quotes” and ünïcode",
        abstract=f"Abstract {number} " + "long context " * 20,
        authors=(Author(f"Ada {number}", "Lab"), Author("Bob")),
        categories=("cs.CL", "cs.LG") if number % 2 else ("cs.AI",),
        version=2, versions=(Version(1, published), Version(2, published + timedelta(days=1))),
        published=published, updated=published + timedelta(days=1),
        announced=date(2026, 11, 1) + timedelta(days=number % 20),
        withdrawn=number % 7 == 0, upvotes=number % 13, source="jsonl")


def add_papers(db: Database, first: int, count: int, with_vectors: bool = True) -> None:
    generator = np.random.default_rng(first)
    with db.engine.begin() as conn:
        papers.upsert(conn, [record(n) for n in range(first, first + count)])
        entries = []
        for number in range(first, first + count):
            paper_id = papers.row_id(conn, f"2411.{number:05d}")
            assert paper_id is not None
            vector = generator.standard_normal(384).astype(np.float32) if with_vectors else None
            modified = conn.execute(select(schema.papers.c.modified_at)
                                    .where(schema.papers.c.id == paper_id)).scalar_one()
            paper = record(number)
            terms = pack_terms(paper.title, paper.abstract, "Ada Bob")
            entries.append(search.IndexEntry(paper_id, modified, terms,
                                             "minilm" if with_vectors else None,
                                             None if vector is None else vector.tobytes()))
        search.save_index(conn, entries)


def fill(db: Database, count: int = 30) -> None:
    """Papers with vectors, and every other table with a few rows."""
    add_papers(db, 1, count)
    with db.engine.begin() as conn:
        run = runs.start_run(conn, "papers.jsonl", "jsonl")
        runs.finish_run(conn, run, papers.Counts(new=count))
        runs.save_checkpoint(conn, "oai:cs", {"token": "abc", "page": 3})
        ada = users.create(conn, name="ada", email="ada@example.org", password_hash="h",
                           is_admin=True, confirmed=True, timezone="Europe/Paris")
        bob = users.create(conn, name="bob", email="bob@example.org")
        tokens.create(conn, ada.id, "laptop", "0" * 64)
        first, second = papers.row_id(conn, "2411.00001"), papers.row_id(conn, "2411.00002")
        assert first is not None and second is not None
        votes.add(conn, ada.id, first)
        votes.add(conn, bob.id, first)
        top = comments.add(conn, paper_id=first, user_id=ada.id, body="**nice** <b>")
        comments.add(conn, paper_id=first, user_id=bob.id, body="reply", parent_id=top.id)
        shelf = collections.create(conn, user_id=ada.id, slug="kv", name="KV", public=True)
        collections.add_paper(conn, shelf.id, second, note="read later")
        reads.mark(conn, bob.id, second, True)
        limits.hit(conn, "signup:127.0.0.1", limit=5, window=timedelta(hours=1), now=NOW)
        subscriptions.add(conn, ada.id, "query", "kv cache")
        subscriptions.add(conn, bob.id, "trending", 10)
        digests.save(conn, ada.id, hour=9)
        sent = deliveries.ensure(conn, ada.id, "digest", "2026-11-23", NOW)
        deliveries.mark_sent(conn, sent.id, "<m1@example.org>", 2, NOW,
                             deliveries.Contents(NOW, (first, second)))
        jobs.ensure(conn, "harvest", NOW)
        jobs.finish_run(conn, jobs.start_run(conn, "harvest", "w1", NOW), NOW, status="ok",
                        summary={"new": 3})


def empty_tables(db: Database) -> list[str]:
    """Tables without rows: a sample hub should leave none."""
    with db.engine.connect() as conn:
        return [t.name for t in hub_tables()
                if conn.execute(t.select().limit(1)).first() is None]


def sums(url: str) -> list[object]:
    """Per-table counts and checksums of the hub at `url` (see paperboy.store.checksum)."""
    from paperboy.store import open_database
    from paperboy.store.checksum import hub_sums

    db = open_database(url, migrate=False)
    try:
        with db.engine.connect() as conn:
            return list(hub_sums(conn))
    finally:
        db.dispose()
