"""Pure time rules for delivery: when a user's digest is due and which days it covers, and when
a daily job runs next. Local wall-clock times in the user's (or job's) time zone, compared as
UTC instants, so daylight saving changes move nothing: 7:00 stays 7:00 local.

A wall-clock time that does not exist on a spring-forward day (02:30 in New York) falls an
hour later; one that happens twice on a fall-back day counts once (the first).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paperboy.errors import PaperboyError
from paperboy.ranking import Period

EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))  # Monday to Friday
CATCH_UP = timedelta(hours=12)  # a digest more than this late (worker down) is skipped


class InvalidTimezone(PaperboyError, ValueError):
    exit_code = 2

    def __init__(self, name: str) -> None:
        super().__init__(f"timezone: {name!r} is not a time zone name (e.g. Europe/Paris, "
                         "America/New_York or UTC)")
        self.name = name


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called `name`, or InvalidTimezone."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        raise InvalidTimezone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidTimezone(name) from None


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `tz`. zoneinfo reads a time in a gap or
    an overlap with the offset from before the change (fold=0): see the module note."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def latest_at(now: datetime, tz: ZoneInfo, at: time, days: Collection[int]) -> datetime | None:
    """The latest instant <= now that is `at` local time on one of `days` (0 Monday), looking
    back at most eight days."""
    today = now.astimezone(tz).date()
    for back in range(9):
        day = today - timedelta(days=back)
        if day.weekday() in days and (moment := local_moment(day, at, tz)) <= now:
            return moment
    return None


def next_at(now: datetime, tz: ZoneInfo, at: time, days: Collection[int]) -> datetime:
    """The first instant > now that is `at` local time on one of `days`."""
    today = now.astimezone(tz).date()
    for ahead in range(9):
        day = today + timedelta(days=ahead)
        if day.weekday() in days and (moment := local_moment(day, at, tz)) > now:
            return moment
    raise ValueError(f"no day in {sorted(days)}")


def send_days(frequency: str, weekday: int) -> frozenset[int]:
    if frequency == "daily":
        return EVERY_DAY
    if frequency == "weekly":
        return frozenset({weekday})
    return WEEKDAYS


def covered(send_day: date, frequency: str) -> Period:
    """The listing days a digest sent on `send_day` (local) holds: the days since the previous
    one, so none is skipped. Daily: yesterday; weekdays: yesterday, and on Monday Friday to
    Sunday; weekly: the seven days before."""
    last = send_day - timedelta(days=1)
    if frequency == "weekly":
        return Period(last - timedelta(days=6), last)
    if frequency == "daily-weekdays" and send_day.weekday() == 0:
        return Period(last - timedelta(days=2), last)
    return Period(last, last)


def for_date(day: date, frequency: str) -> Period:
    """What `paperboy digest --date D` sends: the papers of D, or for weekly digests the seven
    days ending on D."""
    return Period(day - timedelta(days=6), day) if frequency == "weekly" else Period(day, day)


def due_digest(now: datetime, timezone: str, frequency: str, hour: int, weekday: int,
               since: datetime) -> tuple[datetime, Period] | None:
    """(when it was due, the days it covers) of the digest due now, if one is: its moment has
    passed, less than CATCH_UP ago, and not before `since` (when the user subscribed)."""
    moment = latest_at(now, zone(timezone), time(hour), send_days(frequency, weekday))
    if moment is None or moment < since or now - moment > CATCH_UP:
        return None
    return moment, covered(moment.astimezone(zone(timezone)).date(), frequency)
