"""What a user's digest holds: for each subscription, the papers in the digest's scope (see
scope.py) it picks and why, less those the user was shown before; each paper once, capped,
with a link to the rest.

A `DigestContext` lives for one run and caches what its users share: each window's papers
(read once: the moment they are read is the cut-off of every digest made from them), the
papers of each scope in trending order, saved-search results, the papers each author and
category picks, the recommendations' shared work (mail/recommend.py). A reader's picks are
these less the papers they were shown before (leaving papers out changes no other's order).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Connection

from paperboy import ranking
from paperboy.config import Settings
from paperboy.mail.recommend import Negatives, Shared, recommend
from paperboy.mail.scope import Scope
from paperboy.models import PaperRecord
from paperboy.ranking import Period
from paperboy.search.engine import SearchEngine
from paperboy.search.query import parse_query
from paperboy.store import Database, deliveries, digest_papers
from paperboy.store.subscriptions import Subscription
from paperboy.views import PaperView

SEARCH_LOOKBACK = timedelta(days=60)  # search dates are v1 dates; listings can be later
SEARCH_DEPTH = 1000


@dataclass(frozen=True)
class DigestItem:
    paper: PaperView
    reasons: tuple[str, ...]
    url: str
    paper_id: int  # the paper's row


@dataclass(frozen=True)
class Reader:
    """Whom a digest is for and what it is made from."""

    user_id: int
    email: str
    name: str
    subscriptions: list[Subscription]
    shown: AbstractSet[int] = frozenset()  # papers their earlier digests showed
    positives: AbstractSet[int] | None = None  # upvoted or collected; None: read when needed


@dataclass(frozen=True)
class Digest:
    user_id: int
    email: str
    name: str
    period: Period
    items: list[DigestItem]
    total: int  # papers picked before the cap
    more_url: str | None  # where the rest are, when the cap cut some
    cutoff: datetime  # when its papers were read: papers stored later are new to the next one

    @property
    def empty(self) -> bool:
        return self.total == 0

    @property
    def contents(self) -> deliveries.Contents:
        """What the send ledger keeps of it."""
        return deliveries.Contents(self.cutoff, tuple(i.paper_id for i in self.items))


@dataclass(frozen=True)
class Pool:
    """The visible papers listed in a window, when the hub first stored each, and when they
    were read."""

    papers: dict[int, PaperRecord]
    received: dict[int, datetime]
    read_at: datetime


@dataclass(frozen=True)
class Candidates:
    """The papers one digest may pick from, by row id, and their trending order."""

    papers: dict[int, PaperRecord]
    hot: list[int]

    def without(self, shown: AbstractSet[int]) -> Candidates:
        """These, less the papers the reader was shown before."""
        if not any(key in self.papers for key in shown):
            return self
        return Candidates({k: p for k, p in self.papers.items() if k not in shown},
                          [k for k in self.hot if k not in shown])


@dataclass
class DigestContext:
    db: Database
    settings: Settings
    now: datetime
    search: SearchEngine
    negatives: Negatives = field(default_factory=Negatives)
    _pools: dict[Period, Pool] = field(default_factory=dict)
    _candidates: dict[Scope, Candidates] = field(default_factory=dict)
    _searches: dict[tuple[Period, str], list[int]] = field(default_factory=dict)
    _bylines: dict[Period, dict[int, str]] = field(default_factory=dict)
    _followed: dict[tuple[Scope, str, str], list[int]] = field(default_factory=dict)
    _shared: dict[Scope, Shared] = field(default_factory=dict)
    _views: dict[tuple[Period, int], PaperView] = field(default_factory=dict)

    def pool(self, conn: Connection, window: Period) -> Pool:
        if window not in self._pools:
            read_at = datetime.now(UTC)  # before the read: what commits during it is new later
            found = digest_papers.in_period(conn, window)
            self._pools[window] = Pool(found, digest_papers.received(conn, list(found)),
                                       read_at)
        return self._pools[window]

    def candidates(self, conn: Connection, scope: Scope) -> Candidates:
        """The papers in scope, hottest first (readers of the same scope share them)."""
        if scope not in self._candidates:
            pool = self.pool(conn, scope.window)
            found = {key: p for key, p in pool.papers.items()  # (deleted between the reads: new)
                     if scope.holds(ranking.listing_day(p), pool.received.get(key, pool.read_at))}
            at = ranking.trending_moment(scope.period, self.now)
            hot = ranking.trending_order(
                ((key, p.upvotes or 0, ranking.listing_day(p), p.published)
                 for key, p in found.items()), at)
            self._candidates[scope] = Candidates(found, hot)
        return self._candidates[scope]

    def bylines(self, conn: Connection, window: Period) -> dict[int, str]:
        """Each paper's author names folded (see ranking.fold_name), " | "-separated."""
        if window not in self._bylines:
            self._bylines[window] = {
                key: " | ".join(f" {ranking.fold_name(a.name)} " for a in p.authors)
                for key, p in self.pool(conn, window).papers.items()}
        return self._bylines[window]

    def followed(self, conn: Connection, scope: Scope, sub: Subscription) -> list[int]:
        """The papers in scope an author or category subscription picks, hottest first."""
        key = (scope, sub.kind, sub.value)
        if key not in self._followed:
            found = self.candidates(conn, scope)
            if sub.kind == "author":
                wanted, bylines = f" {ranking.fold_name(sub.value)} ", self.bylines(conn,
                                                                                   scope.window)
                picked = [k for k in found.hot if wanted in bylines[k]]
            else:
                picked = [k for k in found.hot if _in_category(found.papers[k], sub.value)]
            self._followed[key] = picked
        return self._followed[key]

    def shared(self, conn: Connection, scope: Scope) -> Shared:
        """The scope's papers as recommendations pick among them."""
        if scope not in self._shared:
            found = self.candidates(conn, scope)
            self._shared[scope] = Shared(found.papers, found.hot, self.negatives)
        return self._shared[scope]

    def view(self, conn: Connection, window: Period, key: int) -> PaperView:
        """A paper of the window as a mail shows it (made once: papers are shown to many)."""
        if (window, key) not in self._views:
            self._views[(window, key)] = PaperView.of(self.pool(conn, window).papers[key])
        return self._views[(window, key)]

    def matching(self, conn: Connection, window: Period, query: str) -> list[int]:
        """The window's papers matching a saved search, best first."""
        if (window, query) not in self._searches:
            papers = self.pool(conn, window).papers
            parsed = parse_query(query).with_filters(date_from=window.first - SEARCH_LOOKBACK)
            found = self.search.ranked_ids(parsed, mode="bm25", limit=SEARCH_DEPTH)
            self._searches[(window, query)] = [key for key in found if key in papers]
        return self._searches[(window, query)]


