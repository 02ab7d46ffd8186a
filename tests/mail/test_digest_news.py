"""A digest holds what is new since the reader's last one: papers that reached the hub after
that digest chose its papers, listed in the last days (7 for daily digests, 14 for weekly
ones), each sent to a reader once. A first digest holds its period. Real SMTP, both backends.

The hub's own papers are stored "a while ago" (their row's `created_at` set back), as a
harvest of the day before would have; a late paper is stored during the test, after the
digest it missed.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from paperboy.mail import digests as runs
from paperboy.models import Version
from paperboy.store import deliveries, digests, papers, subscriptions, users
from paperboy.store.schema import papers as papers_table
from tests.mail.conftest import DAY, paper

READER = "ada@example.org"
LONG_AGO = datetime(2026, 11, 20, tzinfo=UTC)  # when the hub stored its first papers
NEXT = DAY + timedelta(days=1)

ON_THE_DAY = paper("2611.01001", "Parsing with cache-aware grammars", upvotes=5)
DAY_BEFORE = paper("2611.01002", "Tokenizers revisited", day=DAY - timedelta(days=1),
                   upvotes=40)
OTHER_FIELD = paper("2611.01003", "Robots that fold laundry", categories=("cs.RO",))


def store(db, *records, received: datetime | None = None) -> None:
    """Store papers now, or as if `received` then."""
    with db.engine.begin() as conn:
        papers.upsert(conn, list(records))
        if received is not None:
            conn.execute(update(papers_table)
                         .where(papers_table.c.uid.in_([r.uid for r in records]))
                         .values(created_at=received))


@pytest.fixture
def reader(db):
    """Ada follows cs.CL, daily; the hub holds the papers of the 23rd and the 24th."""
    store(db, ON_THE_DAY, DAY_BEFORE, OTHER_FIELD, received=LONG_AGO)
    with db.engine.begin() as conn:
        ada = users.create(conn, name="ada", email=READER, confirmed=True)
        subscriptions.add(conn, ada.id, "category", "cs.CL")
        digests.save(conn, ada.id, frequency="daily")
    return db


def send(db, settings, day: date) -> runs.RunReport:
    """Ada's digest of `day`, sent now."""
    return runs.send(db, settings, runs.for_date(db, day, READER))


def titles(smtp, n: int) -> list[str]:
    """The paper titles of the n-th mail received, in order."""
    body = smtp.received[n].message.get_body(("plain",)).get_content()
    return re.findall(r"^\d+\. (.+)$", body.replace("\r\n", "\n"), re.M)


def test_a_paper_stored_after_its_days_digest_is_in_the_next_one_once(reader, smtp,
                                                                      settings_for):
    settings = settings_for(smtp.url)
    assert send(reader, settings, DAY).sent == 1
    assert titles(smtp, 0) == [ON_THE_DAY.title]
    # the 24th's digest has gone out when a paper of the 24th reaches the hub
    late = paper("2611.01004", "Late to the harvest")
    store(reader, late)
    assert send(reader, settings, NEXT).sent == 1
    assert titles(smtp, 1) == [late.title]
    assert smtp.received[1].message["Subject"] == "Your papers on Wed 25 Nov 2026: 1 paper"
    # ... and in no later one
    later = send(reader, settings, NEXT + timedelta(days=1))
    assert (later.sent, later.empty, len(smtp.received)) == (0, 1, 2)


@pytest.mark.parametrize("change", ["new version", "new version, listed again the next day"])
def test_a_paper_sent_once_is_not_sent_again_when_it_changes(reader, smtp, settings_for,
                                                             change):
    settings = settings_for(smtp.url)
    send(reader, settings, DAY)
    assert titles(smtp, 0) == [ON_THE_DAY.title]
    v2 = dataclasses.replace(ON_THE_DAY, version=2, title=ON_THE_DAY.title + " (v2)",
                             versions=(Version(2, datetime(2026, 11, 25, tzinfo=UTC)),))
    if "listed" in change:  # a daily-papers listing of the 25th shows it: its day moves
        v2 = dataclasses.replace(v2, listing_date=NEXT, upvotes=30)
    fresh = paper("2611.01005", "A paper of the 25th", day=NEXT)
    store(reader, v2, fresh)
    with reader.engine.connect() as conn:
        assert papers.get(conn, ON_THE_DAY.uid).version == 2
    assert send(reader, settings, NEXT).sent == 1
    assert titles(smtp, 1) == [fresh.title]


def test_a_paper_sent_weeks_ago_is_not_sent_again_when_listed_again(reader, smtp,
                                                                     settings_for):
    """Papers shown before are read only among those a digest's window holds: one shown long
    before that window, and listed in it since, is still left out."""
    settings = settings_for(smtp.url)
    weeks_ago = DAY - timedelta(days=20)
    old = paper("2611.00901", "An old paper listed again", day=weeks_ago)
    store(reader, old, received=LONG_AGO)
    send(reader, settings, weeks_ago)
    assert titles(smtp, 0) == [old.title]
    store(reader, dataclasses.replace(old, listing_date=NEXT, upvotes=50))
    assert send(reader, settings, NEXT).sent == 1
    assert old.title not in titles(smtp, 1) and ON_THE_DAY.title in titles(smtp, 1)


