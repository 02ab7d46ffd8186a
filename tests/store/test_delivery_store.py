"""The delivery tables: subscription values checked, digest settings, the ledger's claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paperboy.errors import InvalidValue
from paperboy.store import deliveries, digests, papers, subscriptions, users
from paperboy.store.digests import InvalidDigestSettings
from tests.mail.conftest import paper

NOW = datetime(2026, 11, 24, 8, tzinfo=UTC)


@pytest.fixture
def ada(db):
    with db.engine.begin() as conn:
        return users.create(conn, name="ada", email="ada@example.org", confirmed=True)


@pytest.mark.parametrize(("kind", "value", "stored"), [
    ("query", "  kv   cache ", "kv cache"),
    ("author", "Yann LeCun", "Yann LeCun"),
    ("category", "cs.CL", "cs.CL"),
    ("category", "hep-th", "hep-th"),
    ("category", " cs.cl ", "cs.CL"),
    ("category", "CS", "cs"),
    ("category", "cond-mat.STR-EL", "cond-mat.str-el"),
    ("trending", 10, "10"),
    ("recommended", "ignored", ""),
])
def test_values_are_stored_tidied(kind, value, stored):
    assert subscriptions.normalize(kind, value) == (kind, stored)


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("weather", "x", "kind: 'weather' is not one of query, author"),
    ("query", "   ", "query: must not be empty"),
    ("author", "x" * 501, "author: longer than 500 characters"),
    ("category", "cs CL", "category: 'cs CL' is not an arXiv category"),
    ("category", "cs.ZZ", "category: 'cs.ZZ' is not an arXiv category (e.g. cs.CL"),
    ("category", "cs.CLL", "category: 'cs.CLL' is not an arXiv category; did you mean cs.CL?"),
    ("category", "hep-thh", "category: 'hep-thh' is not an arXiv category; did you mean hep-th?"),
    ("trending", "0", "trending: '0' is not a number of papers from 1 to 100"),
    ("trending", "ten", "trending: 'ten' is not a number"),
])
def test_bad_values_are_refused_naming_the_field(kind, value, message):
    with pytest.raises(InvalidValue) as caught:
        subscriptions.normalize(kind, value)
    assert str(caught.value).startswith(message)


def test_adding_twice_keeps_one_and_removal_is_per_user(db, ada):
    with db.engine.begin() as conn:
        first = subscriptions.add(conn, ada.id, "query", "kv cache")
        again = subscriptions.add(conn, ada.id, "query", " kv cache ")
        bob = users.create(conn, name="bob", email="bob@example.org")
        assert first == again
        assert not subscriptions.remove(conn, first.id, user_id=bob.id)
        assert subscriptions.remove(conn, first.id, user_id=ada.id)
        assert subscriptions.for_user(conn, ada.id) == []


@pytest.mark.parametrize(("change", "message"), [
    ({"frequency": "hourly"}, "frequency: 'hourly' is not one of daily-weekdays"),
    ({"hour": 24}, "hour: 24 is not an hour from 0 to 23"),
    ({"weekday": 7}, "weekday: 7 is not a weekday"),
])
def test_digest_settings_are_checked(db, ada, change, message):
    with db.engine.begin() as conn, pytest.raises(InvalidDigestSettings, match=message):
        digests.save(conn, ada.id, **change)


def test_digest_settings_default_then_keep_what_is_not_changed(db, ada):
    with db.engine.begin() as conn:
        assert digests.get(conn, ada.id) == digests.DEFAULTS
        digests.save(conn, ada.id, hour=9)
        digests.save(conn, ada.id, frequency="weekly", paused=True)
        assert digests.get(conn, ada.id) == digests.DigestSettings("weekly", 9, 0, True)


def test_a_ledger_row_is_claimed_by_one_sender_until_its_lease_ends(db, ada):
    lease = timedelta(minutes=10)
    with db.engine.begin() as conn:
        row = deliveries.ensure(conn, ada.id, "digest", "2026-11-23", NOW)
        assert deliveries.ensure(conn, ada.id, "digest", "2026-11-23", NOW).id == row.id
        assert deliveries.claim(conn, row.id, NOW, lease)
        assert not deliveries.claim(conn, row.id, NOW + timedelta(minutes=9), lease)
        assert deliveries.claim(conn, row.id, NOW + timedelta(minutes=11), lease)  # sender died
        deliveries.mark_sent(conn, row.id, "<id@hub>", 3, NOW)
        assert not deliveries.claim(conn, row.id, NOW + timedelta(days=1), lease)
        done = deliveries.by_id(conn, row.id)
    assert (done.status, done.attempts, done.papers, done.done) == ("sent", 2, 3, True)


def test_a_retry_waits_for_its_time(db, ada):
    with db.engine.begin() as conn:
        row = deliveries.ensure(conn, ada.id, "digest", "2026-11-23", NOW)
        deliveries.claim(conn, row.id, NOW, timedelta(minutes=10))
        deliveries.mark_retry(conn, row.id, "451 busy", NOW + timedelta(minutes=15), NOW)
        assert not deliveries.claim(conn, row.id, NOW + timedelta(minutes=14), timedelta(1))
        assert deliveries.claim(conn, row.id, NOW + timedelta(minutes=15), timedelta(1))


def test_a_finished_digest_keeps_its_cut_off_and_papers_for_the_next_one(db, ada):
    lease = timedelta(minutes=10)
    with db.engine.begin() as conn:
        papers.upsert(conn, [paper("2611.00001", "One"), paper("2611.00002", "Two")])
        one, two = (papers.row_id(conn, uid) for uid in ("2611.00001", "2611.00002"))

        def finish(period: str, status: str, shown: tuple[int, ...] = ()) -> datetime:
            row = deliveries.ensure(conn, ada.id, "digest", period, NOW)
            assert deliveries.claim(conn, row.id, NOW, lease)
            cutoff = datetime.fromisoformat(f"{period}T06:00:00+00:00")
            contents = deliveries.Contents(cutoff, shown)
            if status == "sent":
                deliveries.mark_sent(conn, row.id, f"<{period}@hub>", len(shown), NOW, contents)
            elif status == "empty":
                deliveries.mark_empty(conn, row.id, NOW, contents)
            else:
                deliveries.mark_failed(conn, row.id, "550 no such user", NOW)
            return cutoff

        finish("2026-11-20", "sent", (one,))
        empty_at = finish("2026-11-21", "empty")
        finish("2026-11-22", "failed")  # never reached the reader: no digest to go on from
        deliveries.ensure(conn, ada.id, "digest", "2026-11-23", NOW)  # not sent yet
        previous = deliveries.previous(conn, ada.id, "digest", before="2026-11-24")
        assert previous is not None
        assert (previous.period, previous.status, previous.cutoff) == (
            "2026-11-21", "empty", empty_at)
        before = deliveries.previous(conn, ada.id, "digest", before="2026-11-21")
        assert before is not None and before.period == "2026-11-20"
        assert deliveries.previous(conn, ada.id, "digest", before="2026-11-20") is None
        assert deliveries.shown(conn, ada.id, "digest") == {one}
        assert two not in deliveries.shown(conn, ada.id, "digest")
        bob = users.create(conn, name="bob", email="bob@example.org", confirmed=True)
        assert deliveries.previous(conn, bob.id, "digest", before="2026-11-24") is None
        assert deliveries.shown(conn, bob.id, "digest") == set()


def test_ledger_rows_are_read_for_many_readers_at_once(db, ada):
    lease = timedelta(minutes=10)
    with db.engine.begin() as conn:
        bob = users.create(conn, name="bob", email="bob@example.org", confirmed=True)
        wanted = [(ada.id, "2026-11-22"), (bob.id, "2026-11-22"), (ada.id, "2026-11-23")]
        rows = {(u, p): deliveries.create(conn, u, "digest", p, NOW) for u, p in wanted}
        assert deliveries.create(conn, ada.id, "digest", "2026-11-22", NOW) is None  # made
        assert deliveries.ensure(conn, ada.id, "digest", "2026-11-22", NOW) == rows[wanted[0]]
        assert deliveries.get_all(conn, "digest", [*wanted, (bob.id, "2026-11-23")]) == rows
        assert deliveries.get_all(conn, "digest", []) == {}
        for key in wanted:
            assert deliveries.claim(conn, rows[key].id, NOW, lease)
            deliveries.mark_empty(conn, rows[key].id, NOW, deliveries.Contents(NOW))
        found = deliveries.previous_all(conn, "digest", {ada.id: "2026-11-24",
                                                         bob.id: "2026-11-22"})
        assert {user_id: row.period for user_id, row in found.items()} == {ada.id: "2026-11-23"}
        assert deliveries.shown_to(conn, "digest", [ada.id, bob.id]) == {}


def test_papers_shown_among_some_are_those_shown_of_them(db, ada):
    """shown_to(among=...) reads a bounded range of the ledger yet finds exactly what the
    whole history holds of those papers."""
    lease = timedelta(minutes=10)
    with db.engine.begin() as conn:
        bob = users.create(conn, name="bob", email="bob@example.org", confirmed=True)
        papers.upsert(conn, [paper(f"2611.0010{n}", f"Paper {n}") for n in range(6)])
        ids = [papers.row_id(conn, f"2611.0010{n}") for n in range(6)]
        for user, period, shown in ((ada.id, "2026-10-01", ids[:2]), (ada.id, "2026-11-20",
                                    ids[3:5]), (bob.id, "2026-11-20", ids[1:4])):
            row = deliveries.ensure(conn, user, "digest", period, NOW)
            assert deliveries.claim(conn, row.id, NOW, lease)
            deliveries.mark_sent(conn, row.id, f"<{period}@hub>", len(shown), NOW,
                                 deliveries.Contents(NOW, tuple(shown)))
        everything = deliveries.shown_to(conn, "digest", [ada.id, bob.id])
        for among in ({ids[0]}, {ids[1], ids[4]}, {ids[2]}, set(ids[2:]), set(ids), {ids[5]},
                      set()):
            expected = {user: found & among for user, found in everything.items()
                        if found & among}
            assert deliveries.shown_to(conn, "digest", [ada.id, bob.id], among) == expected
