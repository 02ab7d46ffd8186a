"""Delivery from the command line: `subscription add|list|remove|schedule`, `digest`,
`worker`, and `jobs list|run` (each scheduled job as a one-shot command)."""

from __future__ import annotations

import signal
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer

from paperboy.cli.app import app, emit_json, stderr
from paperboy.errors import PaperboyError

subscription_app = typer.Typer(help="What users get in their digests.", no_args_is_help=True)
jobs_app = typer.Typer(help="The worker's scheduled jobs.", no_args_is_help=True)
app.add_typer(subscription_app, name="subscription")
app.add_typer(jobs_app, name="jobs")


class NoSuchUser(PaperboyError):
    exit_code = 2


def _user_id(ctx: typer.Context, email: str) -> int:
    from paperboy.store import users

    with ctx.obj.db().engine.connect() as conn:
        user = users.by_email(conn, email)
    if user is None:
        raise NoSuchUser(f"email: no user {email!r} (add one with `paperboy user add`)")
    return user.id


@subscription_app.command("add")
def subscription_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    query: Annotated[str | None, typer.Option(help="A saved search (query language).")] = None,
    author: Annotated[str | None, typer.Option(help="An author's name.")] = None,
    category: Annotated[str | None, typer.Option(help="An arXiv category, e.g. cs.CL.")] = None,
    trending: Annotated[int | None, typer.Option(help="The day's top N trending papers.")
                        ] = None,
    recommended: Annotated[bool, typer.Option("--recommended",
                                              help="Recommendations for this user.")] = False,
) -> None:
    """Subscribe a user to one thing (give exactly one option)."""
    from paperboy.store import subscriptions

    given = [(kind, value) for kind, value in (("query", query), ("author", author),
                                               ("category", category), ("trending", trending))
             if value is not None] + ([("recommended", "")] if recommended else [])
    if len(given) != 1:
        raise typer.BadParameter("give exactly one of --query, --author, --category, "
                                 "--trending, --recommended")
    user_id = _user_id(ctx, email)
    kind, value = given[0]
    with ctx.obj.db().engine.begin() as conn:
        sub = subscriptions.add(conn, user_id, kind, value)
    typer.echo(f"subscription {sub.id}: {email.lower()} gets {sub.describe()}")


