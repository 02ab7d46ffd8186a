"""The community tables on a real database: vote counts, comment deletion, collections,
rate-limit windows, and what deleting a user takes with it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from paperboy.models import PaperRecord
from paperboy.store import collections, comments, limits, papers, users, votes
from paperboy.store.schema import rate_limits


@pytest.fixture
def paper(db):
    record = PaperRecord(uid="2401.00001", arxiv_id="2401.00001", title="T", abstract="A",
                         upvotes=5, source="jsonl")
    with db.engine.begin() as conn:
        papers.upsert(conn, [record])
        return papers.row_id(conn, "2401.00001")


def make_user(conn, name):
    return users.create(conn, name=name, email=f"{name}@example.org")


def test_votes_are_counted_beside_imported_upvotes(db, paper):
    with db.engine.begin() as conn:
        ada, bob = make_user(conn, "ada"), make_user(conn, "bob")
        assert votes.add(conn, ada.id, paper) and not votes.add(conn, ada.id, paper)
        votes.add(conn, bob.id, paper)
        assert papers.get(conn, "2401.00001").upvotes == 7
        users.remove(conn, bob.id)
        assert papers.get(conn, "2401.00001").upvotes == 6
        assert votes.remove(conn, ada.id, paper) and not votes.remove(conn, ada.id, paper)
        assert papers.get(conn, "2401.00001").upvotes == 5


def test_reimporting_does_not_touch_local_counts(db, paper):
    with db.engine.begin() as conn:
        votes.add(conn, make_user(conn, "ada").id, paper)
        record = PaperRecord(uid="2401.00001", arxiv_id="2401.00001", title="T", abstract="A",
                             upvotes=5, source="jsonl")
        assert papers.upsert(conn, [record]).unchanged == 1
        assert papers.get(conn, "2401.00001").upvotes == 6


def test_deleting_a_comment_with_replies_keeps_its_place(db, paper):
    with db.engine.begin() as conn:
        ada = make_user(conn, "ada")
        first = comments.add(conn, paper_id=paper, user_id=ada.id, body="one")
        reply = comments.add(conn, paper_id=paper, user_id=ada.id, body="two",
                             parent_id=first.id)
        assert papers.get(conn, "2401.00001").num_comments == 2
        comments.remove(conn, first.id)
        kept = comments.get(conn, first.id)
        assert kept.deleted and kept.body == ""
        comments.remove(conn, reply.id)
        assert comments.get(conn, reply.id) is None
        assert not papers.get(conn, "2401.00001").num_comments
        with pytest.raises(LookupError):
            comments.add(conn, paper_id=paper, user_id=ada.id, body="x", parent_id=999)


def test_a_deleted_users_comments_stay_without_an_owner(db, paper):
    with db.engine.begin() as conn:
        ada = make_user(conn, "ada")
        said = comments.add(conn, paper_id=paper, user_id=ada.id, body="hello")
        collections.create(conn, user_id=ada.id, slug="c", name="C")
        users.remove(conn, ada.id)
        kept = comments.get(conn, said.id)
        assert kept.user_id is None and kept.author is None and kept.body == "hello"


def test_collections(db, paper):
    with db.engine.begin() as conn:
        ada = make_user(conn, "ada")
        made = collections.create(conn, user_id=ada.id, slug="kv", name="KV", public=True)
        with pytest.raises(collections.CollectionExists):
            collections.create(conn, user_id=ada.id, slug="kv", name="again")
        assert collections.add_paper(conn, made.id, paper, "note")
        assert not collections.add_paper(conn, made.id, paper, "new note")
        assert [(i.uid, i.note) for i in collections.items(conn, made.id)] == [
            ("2401.00001", "new note")]
        assert [c.size for c in collections.of_user(conn, ada.id, private_too=False)] == [1]
        assert collections.containing(conn, paper, viewer_id=None)[0].slug == "kv"
        papers.set_hidden(conn, paper, True)
        assert collections.items(conn, made.id) == []


def test_rate_limit_windows(db):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    window = timedelta(minutes=10)
    with db.engine.begin() as conn:
        hits = [limits.hit(conn, "k", limit=3, window=window, now=start + timedelta(seconds=i))
                for i in range(5)]
        assert hits == [True, True, True, False, False]
        assert limits.hit(conn, "k", limit=3, window=window, now=start + window)
        assert limits.hit(conn, "other", limit=3, window=window, now=start)
        later = start + timedelta(days=2)
        assert limits.hit(conn, "new", limit=3, window=window, now=later)
        kept = conn.execute(select(rate_limits.c.key)).scalars().all()
        assert kept == ["new"]  # idle counters were forgotten


def test_user_names_and_emails_are_unique(db):
    with db.engine.begin() as conn:
        make_user(conn, "ada")
        with pytest.raises(users.UserExists) as caught:
            users.create(conn, name="ada", email="other@example.org")
        assert caught.value.field == "name"
        with pytest.raises(users.UserExists):
            users.create(conn, name="other", email="ada@example.org")
