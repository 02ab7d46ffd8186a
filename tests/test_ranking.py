from datetime import UTC, date, datetime, timedelta

import pytest

from paperboy import ranking
from paperboy.models import PaperRecord
from paperboy.ranking import InvalidPeriod, Period


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_listing_day_is_the_listing_then_the_announcement_then_v1():
    paper = PaperRecord(uid="2401.00001", title="t", published=at("2024-01-01T23:30:00"),
                        announced=date(2024, 1, 3), listing_date=date(2024, 1, 5))
    assert ranking.listing_day(paper) == date(2024, 1, 5)
    assert ranking.listing_day(PaperRecord(uid="a", title="t", published=paper.published,
                                           announced=date(2024, 1, 3))) == date(2024, 1, 3)
    assert ranking.listing_day(PaperRecord(uid="a", title="t",
                                           published=paper.published)) == date(2024, 1, 1)
    assert ranking.listing_day(PaperRecord(uid="a", title="t")) is None


def test_the_v1_day_is_taken_in_utc():
    from zoneinfo import ZoneInfo

    late_in_new_york = datetime(2024, 1, 1, 22, 0, tzinfo=ZoneInfo("America/New_York"))
    paper = PaperRecord(uid="a", title="t", published=late_in_new_york)
    assert ranking.listing_day(paper) == date(2024, 1, 2)


def test_trending_score_is_votes_decayed_by_age():
    assert ranking.trending_score(10, 0) == pytest.approx(10 / 2 ** 1.8)
    assert ranking.trending_score(10, 22) == pytest.approx(10 / 24 ** 1.8)
    assert ranking.trending_score(10, 22, gravity=1.0) == pytest.approx(10 / 24)
    # more votes rank higher at the same age; the same votes rank lower when older
    assert ranking.trending_score(11, 5) > ranking.trending_score(10, 5)
    assert ranking.trending_score(10, 5) > ranking.trending_score(10, 6)
    # a day-old paper needs about 100 times the votes of a brand-new one
    ratio = ranking.trending_score(1, 0) / ranking.trending_score(1, 24)
    assert 90 < ratio < 110


def test_trending_score_edges():
    assert ranking.trending_score(0, 3) == 0.0
    assert ranking.trending_score(-5, 3) == 0.0
    assert ranking.trending_score(10, -48) == ranking.trending_score(10, 0)  # listed "later"
    with pytest.raises(ValueError, match="gravity"):
        ranking.trending_score(1, 1, gravity=0)


def test_ages_and_the_moment_a_period_is_scored():
    assert ranking.age_hours(at("2024-01-01T00:00"), at("2024-01-02T06:00")) == 30.0
    week = ranking.week_bounds("2024-W47")
    assert week.end == at("2024-11-25T00:00")
    assert ranking.trending_moment(week, at("2026-01-01T00:00")) == week.end
    assert ranking.trending_moment(week, at("2024-11-20T12:00")) == at("2024-11-20T12:00")


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2024-W47", date(2024, 11, 18), date(2024, 11, 24)),
    ("2025-W01", date(2024, 12, 30), date(2025, 1, 5)),  # ISO week 1 starts in December
    ("2020-W53", date(2020, 12, 28), date(2021, 1, 3)),
])
def test_iso_weeks_run_monday_to_sunday(text, first, last):
    assert ranking.week_bounds(text) == Period(first, last)


@pytest.mark.parametrize(("text", "last"), [
    ("2024-11", date(2024, 11, 30)), ("2024-02", date(2024, 2, 29)),
    ("2023-02", date(2023, 2, 28)), ("2024-12", date(2024, 12, 31)),
])
def test_months_run_from_their_first_to_their_last_day(text, last):
    assert ranking.month_bounds(text) == Period(last.replace(day=1), last)


@pytest.mark.parametrize(("function", "text", "message"), [
    (ranking.parse_day, "2024-02-30", "not a day of the calendar"),
    (ranking.parse_day, "2024-1-5", r"not a day \(expected YYYY-MM-DD"),
    (ranking.parse_day, "18/11/2024", "not a day"),
    (ranking.parse_day, "", "not a day"),
    (ranking.parse_day, "２０２４-11-18", "not a day"),  # fullwidth digits
    (ranking.parse_day, "9999-12-31", "out of range"),
    (ranking.week_bounds, "2021-W53", "2021 has no week 53"),
    (ranking.week_bounds, "2024-W00", "has no week 0"),
    (ranking.week_bounds, "2024-47", "not an ISO week"),
    (ranking.week_bounds, "2024-W47-1", "not an ISO week"),
    (ranking.month_bounds, "2024-13", "not a month of the calendar"),
    (ranking.month_bounds, "2024-00", "not a month of the calendar"),
    (ranking.month_bounds, "0000-01", "out of range"),
    (ranking.month_bounds, "2024-11-01", "not a month"),
])
def test_invalid_periods_say_what_and_why(function, text, message):
    with pytest.raises(InvalidPeriod, match=message) as raised:
        function(text)
    assert raised.value.name in ("date", "week", "month")
    assert str(raised.value).startswith(f"{raised.value.name}: ")


def test_a_long_invalid_value_is_shortened_in_the_message():
    with pytest.raises(InvalidPeriod) as raised:
        ranking.parse_day("x" * 500)
    assert len(str(raised.value)) < 150


def test_parse_period_takes_at_most_one():
    assert ranking.parse_period() is None
    assert ranking.parse_period("2024-11-18") == Period(date(2024, 11, 18), date(2024, 11, 18))
    assert ranking.parse_period(week="2024-W47") == ranking.week_bounds("2024-W47")
    assert ranking.parse_period(month="2024-11").last == date(2024, 11, 30)
    with pytest.raises(InvalidPeriod, match="only one of date, week and month") as raised:
        ranking.parse_period("2024-11-18", "2024-W47")
    assert raised.value.name == "week"
    with pytest.raises(InvalidPeriod) as raised:
        ranking.parse_period(week="2024-W47", month="2024-11")
    assert raised.value.name == "month"


def test_every_day_of_a_period_is_inside_it():
    period = ranking.month_bounds("2024-02")
    days = [period.first + timedelta(days=n) for n in range(40)]
    inside = [d for d in days if period.first <= d <= period.last]
    assert len(inside) == 29
