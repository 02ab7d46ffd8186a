"""Time rules for delivery: local hours across daylight saving changes, covered days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from paperboy import schedule
from paperboy.jobs.specs import after_announcement, every, harvest_from
from paperboy.ranking import Period

NY = schedule.zone("America/New_York")
PARIS = schedule.zone("Europe/Paris")
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_seven_in_the_morning_stays_seven_across_spring_forward():
    # New York moves from UTC-5 to UTC-4 on Sunday 2026-03-08
    before = schedule.latest_at(utc(2026, 3, 7, 13), NY, time(7), schedule.EVERY_DAY)
    after = schedule.latest_at(utc(2026, 3, 9, 13), NY, time(7), schedule.EVERY_DAY)
    assert before == utc(2026, 3, 7, 12)
    assert after == utc(2026, 3, 9, 11)


def test_an_hour_that_does_not_exist_falls_an_hour_later():
    assert schedule.local_moment(date(2026, 3, 8), time(2), NY) == utc(2026, 3, 8, 7)  # 3:00 EDT
    assert schedule.local_moment(date(2026, 3, 29), time(2), PARIS) == utc(2026, 3, 29, 1)


def test_an_hour_that_happens_twice_counts_once():
    # 2026-11-01 01:00 happens twice in New York; the first (EDT) is the one
    moment = schedule.local_moment(date(2026, 11, 1), time(1), NY)
    assert moment == utc(2026, 11, 1, 5)
    due = [schedule.due_digest(utc(2026, 11, 1, 5) + timedelta(minutes=m), "America/New_York",
                               "daily", 1, 0, LONG_AGO) for m in (0, 30, 60, 90)]
    assert {d[1] for d in due if d} == {Period(date(2026, 10, 31), date(2026, 10, 31))}


def test_a_digest_is_due_from_its_hour_for_twelve_hours():
    def due(now):
        return schedule.due_digest(now, "Europe/Paris", "daily-weekdays", 7, 0, LONG_AGO)
    assert due(utc(2026, 11, 24, 5, 59)) is None  # 06:59 in Paris
    assert due(utc(2026, 11, 24, 6, 0)) == (utc(2026, 11, 24, 6),
                                            Period(date(2026, 11, 23), date(2026, 11, 23)))
    assert due(utc(2026, 11, 24, 17, 59)) is not None
    assert due(utc(2026, 11, 24, 18, 1)) is None  # too late: skipped, not sent at night
    assert due(utc(2026, 11, 28, 9)) is None  # Saturday: no weekday digest


def test_a_monday_digest_covers_the_weekend():
    assert schedule.covered(date(2026, 11, 23), "daily-weekdays") == Period(
        date(2026, 11, 20), date(2026, 11, 22))
    assert schedule.covered(date(2026, 11, 23), "daily") == Period(
        date(2026, 11, 22), date(2026, 11, 22))
    assert schedule.covered(date(2026, 11, 23), "weekly") == Period(
        date(2026, 11, 16), date(2026, 11, 22))


def test_a_weekly_digest_comes_on_its_weekday():
    def due(now):
        return schedule.due_digest(now, "UTC", "weekly", 8, 4, LONG_AGO)  # Fridays at 8
    assert due(utc(2026, 11, 26, 9)) is None  # Thursday
    assert due(utc(2026, 11, 27, 9))[1] == Period(date(2026, 11, 20), date(2026, 11, 26))


def test_nothing_is_due_from_before_the_user_subscribed():
    assert schedule.due_digest(utc(2026, 11, 24, 9), "UTC", "daily", 7, 0,
                               since=utc(2026, 11, 24, 8)) is None


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "UTC\n"])
def test_unknown_time_zones_are_refused_by_name(name):
    with pytest.raises(schedule.InvalidTimezone, match=r"timezone: .* is not a time zone name"):
        schedule.zone(name)


def test_the_harvest_follows_the_oai_update_in_eastern_time():
    # Friday evening: the next announcement is Sunday 20:00 EST, in OAI-PMH by about 22:00;
    # harvest 22:30 EST = 03:30 UTC Monday
    assert after_announcement(utc(2026, 11, 27, 23)) == utc(2026, 11, 30, 3, 30)
    # in summer (EDT) the same wall-clock time is an hour earlier in UTC
    assert after_announcement(utc(2026, 7, 1, 12)) == utc(2026, 7, 2, 2, 30)
    # Thursday's harvest, then none before Sunday's
    assert after_announcement(utc(2026, 12, 3, 12)) == utc(2026, 12, 4, 3, 30)
    assert after_announcement(utc(2026, 12, 4, 3, 30)) == utc(2026, 12, 7, 3, 30)


@pytest.mark.parametrize(("last_ok", "now", "start", "capped"), [
    (None, utc(2026, 12, 7, 3, 30), date(2026, 12, 5), False),  # the first harvest
    (utc(2026, 12, 3, 3, 30), utc(2026, 12, 4, 3, 30), date(2026, 12, 2), False),  # weekday
    (utc(2026, 12, 4, 3, 30), utc(2026, 12, 7, 3, 30), date(2026, 12, 3), False),  # Thu -> Sun
    (utc(2026, 7, 2, 2, 30), utc(2026, 7, 3, 2, 30), date(2026, 7, 1), False),  # EDT
    (utc(2026, 12, 1, 3, 30), utc(2026, 12, 6, 12), date(2026, 11, 30), False),  # 5 days down
    (utc(2026, 11, 8, 23, 59), utc(2026, 12, 7, 3, 30), date(2026, 11, 7), False),  # 30 days
    (utc(2026, 11, 7, 23, 59), utc(2026, 12, 7, 3, 30), date(2026, 11, 7), True),  # capped
    (utc(2026, 12, 9), utc(2026, 12, 7, 3, 30), date(2026, 12, 6), False),  # clock set back
])
def test_a_harvest_starts_a_day_before_the_last_successful_one(last_ok, now, start, capped):
    window = harvest_from(last_ok, now)
    assert (window.start, window.capped, window.last_ok) == (start, capped, last_ok)


def test_interval_jobs_run_on_a_steady_grid():
    assert every(timedelta(minutes=10))(utc(2026, 11, 24, 9, 3)) == utc(2026, 11, 24, 9, 10)
    assert every(timedelta(hours=3))(utc(2026, 11, 24, 23, 0)) == utc(2026, 11, 25, 0, 0)
