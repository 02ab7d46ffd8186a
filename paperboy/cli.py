"""The `paperboy` command. Human output on stdout, progress and logs on stderr, `--json` is one
JSON document on stdout. Our errors become one line on stderr and an exit code."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TimeRemainingColumn,
)

from paperboy.config import Settings, load_settings
from paperboy.errors import PaperboyError
from paperboy.store import Database, open_database

if TYPE_CHECKING:
    from paperboy.search.rank import Mode

app = typer.Typer(help="Paperboy: a self-hostable daily papers hub.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
fetch_app = typer.Typer(help="Fetch papers from remote sources.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(fetch_app, name="fetch")
stderr = Console(stderr=True, soft_wrap=True)


class State:
    """Built once per invocation by the global options; commands ask it for what they need."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None

    def db(self, migrate: bool = True) -> Database:
        if self._db is None:
            self._db = open_database(self.settings.database_url, migrate=migrate)
        return self._db


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", help="SQLite path, sqlite:/// or postgresql:// URL "
                     "[env PAPERBOY_DATABASE_URL; default ./paperboy.db]")] = None,
) -> None:
    ctx.obj = State(load_settings(database_url=db))


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=str, ensure_ascii=False) + "\n")


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


@app.command("index")
def index_command(
    ctx: typer.Context,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop and redo every entry.")] = False,
    no_model: Annotated[bool, typer.Option("--no-model", help="Terms only, no embeddings.")
                        ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Store search terms and embeddings for papers that lack them (resumable)."""
    from paperboy.search.embed import load_embedder
    from paperboy.search.indexer import index_papers

    db = ctx.obj.db()
    embedder, why = (None, "--no-model") if no_model else load_embedder()
    if embedder is None:
        stderr.print(f"indexing terms only: {why}", markup=False)
    with _bar("indexing", as_json) as (bar, task):
        report = index_papers(db, embedder, rebuild,
                              progress=lambda done, total: bar.update(task, completed=done,
                                                                      total=total))
    if as_json:
        emit_json(report.as_dict())
        return
    summary = report.as_dict()
    typer.echo(f"indexed {report.indexed} papers ({report.embedded} embedded, "
               f"{summary['embedded_per_second']}/s); {report.remaining} remaining")


@app.command("search")
def search_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words, "phrases", author:, cat:, year:, '
                                              "from:/to:, -word, has:code, an arXiv id")],
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    mode: Annotated[str, typer.Option(help="bm25, dense or hybrid")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search the papers."""
    from paperboy.search.engine import SearchEngine

    results = SearchEngine(ctx.obj.db()).search(query, mode=_mode(mode), limit=limit)
    for note in results.notes:
        stderr.print(f"note: {note}", markup=False)
    if as_json:
        emit_json([{"id": h.paper.uid, "title": h.paper.title, "score": round(h.score, 4),
                    "published": h.paper.published, "authors": [a.name for a in h.paper.authors],
                    "categories": list(h.paper.categories), "url": h.paper.abs_url}
                   for h in results.hits])
        return
    if not results.hits:
        typer.echo("no papers found")
    for rank, hit in enumerate(results.hits, start=1):
        day = hit.paper.published.date().isoformat() if hit.paper.published else "          "
        typer.echo(f"{rank:>3}. {hit.paper.uid:<16} {day}  {hit.paper.title}")


@app.command("eval")
def eval_command(
    folder: Annotated[Path, typer.Argument(help="A BEIR folder: corpus.jsonl, queries.jsonl, "
                                                "qrels/test.tsv")],
    mode: Annotated[str | None, typer.Option(help="bm25, dense or hybrid (default: all)")
                    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Measure search quality on a retrieval set (nDCG@10, Recall@5/100, MRR@10)."""
    from paperboy.search.beir import load_dataset
    from paperboy.search.embed import load_embedder
    from paperboy.search.evaluate import evaluate
    from paperboy.search.rank import MODES

    dataset = load_dataset(folder)
    modes = (_mode(mode),) if mode else MODES
    embedder = load_embedder()[0] if modes != ("bm25",) else None
    report = evaluate(dataset, modes, embedder,
                      progress=lambda message: stderr.print(message, markup=False))
    if as_json:
        emit_json(report)
        return
    typer.echo(f"{report['dataset']}: {report['documents']} documents, "
               f"{report['queries']} queries")
    typer.echo(f"{'mode':<8}{'nDCG@10':>9}{'R@5':>8}{'R@100':>8}{'MRR@10':>8}")
    for name, row in report["results"].items():
        if "error" in row:
            typer.echo(f"{name:<8}  {row['error']}")
            continue
        typer.echo(f"{name:<8}{row['ndcg@10']:>9.4f}{row['recall@5']:>8.4f}"
                   f"{row['recall@100']:>8.4f}{row['mrr@10']:>8.4f}")


def _mode(text: str) -> Mode:
    from paperboy.search.rank import MODES

    if text not in MODES:
        raise typer.BadParameter(f"{text!r}: use one of {', '.join(MODES)}", param_hint="--mode")
    return text


@contextmanager
def _bar(label: str, quiet: bool) -> Iterator[tuple[Progress, TaskID]]:
    """A progress bar on stderr (when it is a terminal)."""
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), console=stderr, transient=True,
                  disable=quiet or not stderr.is_terminal) as bar:
        yield bar, bar.add_task(label, total=None)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to date."""
    from paperboy.store import migrations

    db = ctx.obj.db(migrate=False)
    applied = migrations.upgrade(db.engine)
    revision = migrations.current_revision(db.engine)
    typer.echo(f"schema at revision {revision}" + (" (upgraded)" if applied else " (up to date)"))


@db_app.command("status")
def db_status(ctx: typer.Context,
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Schema revision, paper count and the latest ingest runs."""
    from paperboy.store import migrations, papers, runs

    db = ctx.obj.db(migrate=False)
    with db.engine.connect() as conn:
        revision = migrations.current_revision(db.engine)
        count = papers.count(conn) if revision else 0
        recent = runs.recent_runs(conn, 10) if revision else []
    status = {"revision": revision, "head": migrations.head_revision(), "papers": count,
              "runs": recent}
    if as_json:
        emit_json(status)
        return
    typer.echo(f"schema {revision} (code knows {status['head']}); {count} papers")
    for run in recent:
        typer.echo(f"  run {run['id']} {run['status']} {run['source']}: {run['new']} new, "
                   f"{run['updated']} updated, {run['unchanged']} unchanged, "
                   f"{run['rejected']} rejected {run['error'] or ''}")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Web processes.")] = 1,
) -> None:
    """Serve the hub over HTTP."""
    import uvicorn

    settings: Settings = ctx.obj.settings
    ctx.obj.db()  # migrate once, here, before any worker starts
    # Worker processes build their settings from the environment: hand --db down to them.
    os.environ["PAPERBOY_DATABASE_URL"] = settings.database_url
    uvicorn.run("paperboy.web.app:app_from_environment", factory=True,
                host=host or settings.host, port=port or settings.port, workers=workers,
                env_file=None, log_level="info")


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


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code."""
    try:
        app()  # click handles usage errors itself and exits 2
    except PaperboyError as exc:
        stderr.print(f"paperboy: error: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
