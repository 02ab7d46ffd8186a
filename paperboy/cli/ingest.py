"""Getting papers in: `import` files, `fetch` from remote sources."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
)

from paperboy.cli.app import State, app, emit_json, fetch_app, stderr


@app.command("import")
def import_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files to import (plain or gzipped).")],
    fmt: Annotated[str, typer.Option("--format", help="auto, arxiv-atom, oai, rss, "
                                     "daily-papers, snapshot or jsonl")] = "auto",
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the good records and list the bad.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON summary on stdout.")] = False,
) -> None:
    """Import papers from files, in one transaction: all of it or nothing."""
    from paperboy.ingest import ImportRejected, import_files

    db = ctx.obj.db()
    total = sum(p.stat().st_size for p in paths if p.is_file())
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TimeRemainingColumn(), console=stderr, transient=True,
                  disable=not stderr.is_terminal) as bar:
        task = bar.add_task("importing", total=total)
        try:
            report = import_files(
                db, [str(p) for p in paths], fmt, skip_invalid,
                progress=lambda n: bar.advance(task, n),
                on_format=lambda path, name: stderr.print(
                    f"{path}: format {name}" + (" (detected)" if fmt == "auto" else "")),
            )
        except ImportRejected as exc:
            if as_json:
                emit_json(exc.report.as_dict())
            for error in [e for r in exc.report.inputs for e in r.errors]:
                stderr.print(f"invalid: {error}", markup=False, highlight=False)
            raise
    if as_json:
        emit_json(report.as_dict())
        return
    for item in report.inputs:
        for error in item.errors:
            stderr.print(f"skipped: {error}", markup=False, highlight=False)
        c = item.counts
        typer.echo(f"{item.source} ({item.format}): {c.new} new, {c.updated} updated, "
                   f"{c.unchanged} unchanged, {c.rejected} rejected")


def _report_fetch(report: Any, as_json: bool) -> None:
    if as_json:
        emit_json(report.as_dict())
    else:
        c = report.counts
        typer.echo(f"{report.source}: {c.new} new, {c.updated} updated, {c.unchanged} unchanged, "
                   f"{c.rejected} rejected")


@fetch_app.command("arxiv")
def fetch_arxiv(
    ctx: typer.Context,
    set_spec: Annotated[str | None, typer.Option("--set", help="OAI-PMH set, e.g. cs")] = None,
    from_date: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD")] = None,
    ids: Annotated[str | None, typer.Option("--ids", help="Comma-separated arXiv ids")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Harvest arXiv over OAI-PMH (--set, --from), or fetch papers by id (--ids)."""
    from paperboy.fetchers.arxiv import fetch_ids, harvest

    state: State = ctx.obj
    if ids:
        report = fetch_ids(state.db(), state.settings, [i for i in ids.split(",") if i])
    elif set_spec and from_date:
        report = harvest(state.db(), state.settings, set_spec,
                               _parse_day(from_date, "--from"),
                               _parse_day(until, "--until") if until else None,
                               progress=lambda message: stderr.print(message, markup=False))
    else:
        raise typer.BadParameter("give --ids, or --set and --from")
    _report_fetch(report, as_json)


@fetch_app.command("rss")
def fetch_rss(
    ctx: typer.Context,
    categories: Annotated[str, typer.Option(help="Categories joined by +, e.g. cs.CL+cs.LG")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fetch arXiv's announcement feed for some categories."""
    from paperboy.fetchers.rss import fetch_rss as fetch

    state: State = ctx.obj
    report = fetch(state.db(), state.settings, [c for c in categories.split("+") if c])
    _report_fetch(report, as_json)


@fetch_app.command("daily")
def fetch_daily(
    ctx: typer.Context,
    day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fetch a day's daily-papers listing."""
    from paperboy.fetchers.daily import fetch_daily as fetch

    state: State = ctx.obj
    when = _parse_day(day, "--date")
    report = fetch(state.db(), state.settings, when)
    _report_fetch(report, as_json)


def _parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date like 2024-01-31", param_hint=option) \
            from exc