def compose(ctx: DigestContext, conn: Connection, reader: Reader, scope: Scope) -> Digest:
    """The digest of `scope` for one reader, without the papers they were shown before."""
    cutoff = ctx.pool(conn, scope.window).read_at
    found = ctx.candidates(conn, scope).without(reader.shown)
    groups = [_picks(ctx, conn, reader, scope, found, sub) for sub in reader.subscriptions]
    picks = ranking.merge_picks(groups)
    cap = ctx.settings.digest_max_papers
    base = ctx.settings.base_url
    papers = found.papers
    items = [DigestItem(ctx.view(conn, scope.window, p.key), p.reasons,
                        f"{base}/papers/{papers[p.key].uid}", p.key) for p in picks[:cap]]
    more = None
    if len(picks) > cap:
        days = [ranking.listing_day(papers[p.key]) for p in picks]
        first = min([scope.period.first, *(day for day in days if day is not None)])
        more = f"{base}/digest?" + urlencode({"from": first.isoformat(),
                                              "to": scope.period.last.isoformat()})
    return Digest(reader.user_id, reader.email, reader.name, scope.period, items, len(picks),
                  more, cutoff)


def _picks(ctx: DigestContext, conn: Connection, reader: Reader, scope: Scope,
           found: Candidates, sub: Subscription) -> list[tuple[int, str]]:
    papers, hot = found.papers, found.hot
    if sub.kind == "query":
        return [(key, f"matches your search '{sub.value}'")
                for key in ctx.matching(conn, scope.window, sub.value) if key in papers]
    if sub.kind == "author":
        return [(key, f"by {sub.value}, an author you follow")
                for key in ctx.followed(conn, scope, sub) if key in papers]
    if sub.kind == "category":
        return [(key, f"in {sub.value}, a category you follow")
                for key in ctx.followed(conn, scope, sub) if key in papers]
    if sub.kind == "trending":
        return [(key, f"trending #{rank}")
                for rank, key in enumerate(hot[:sub.trending_count], start=1)]
    liked = [s.value for s in reader.subscriptions if s.kind == "category"]
    own = (reader.positives if reader.positives is not None
           else set(digest_papers.positives(conn, reader.user_id)))
    recommended = recommend(conn, own, ctx.shared(conn, scope), liked,
                            ctx.settings.digest_recommendations, allowed=papers)
    reason = ("recommended for you (from your categories and what is trending)"
              if recommended.cold else "recommended for you")
    return [(key, reason) for key in recommended.paper_ids]


def _in_category(paper: PaperRecord, category: str) -> bool:
    """Whether the paper is in this category or one under it (cs: cs.LG, cs.CL...)."""
    return any(c == category or c.startswith(f"{category}.") for c in paper.categories)
