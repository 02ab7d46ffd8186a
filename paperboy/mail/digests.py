"""Digest runs: who gets which period's digest, composed, rendered and sent through the ledger.

`for_date` is what `paperboy digest --date D` sends (everyone's digest of D, now); `due` is
what the worker sends (each user's digest once their hour has come in their time zone). A
digest holds what is new to its reader since their previous one (scope.py); the ledger keeps
what each held, written with its final status.

A run goes `BATCH` readers at a time: their ledger rows and what their digests are made from
(subscriptions, previous digest, papers shown before, own papers) are read in a few queries,
then each digest is composed, rendered, claimed and sent (sending.py) on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Connection

from paperboy import schedule
from paperboy.config import Settings
from paperboy.mail import links, render, sending, tokens
from paperboy.mail.compose import Digest, DigestContext, Reader, compose
from paperboy.mail.message import build, sender_domain
from paperboy.mail.scope import Scope, Since, for_digest
from paperboy.mail.smtp import Mailer, target_from
from paperboy.ranking import Period
from paperboy.search.engine import SearchEngine
from paperboy.store import Database, deliveries, digest_papers, digests, subscriptions
from paperboy.store.digests import Recipient

KIND = "digest"
BATCH = 100  # readers prepared together


@dataclass(frozen=True)
class Target:
    recipient: Recipient
    period: Period

    @property
    def key(self) -> str:
        """The ledger's period: the last day covered (one digest per user and last day)."""
        return self.period.last.isoformat()


@dataclass(frozen=True)
class Prepared:
    """A target's digest made ready: its reader, its scope and its ledger row as it was then
    (None: none yet)."""

    reader: Reader
    scope: Scope
    row: deliveries.Delivery | None


@dataclass
class RunReport:
    users: int = 0
    sent: int = 0
    empty: int = 0  # nothing matched: no mail (unless digest_send_empty)
    done_before: int = 0  # already in the ledger as sent, empty or failed
    held: int = 0  # another sender holds it right now
    failed: int = 0  # permanent failures
    retry: int = 0  # temporary failures, left for a later run
    gone: int = 0  # the reader's account was deleted during the run
    stopped: str | None = None  # why the run stopped early (server unreachable)
    previews: list[dict[str, object]] = field(default_factory=list)  # dry runs

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "previews" or v}


def for_date(db: Database, day: date, email: str | None = None) -> list[Target]:
    """Every recipient's digest of `day` (weekly ones: the seven days ending on it)."""
    with db.engine.connect() as conn:
        found = digests.recipients(conn)
    return [Target(r, schedule.for_date(day, r.settings.frequency)) for r in found
            if (email is None or r.email == email.lower()) and not r.settings.paused]


def due(db: Database, now: datetime) -> list[Target]:
    """The digests due now: each recipient whose hour has come (see schedule.due_digest)."""
    with db.engine.connect() as conn:
        found = digests.recipients(conn)
    targets = []
    for r in found:
        s = r.settings
        if s.paused:
            continue
        try:
            hit = schedule.due_digest(now, r.timezone, s.frequency, s.hour, s.weekday,
                                      r.confirmed_at)
        except schedule.InvalidTimezone:  # stored before validation existed: treat as UTC
            hit = schedule.due_digest(now, "UTC", s.frequency, s.hour, s.weekday,
                                      r.confirmed_at)
        if hit is not None:
            targets.append(Target(r, hit[1]))
    return targets


def preview(db: Database, settings: Settings, search: SearchEngine, user_id: int, email: str,
            name: str, period: Period) -> Digest:
    """The papers of `period` a user's subscriptions pick, composed but not sent (the web
    preview: new or not, shown before or not)."""
    ctx = DigestContext(db, settings, datetime.now(UTC), search)
    with db.engine.connect() as conn:
        reader = Reader(user_id, email, name, subscriptions.for_user(conn, user_id))
        return compose(ctx, conn, reader, Scope.of_period(period))