def test_only_papers_listed_in_the_last_seven_days_count_as_new(reader, smtp, settings_for):
    settings = settings_for(smtp.url)
    send(reader, settings, DAY)
    # after the digest of the 24th: a bulk import of old papers, and two late ones, listed
    # 6 and 7 days before the 25th
    snapshot = [paper(f"1905.{n:05d}", f"An old paper {n}", day=date(2019, 5, 1) + timedelta(n))
                for n in range(20)]
    six_days = paper("2611.01006", "Listed six days before", day=NEXT - timedelta(days=6))
    seven_days = paper("2611.01007", "Listed seven days before", day=NEXT - timedelta(days=7))
    store(reader, *snapshot, six_days, seven_days)
    assert send(reader, settings, NEXT).sent == 1
    assert titles(smtp, 1) == [six_days.title]


@pytest.mark.parametrize(("frequency", "expected"), [
    ("daily", [ON_THE_DAY.title]),
    ("weekly", [DAY_BEFORE.title, ON_THE_DAY.title]),  # hottest first
])
def test_a_first_digest_holds_its_period_only(db, smtp, settings_for, frequency, expected):
    # stored just now, all of them: new to the hub, but before the reader's first digest
    older = paper("2611.01008", "Listed eight days before", day=DAY - timedelta(days=8))
    store(db, ON_THE_DAY, DAY_BEFORE, OTHER_FIELD, older)
    with db.engine.begin() as conn:
        ada = users.create(conn, name="ada", email=READER, confirmed=True)
        subscriptions.add(conn, ada.id, "category", "cs.CL")
        digests.save(conn, ada.id, frequency=frequency)
    assert send(db, settings_for(smtp.url), DAY).sent == 1
    assert titles(smtp, 0) == expected


def test_a_digest_after_one_that_recorded_no_cut_off_holds_its_period(reader, smtp,
                                                                      settings_for):
    # the 24th's digest went out before this hub recorded what digests hold (an upgrade)
    with reader.engine.begin() as conn:
        ada = users.by_email(conn, READER)
        row = deliveries.ensure(conn, ada.id, "digest", DAY.isoformat(), LONG_AGO)
        deliveries.mark_sent(conn, row.id, "<old@hub.test>", 1, LONG_AGO)
    store(reader, paper("2611.01009", "Late, before the upgrade"))
    fresh = paper("2611.01010", "A paper of the 25th", day=NEXT)
    store(reader, fresh)
    send(reader, settings_for(smtp.url), NEXT)
    assert titles(smtp, 0) == [fresh.title]


def test_a_weekly_digest_holds_what_arrived_since_the_last_one(reader, smtp, settings_for):
    with reader.engine.begin() as conn:
        digests.save(conn, users.by_email(conn, READER).id, frequency="weekly")
    settings = settings_for(smtp.url)
    send(reader, settings, DAY)  # the 18th to the 24th
    assert titles(smtp, 0) == [DAY_BEFORE.title, ON_THE_DAY.title]
    week_after = DAY + timedelta(days=7)  # the 25th to 1 December: new if listed from the 18th
    late = paper("2611.01011", "Listed on the 18th, stored late", day=date(2026, 11, 18))
    too_old = paper("2611.01012", "Listed on the 17th, stored late", day=date(2026, 11, 17))
    fresh = paper("2612.01013", "A paper of 1 December", day=week_after, upvotes=50)
    store(reader, late, too_old, fresh)
    send(reader, settings, week_after)
    assert titles(smtp, 1) == [fresh.title, late.title]
    assert smtp.received[1].message["Subject"].startswith("Your papers from 25 Nov to 1 Dec")


def test_a_sender_that_died_after_its_claim_is_taken_over_and_sends_each_paper_once(
        reader, smtp, settings_for):
    settings = settings_for(smtp.url)
    # a sender claimed the 24th's digest an hour ago and died before sending it
    with reader.engine.begin() as conn:
        ada = users.by_email(conn, READER)
        row = deliveries.ensure(conn, ada.id, "digest", DAY.isoformat(), LONG_AGO)
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        assert deliveries.claim(conn, row.id, an_hour_ago, timedelta(minutes=10))
    assert send(reader, settings, DAY).sent == 1  # its lease has run out: taken over
    assert titles(smtp, 0) == [ON_THE_DAY.title]
    assert send(reader, settings, DAY).done_before == 1
    late = paper("2611.01014", "Late to the harvest")
    store(reader, late)
    send(reader, settings, NEXT)
    assert titles(smtp, 1) == [late.title]
    with reader.engine.connect() as conn:
        assert deliveries.counts(conn) == {"sent": 2}
        sent = deliveries.get(conn, ada.id, "digest", DAY.isoformat())
    assert (sent.status, sent.attempts, sent.papers) == ("sent", 2, 1)


def test_a_capped_digest_links_to_every_day_it_holds(reader, smtp, settings_for):
    settings = settings_for(smtp.url, digest_max_papers=1)
    send(reader, settings, DAY)
    store(reader, paper("2611.01015", "Late, listed on the 23rd", day=DAY - timedelta(days=1)),
          paper("2611.01016", "A paper of the 25th", day=NEXT, upvotes=3))
    send(reader, settings, NEXT)
    body = smtp.received[1].message.get_body(("plain",)).get_content()
    assert "http://hub.test/digest?from=2026-11-23&to=2026-11-25" in body
