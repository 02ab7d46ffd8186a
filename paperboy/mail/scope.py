"""Which papers a reader's digest may hold: what is new to them since their previous digest.

A reader's first digest holds the papers listed in its period. Every later one holds the
papers listed in the last `RECENT_DAYS` days (up to the period's last day) that are new to
the reader: listed after the last day their previous digest covered, or first stored by the
hub after that digest chose its papers (its cut-off). So a paper that reaches the hub after
the digest of its day went out is in the next one, and a bulk import of old papers in none.
Papers an earlier digest showed the reader are left out by the caller (the send ledger keeps
them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from paperboy.ranking import Period

# How far back a listing day may be for a paper to count as new: a week for daily digests, two
# for weekly ones. Papers that come later than that (a harvest catching up on a month, an
# import of the arXiv snapshot) are old news, and a flood.
RECENT_DAYS = {"daily": 7, "daily-weekdays": 7, "weekly": 14}
# A paper's received time is taken when its import starts, and its transaction may commit
# after a digest read the papers (a long import, another machine's clock a little off): papers
# received this long before a cut-off still count as new (none is shown twice: see above).
MARGIN = timedelta(hours=1)


@dataclass(frozen=True)
class Since:
    """The reader's previous digest: the last day it covered and its cut-off."""

    last_day: date
    cutoff: datetime


@dataclass(frozen=True)
class Scope:
    """A digest of `period` holds papers listed in `window` (which ends with the period) that
    are new since `since` (None: a first digest, the period's papers)."""

    period: Period
    window: Period
    since: Since | None = None

    @classmethod
    def of_period(cls, period: Period) -> Scope:
        """The papers listed in `period`, new or not (a first digest; the web preview)."""
        return cls(period, period)

    def holds(self, listed: date | None, received: datetime) -> bool:
        """Whether a paper listed on `listed` and first stored at `received` is in scope."""
        if listed is None or not self.window.first <= listed <= self.window.last:
            return False
        if self.since is None:
            return self.period.first <= listed
        return listed > self.since.last_day or received > self.since.cutoff - MARGIN


def for_digest(period: Period, frequency: str, since: Since | None) -> Scope:
    """The scope of a digest of `period` at this frequency, after the digest `since`."""
    days = RECENT_DAYS.get(frequency, RECENT_DAYS["daily"])
    first = min(period.first, period.last - timedelta(days=days - 1))
    return Scope(period, Period(first, period.last), since)