def rendered(settings: Settings, value: Digest, epoch: int, unsubscribe: str
             ) -> render.Rendered:
    """The mail of a digest; `epoch` is its reader's session epoch (their manage link's), and
    `unsubscribe` the link its List-Unsubscribe header carries too (one token: made twice, a
    second apart, the two would differ)."""
    return render.digest(value, base_url=settings.base_url,
                         manage_url=links.manage_url(settings, value.user_id, value.email, epoch),
                         unsubscribe_url=unsubscribe)


def unsubscribe_url(settings: Settings, user_id: int, email: str) -> str:
    return (f"{settings.base_url}/unsubscribe?token="
            f"{tokens.unsubscribe_token(settings, user_id, email)}")


def send(db: Database, settings: Settings, targets: list[Target], *, dry_run: bool = False,
         search: SearchEngine | None = None, sleep: Callable[[float], None] = time.sleep,
         progress: Callable[[Target, str], None] | None = None) -> RunReport:
    """Compose, render and send each target's digest once (dry run: render only)."""
    report = RunReport(users=len(targets))
    if not targets:  # nothing due: no SMTP settings needed either
        return report
    ctx = DigestContext(db, settings, datetime.now(UTC), search or SearchEngine(db))
    with _mailer(settings, dry_run) as mailer:
        for target, status in _outcomes(ctx, mailer, targets, report, dry_run, sleep):
            if status != "preview":
                setattr(report, status, getattr(report, status) + 1)
            if progress:
                progress(target, status)
            if report.stopped:
                break
    return report


def _outcomes(ctx: DigestContext, mailer: Mailer | None, targets: list[Target],
              report: RunReport, dry_run: bool, sleep: Callable[[float], None]
              ) -> Iterator[tuple[Target, str]]:
    """Each target and what became of its digest, in order, `BATCH` prepared at a time."""
    for start in range(0, len(targets), BATCH):
        batch = targets[start:start + BATCH]
        for target, ready in zip(batch, _prepare(ctx, batch), strict=True):
            yield target, _one(ctx, mailer, target, ready, report, dry_run, sleep)


def _prepare(ctx: DigestContext, targets: Sequence[Target]) -> list[Prepared]:
    """The targets' digests made ready (nothing is written: a row is made when claimed).

    Their reading state is read before each row is claimed (the claim comes right before
    the send), and that is safe: a row another sender finishes meanwhile fails our claim
    and is not sent twice, and what an earlier digest of another period showed can only
    change meanwhile through a second run for the same reader, which could as well have
    finished while one digest was being sent."""
    wanted = [(t.recipient.user_id, t.key) for t in targets]
    users = [user_id for user_id, _ in wanted]
    with ctx.db.engine.connect() as conn:
        rows = deliveries.get_all(conn, KIND, wanted)
        subs = subscriptions.for_users(conn, users)
        before = deliveries.previous_all(conn, KIND, dict(wanted))
        scopes = [scope_of(t, before.get(t.recipient.user_id)) for t in targets]
        shown = _shown_before(ctx, conn, targets, scopes)
        own = digest_papers.positives_of(conn, [u for u in users if _recommended(subs.get(u))])
    return [Prepared(Reader(r.user_id, r.email, r.name, subs.get(r.user_id, []),
                            shown.get(r.user_id, frozenset()), own.get(r.user_id, frozenset())),
                     scope, rows.get((r.user_id, t.key)))
            for t, scope in zip(targets, scopes, strict=True) for r in [t.recipient]]


