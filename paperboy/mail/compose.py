"""What a user's digest holds: for each subscription, the period's papers it picks and why;
each paper once, capped, with a link to the rest.

A `DigestContext` lives for one run and caches what every user of a period shares: the
period's papers, their trending order, saved-search results, the negatives sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Connection

from paperboy import ranking
from paperboy.config import Settings
from paperboy.mail.recommend import Negatives, recommend
from paperboy.models import PaperRecord
from paperboy.ranking import Period
from paperboy.search.engine import SearchEngine
from paperboy.search.query import parse_query
from paperboy.store import Database, digest_papers
from paperboy.store.subscriptions import Subscription
from paperboy.views import PaperView

SEARCH_LOOKBACK = timedelta(days=60)  # search dates are v1 dates; listings can be later
SEARCH_DEPTH = 1000


@dataclass(frozen=True)
class DigestItem:
    paper: PaperView
    reasons: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class Digest:
    user_id: int
    email: str
    name: str
    period: Period
    items: list[DigestItem]
    total: int  # papers picked before the cap
    more_url: str | None  # where the rest are, when the cap cut some

    @property
    def empty(self) -> bool:
        return self.total == 0


@dataclass
class DigestContext:
    db: Database
    settings: Settings
    now: datetime
    search: SearchEngine
    negatives: Negatives = field(default_factory=Negatives)
    _papers: dict[Period, dict[int, PaperRecord]] = field(default_factory=dict)
    _trending: dict[Period, list[int]] = field(default_factory=dict)
    _searches: dict[tuple[Period, str], list[int]] = field(default_factory=dict)
    _bylines: dict[Period, dict[int, str]] = field(default_factory=dict)

    def papers(self, conn: Connection, period: Period) -> dict[int, PaperRecord]:
        if period not in self._papers:
            self._papers[period] = digest_papers.in_period(conn, period)
        return self._papers[period]

    def trending(self, conn: Connection, period: Period) -> list[int]:
        if period not in self._trending:
            at = ranking.trending_moment(period, self.now)
            self._trending[period] = ranking.trending_order(
                ((key, p.upvotes or 0, ranking.listing_day(p), p.published)
                 for key, p in self.papers(conn, period).items()), at)
        return self._trending[period]

    def bylines(self, conn: Connection, period: Period) -> dict[int, str]:
        """Each paper's author names folded (see ranking.fold_name), " | "-separated."""
        if period not in self._bylines:
            self._bylines[period] = {
                key: " | ".join(f" {ranking.fold_name(a.name)} " for a in p.authors)
                for key, p in self.papers(conn, period).items()}
        return self._bylines[period]

    def matching(self, conn: Connection, period: Period, query: str) -> list[int]:
        """The period's papers matching a saved search, best first."""
        if (period, query) not in self._searches:
            wanted = {p.uid: key for key, p in self.papers(conn, period).items()}
            parsed = parse_query(query).with_filters(date_from=period.first - SEARCH_LOOKBACK)
            hits = self.search.search(parsed, mode="bm25", limit=SEARCH_DEPTH).hits
            self._searches[(period, query)] = [wanted[h.paper.uid] for h in hits
                                               if h.paper.uid in wanted]
        return self._searches[(period, query)]


def compose(ctx: DigestContext, conn: Connection, user_id: int, email: str, name: str,
            period: Period, subscriptions: list[Subscription]) -> Digest:
    papers = ctx.papers(conn, period)
    groups = [_picks(ctx, conn, user_id, period, sub, subscriptions) for sub in subscriptions]
    picks = ranking.merge_picks(groups)
    cap = ctx.settings.digest_max_papers
    base = ctx.settings.base_url
    items = [DigestItem(PaperView.of(papers[p.key]), p.reasons,
                        f"{base}/papers/{papers[p.key].uid}") for p in picks[:cap]]
    more = (f"{base}/digest?" + urlencode({"from": period.first.isoformat(),
                                           "to": period.last.isoformat()})
            if len(picks) > cap else None)
    return Digest(user_id, email, name, period, items, len(picks), more)


def _picks(ctx: DigestContext, conn: Connection, user_id: int, period: Period,
           sub: Subscription, every: list[Subscription]) -> list[tuple[int, str]]:
    papers = ctx.papers(conn, period)
    hot = ctx.trending(conn, period)
    if sub.kind == "query":
        return [(key, f"matches your search '{sub.value}'")
                for key in ctx.matching(conn, period, sub.value)]
    if sub.kind == "author":
        wanted, bylines = f" {ranking.fold_name(sub.value)} ", ctx.bylines(conn, period)
        return [(key, f"by {sub.value}, an author you follow") for key in hot
                if wanted in bylines[key]]
    if sub.kind == "category":
        return [(key, f"in {sub.value}, a category you follow") for key in hot
                if any(c == sub.value or c.startswith(f"{sub.value}.")
                       for c in papers[key].categories)]
    if sub.kind == "trending":
        return [(key, f"trending #{rank}")
                for rank, key in enumerate(hot[:sub.trending_count], start=1)]
    liked = [s.value for s in every if s.kind == "category"]
    found = recommend(conn, user_id, papers, hot, liked, ctx.settings.digest_recommendations,
                      ctx.negatives)
    reason = ("recommended for you (from your categories and what is trending)" if found.cold
              else "recommended for you")
    return [(key, reason) for key in found.paper_ids]
