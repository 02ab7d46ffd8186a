"""Recommendations from stored embeddings: a user's upvotes train their classifier; without
any, the cold start uses their categories and what is trending."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from paperboy.mail import digests as runs
from paperboy.ranking import Period
from paperboy.search.embed import MODEL_NAME
from paperboy.search.engine import SearchEngine
from paperboy.search.text import pack_terms
from paperboy.store import papers, subscriptions, users, votes
from paperboy.store import search as store_search
from paperboy.store.digest_papers import positives, vectors
from tests.mail.conftest import DAY, paper

DIMS = 384


def unit(v):
    return (v / np.linalg.norm(v)).astype(np.float32)


def seed(db):
    """Forty older papers on two topics (robots, language), and today's four of each."""
    rng = np.random.default_rng(7)
    topics = {"robots": rng.normal(size=DIMS), "language": rng.normal(size=DIMS)}
    records, topic_of = [], {}
    for n in range(48):
        topic = "robots" if n % 2 else "language"
        day = DAY if n >= 40 else datetime(2026, 10, 1, tzinfo=UTC).date()
        uid = f"2610.{n:05d}"
        records.append(paper(uid, f"A {topic} paper number {n}", day=day, upvotes=48 - n,
                             categories=("cs.RO",) if topic == "robots" else ("cs.CL",)))
        topic_of[uid] = topic
    with db.engine.begin() as conn:
        papers.upsert(conn, records)
        pending = store_search.pending(conn, None, 100)
        ids = {}
        for p in pending:
            uid = f"2610.{int(p.text.title.rsplit(' ', 1)[1]):05d}"
            ids[uid] = p.text.paper_id
        store_search.save_index(conn, [store_search.IndexEntry(
            p.text.paper_id, p.modified_at, pack_terms(p.text.title, p.text.abstract, ""),
            MODEL_NAME, unit(topics[topic_of[f"2610.{int(p.text.title.rsplit(' ', 1)[1]):05d}"]]
                         + 0.5 * rng.normal(size=DIMS)).tobytes()) for p in pending])
    return ids, topic_of


def test_upvotes_train_the_users_recommendations(db, smtp, settings_for):
    ids, topic_of = seed(db)
    with db.engine.begin() as conn:
        rob = users.create(conn, name="rob", email="rob@example.org", confirmed=True)
        subscriptions.add(conn, rob.id, "recommended", "")
        liked = [uid for uid, t in topic_of.items() if t == "robots"][:6]
        for uid in liked:
            votes.add(conn, rob.id, ids[uid])
        assert positives(conn, rob.id) == sorted(ids[u] for u in liked)
        assert len(vectors(conn, [ids[u] for u in liked], MODEL_NAME)) == 6
        assert vectors(conn, [ids[u] for u in liked], "another model") == {}
    report = runs.send(db, settings_for(smtp.url, digest_recommendations=4),
                       runs.for_date(db, DAY))
    assert report.sent == 1
    plain = smtp.received[0].message.get_body(("plain",)).get_content()
    assert plain.count("Why: recommended for you\r\n") == 4
    assert plain.count("A robots paper") == 4 and "A language paper" not in plain


def test_a_new_user_gets_their_categories_then_trending(db, smtp, settings_for):
    seed(db)
    with db.engine.begin() as conn:
        new = users.create(conn, name="new", email="new@example.org", confirmed=True)
        subscriptions.add(conn, new.id, "recommended", "")
        subscriptions.add(conn, new.id, "category", "cs.CL")
    digest = runs.preview(db, settings_for(smtp.url, digest_recommendations=2),
                          SearchEngine(db, use_model=False), new.id, new.email, new.name,
                          Period(DAY, DAY))
    reasons = {item.paper.title: item.reasons for item in digest.items}
    language = [title for title in reasons if "language" in title]
    assert len(language) == 4  # all of today's cs.CL papers, from the category
    cold = [title for title, why in reasons.items()
            if "recommended for you (from your categories and what is trending)" in why]
    assert len(cold) == 2 and all("language" in title for title in cold)