def _shown_before(ctx: DigestContext, conn: Connection, targets: Sequence[Target],
                  scopes: Sequence[Scope]) -> dict[int, set[int]]:
    """The papers each reader's earlier digests showed them, of those listed in their
    digest's window (no other can be in it, so leaving the others out excludes the same)."""
    readers: dict[Period, list[int]] = {}
    for target, scope in zip(targets, scopes, strict=True):
        readers.setdefault(scope.window, []).append(target.recipient.user_id)
    found: dict[int, set[int]] = {}
    for window, user_ids in readers.items():
        listed = ctx.pool(conn, window).papers.keys()
        for user_id, paper_ids in deliveries.shown_to(conn, KIND, user_ids, listed).items():
            found.setdefault(user_id, set()).update(paper_ids)
    return found


def _recommended(subs: list[subscriptions.Subscription] | None) -> bool:
    return any(s.kind == "recommended" for s in subs or ())


def _one(ctx: DigestContext, mailer: Mailer | None, target: Target, ready: Prepared,
         report: RunReport, dry_run: bool, sleep: Callable[[float], None]) -> str:
    try:
        return _composed_and_sent(ctx, mailer, target, ready, report, dry_run, sleep)
    except sending.ReaderGone:
        return "gone"


def _composed_and_sent(ctx: DigestContext, mailer: Mailer | None, target: Target,
                       ready: Prepared, report: RunReport, dry_run: bool,
                       sleep: Callable[[float], None]) -> str:
    r, settings, row = target.recipient, ctx.settings, ready.row
    if not dry_run and row is not None and row.done:
        return "done_before"
    with ctx.db.engine.connect() as conn:
        value = compose(ctx, conn, ready.reader, ready.scope)
    if value.empty and not settings.digest_send_empty:
        if not dry_run and not sending.record_empty(ctx.db, settings, r.user_id, KIND,
                                                    target.key, row, value.contents):
            return _why_not_claimed(ctx.db, r.user_id, target.key)
        return "empty"
    unsubscribe = unsubscribe_url(settings, r.user_id, r.email)
    text = rendered(settings, value, r.session_epoch, unsubscribe)
    if dry_run or mailer is None:
        report.previews.append({"to": r.email, "subject": text.subject, "period": target.key,
                                "papers": [{"id": i.paper.id, "title": i.paper.title,
                                            "reasons": list(i.reasons)} for i in value.items],
                                "total": value.total, "text": text.text})
        return "preview"
    assert settings.mail_from is not None
    row = sending.claim_read(ctx.db, settings, r.user_id, KIND, target.key, row)
    if row is None:
        return _why_not_claimed(ctx.db, r.user_id, target.key)
    message = build(mail_from=settings.mail_from, to_email=r.email, to_name=r.name,
                    rendered=text, date=datetime.now(UTC),
                    message_id=sending.message_id(row, sender_domain(settings.mail_from)),
                    unsubscribe_url=unsubscribe)
    try:
        return sending.deliver(ctx.db, settings, mailer, row, message, len(value.items),
                               sleep=sleep, contents=value.contents)
    except sending.ServerUnavailable as exc:
        report.stopped = f"SMTP server unavailable: {exc}"
        return "retry"


def scope_of(target: Target, before: deliveries.Delivery | None) -> Scope:
    """What the target's digest may hold: what is new since the reader's previous digest
    `before` (the latest sent or empty one before it, deliveries.previous; if it kept its
    cut-off) or, without one, the period's papers."""
    since = None
    if before is not None and before.cutoff is not None:
        since = Since(date.fromisoformat(before.period), before.cutoff)
    return for_digest(target.period, target.recipient.settings.frequency, since)


def _why_not_claimed(db: Database, user_id: int, key: str) -> str:
    with db.engine.connect() as conn:
        row = deliveries.get(conn, user_id, KIND, key)
    if row is None:  # it was read or made, and went with its reader's account
        return "gone"
    return "done_before" if row.done else "held"


@contextmanager
def _mailer(settings: Settings, dry_run: bool) -> Iterator[Mailer | None]:
    if dry_run:
        yield None
        return
    tokens.unsubscribe_token(settings, 0, "")  # no secret key: fail before sending anything
    with Mailer(target_from(settings), settings.smtp_timeout) as mailer:
        yield mailer
