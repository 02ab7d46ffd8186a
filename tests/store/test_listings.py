from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperboy import ranking
from paperboy.ingest import import_files
from paperboy.ranking import Period
from paperboy.store import listings, papers

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "paperboy" / "samples" / "demo.jsonl"
DAILY = ROOT / "tests" / "fixtures" / "daily_papers" / "2024-11-18.json"
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture
def hub(db):
    import_files(db, [str(DEMO), str(DAILY)])
    return db


def uids(records):
    return [r.uid for r in records]


def test_the_store_and_ranking_agree_on_every_listing_day(hub):
    with hub.engine.connect() as conn:
        everything = listings.daily_papers(conn, Period(date(1900, 1, 1), date(2999, 1, 1)),
                                           now=NOW, limit=1000)
        days = listings.listing_days(conn, uids(everything))
    assert len(everything) == 53
    assert days == {r.uid: ranking.listing_day(r) for r in everything}
    assert days["2411.10958"] == date(2024, 11, 16)  # no listing day given: its v1 day


def test_the_latest_day_that_has_papers(hub, db):
    with hub.engine.connect() as conn:
        assert listings.latest_day(conn) == date(2026, 11, 25)
        assert listings.latest_day(conn, submitter="srossi") == date(2024, 11, 18)
        assert listings.latest_day(conn, submitter="nobody") is None
        latest = listings.daily_papers(conn, None, now=NOW)
    assert {ranking.listing_day(r) for r in latest} == {date(2026, 11, 25)}
    assert len(latest) == 4


def test_an_empty_store_lists_nothing(db):
    with db.engine.connect() as conn:
        assert listings.latest_day(conn) is None
        assert listings.daily_papers(conn, None, now=NOW) == []


def test_newest_v1_first_and_paged(hub):
    month = ranking.month_bounds("2026-11")
    with hub.engine.connect() as conn:
        everything = listings.daily_papers(conn, month, now=NOW, limit=100)
        pages = [listings.daily_papers(conn, month, now=NOW, offset=n * 7, limit=7)
                 for n in range(8)]
    published = [r.published for r in everything]
    assert published == sorted(published, reverse=True)
    assert len(everything) == 48
    assert [uid for page in pages for uid in uids(page)] == uids(everything)
    assert pages[-1] == []


def test_trending_orders_by_the_score_of_ranking(hub):
    week = ranking.week_bounds("2026-W47")  # 16 to 22 November 2026
    with hub.engine.connect() as conn:
        hot = listings.daily_papers(conn, week, now=NOW, sort="trending", limit=100)
    end = week.end
    scores = [ranking.trending_score(r.upvotes or 0, ranking.age_hours(
        ranking.day_start(ranking.listing_day(r)), end)) for r in hot]
    assert scores == sorted(scores, reverse=True)
    assert len(hot) == 20  # 16 to 20 November: 5 days of 4 papers


def test_submitters_match_whatever_the_case(hub):
    month = ranking.month_bounds("2024-11")
    with hub.engine.connect() as conn:
        assert uids(listings.daily_papers(conn, month, now=NOW, submitter="AKHALIQ")) == [
            "2411.10440"]
        assert listings.daily_papers(conn, month, now=NOW, submitter="nobody") == []


def test_get_many_keeps_the_order_asked_and_skips_the_unknown(hub):
    with hub.engine.connect() as conn:
        found = papers.get_many(conn, ["2411.10958", "nope", "2411.10440"])
    assert uids(found) == ["2411.10958", "2411.10440"]


def test_most_upvoted_first(hub):
    day = ranking.parse_period("2024-11-18")
    with hub.engine.connect() as conn:
        found = listings.daily_papers(conn, day, now=NOW, sort="upvotes")
    assert [(r.uid, r.upvotes) for r in found] == [
        ("2411.10440", 112), ("2411.10323", 31), ("2411.11504", 7), ("2411.09944", 0)]


def test_counts_neighbours_and_recent_days(hub):
    with hub.engine.connect() as conn:
        assert listings.count(conn, ranking.month_bounds("2026-11")) == 48
        assert listings.count(conn, ranking.week_bounds("2026-W47")) == 20
        assert listings.count(conn, Period(date(2026, 11, 14), date(2026, 11, 15))) == 0
        weekend = Period(date(2026, 11, 14), date(2026, 11, 15))
        assert listings.neighbour_days(conn, weekend) == (date(2026, 11, 13),
                                                          date(2026, 11, 16))
        assert listings.neighbour_days(conn, ranking.month_bounds("2026-11")) == (
            date(2024, 11, 18), None)
        assert listings.neighbour_days(conn, Period(date(1900, 1, 1), date(1900, 1, 1)))[0] \
            is None
        assert listings.recent(conn, 7) == Period(date(2026, 11, 19), date(2026, 11, 25))


def test_an_empty_store_has_no_neighbours_and_no_recent_days(db):
    with db.engine.connect() as conn:
        assert listings.recent(conn, 7) is None
        assert listings.neighbour_days(conn, ranking.month_bounds("2026-11")) == (None, None)
        assert listings.count(conn, ranking.month_bounds("2026-11")) == 0