@subscription_app.command("list")
def subscription_list(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Argument(help="Only this user's.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List subscriptions (everyone's, or one user's)."""
    from paperboy.store import subscriptions

    user_id = _user_id(ctx, email) if email else None
    with ctx.obj.db().engine.connect() as conn:
        found = subscriptions.listed(conn, user_id)
    if as_json:
        emit_json([{"id": s.id, "email": address, "kind": s.kind, "value": s.value}
                   for address, s in found])
        return
    if not found:
        typer.echo("no subscriptions")
    for address, s in found:
        typer.echo(f"{s.id:>5}  {address}  {s.describe()}")


@subscription_app.command("remove")
def subscription_remove(ctx: typer.Context,
                        subscription_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Remove a subscription by its id (see `subscription list`)."""
    from paperboy.store import subscriptions

    with ctx.obj.db().engine.begin() as conn:
        if not subscriptions.remove(conn, subscription_id):
            raise NoSuchUser(f"ID: no subscription {subscription_id}")
    typer.echo(f"removed subscription {subscription_id}")


@subscription_app.command("schedule")
def subscription_schedule(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    frequency: Annotated[str | None, typer.Option(
        help="daily-weekdays (default), daily or weekly")] = None,
    hour: Annotated[int | None, typer.Option(help="Hour of day (0-23), user's time zone.")
                    ] = None,
    weekday: Annotated[int | None, typer.Option(help="Weekly: 0 Monday ... 6 Sunday.")] = None,
    timezone: Annotated[str | None, typer.Option(help="e.g. Europe/Paris")] = None,
    pause: Annotated[bool | None, typer.Option("--pause/--resume")] = None,
) -> None:
    """Show or change when a user's digest comes."""
    from paperboy import schedule
    from paperboy.store import digests, users

    user_id = _user_id(ctx, email)
    changes = {k: v for k, v in (("frequency", frequency), ("hour", hour),
                                 ("weekday", weekday), ("paused", pause)) if v is not None}
    with ctx.obj.db().engine.begin() as conn:
        if timezone is not None:
            schedule.zone(timezone)
            users.set_timezone(conn, user_id, timezone)
        current = digests.save(conn, user_id, **changes) if changes else digests.get(
            conn, user_id)
        user = users.by_id(conn, user_id)
    assert user is not None
    when = (f"weekly on {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][current.weekday]}"
            if current.frequency == "weekly" else current.frequency)
    typer.echo(f"{user.email}: {when} at {current.hour}:00 {user.timezone}"
               + (" (paused)" if current.paused else ""))


@app.command("digest")
def digest_command(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--date", help="The day (YYYY-MM-DD) whose papers "
                                            "are sent; weekly digests: the 7 days ending on it "
                                            "[default: yesterday, UTC]")] = None,
    user: Annotated[str | None, typer.Option(help="Only this user's digest (an email).")
                    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the mails, send nothing.")
                       ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Send every subscriber their digest of a day, once (a rerun sends only what is missing)."""
    from paperboy.mail import digests
    from paperboy.ranking import parse_day

    settings = ctx.obj.settings
    db = ctx.obj.db()
    when = parse_day(day) if day else datetime.now(UTC).date() - timedelta(days=1)
    if user is not None:
        _user_id(ctx, user)
    targets = digests.for_date(db, when, user)

    def say(target: digests.Target, status: str) -> None:
        if not as_json:
            stderr.print(f"{target.recipient.email}: {status}", markup=False, highlight=False)

    report = digests.send(db, settings, targets, dry_run=dry_run, progress=say)
    if as_json:
        emit_json({"date": when.isoformat()} | report.as_dict())
    elif dry_run:
        _print_previews(report.previews)
    else:
        typer.echo(_summary(when, report))
    if report.stopped:
        stderr.print(f"stopped early: {report.stopped}", markup=False)
        sys.exit(5)


def _print_previews(previews: list[dict[str, Any]]) -> None:
    if not previews:
        typer.echo("no digest to send")
    for preview in previews:
        typer.echo(f"To: {preview['to']}\nSubject: {preview['subject']}\n\n{preview['text']}")


def _summary(day: date, report: Any) -> str:
    return (f"digests of {day}: {report.sent} sent, {report.empty} empty, "
            f"{report.done_before} sent before, {report.retry} to retry, "
            f"{report.failed} failed, {report.held} held by another run"
            + (f", {report.gone} accounts deleted meanwhile" if report.gone else ""))


@app.command("worker")
def worker_command(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run what is due (or --job) and exit.")
                    ] = False,
    job: Annotated[list[str] | None, typer.Option(help="Only this job (repeatable); with "
                                                  "--once it runs now even if not due.")
                   ] = None,
    poll: Annotated[float, typer.Option(min=1, max=3600, help="Seconds between checks.")
                    ] = 30.0,
    lease: Annotated[float | None, typer.Option(
        min=1, max=86400, help="Seconds a job's claim lasts unless renewed (it is renewed "
        "every third of that while the job runs): how soon another worker takes over the job "
        "of one that died. [default: each job's own, 10 minutes to 2 hours]")] = None,
) -> None:
    """Run the daily schedule: harvest, fetch, embed, send digests at each user's hour."""
    import logging
    from dataclasses import replace

    from paperboy.jobs.specs import JOBS
    from paperboy.jobs.worker import Worker

    names = _job_names(job) if job else None
    specs = {name: JOBS[name] for name in names} if names else JOBS
    if lease is not None:
        specs = {name: replace(spec, lease=timedelta(seconds=lease))
                 for name, spec in specs.items()}
    worker = Worker(ctx.obj.db(), ctx.obj.settings, specs=specs)
    if once:
        _print_results(worker.run_once(names, force=bool(names)))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stopping.set())
    stderr.print(f"worker {worker.owner}: jobs {', '.join(specs)}", markup=False)
    worker.run_forever(poll)


@jobs_app.command("run")
def jobs_run(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The job's name.")]
             ) -> None:
    """Run one job now (unless a worker is running it), recorded like the worker's runs."""
    from paperboy.jobs.specs import JOBS
    from paperboy.jobs.worker import Worker

    [checked] = _job_names([name])
    results = Worker(ctx.obj.db(), ctx.obj.settings, specs={checked: JOBS[checked]}).run_once(
        [checked], force=True)
    _print_results(results)


@jobs_app.command("list")
def jobs_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
              ) -> None:
    """Each job: when it is due, how its last run went, its last error; and failed mails."""
    from paperboy.jobs.specs import JOBS
    from paperboy.store import deliveries
    from paperboy.store import jobs as store

    with ctx.obj.db().engine.connect() as conn:
        rows = {job.name: job for job in store.all_jobs(conn)}
        failures = deliveries.failures(conn, 20)
    listed = [{"name": name, "description": spec.description,
               "due_at": rows[name].due_at if name in rows else None,
               "last_status": rows[name].last_status if name in rows else None,
               "attempts": rows[name].attempts if name in rows else 0,
               "running": rows[name].lease_owner if name in rows else None,
               "last_error": rows[name].last_error if name in rows else None}
              for name, spec in JOBS.items()]
    if as_json:
        emit_json({"jobs": listed, "failed_mails": [
            {"email": f.email, "kind": f.delivery.kind, "period": f.delivery.period,
             "status": f.delivery.status, "error": f.delivery.error} for f in failures]})
        return
    for job in listed:
        typer.echo(f"{job['name']:<14} due {job['due_at'] or 'at first start'}  "
                   f"last {job['last_status'] or '-'}"
                   + (f"  error: {job['last_error']}" if job["last_error"] else ""))
    for f in failures:
        typer.echo(f"mail to {f.email} ({f.delivery.kind} {f.delivery.period}) "
                   f"{f.delivery.status}: {f.delivery.error}")


def _job_names(names: list[str]) -> list[str]:
    from paperboy.jobs.specs import JOBS

    for name in names:
        if name not in JOBS:
            raise typer.BadParameter(f"no job {name!r} (jobs: {', '.join(JOBS)})",
                                     param_hint="--job")
    return names


def _print_results(results: list[Any]) -> None:
    for result in results:
        detail = result.error or result.summary or ""
        typer.echo(f"{result.job}: {result.status} {detail}".rstrip())
    if any(result.status == "failed" for result in results):
        sys.exit(1)
