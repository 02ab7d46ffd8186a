"""The command's skeleton: the Typer apps, global options, output helpers and `main`.

Human output on stdout, progress and logs on stderr, `--json` is one JSON document on
stdout. Our errors become one line on stderr and an exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TimeRemainingColumn,
)

from paperboy.config import Settings, load_settings
from paperboy.errors import PaperboyError
from paperboy.store import Database, open_database

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
            self._db = open_database(self.settings.database_url, migrate=migrate,
                                     vectors=self.settings.vectors)
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


@contextmanager
def progress_bar(label: str, quiet: bool) -> Iterator[tuple[Progress, TaskID]]:
    """A progress bar on stderr (when it is a terminal)."""
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), console=stderr, transient=True,
                  disable=quiet or not stderr.is_terminal) as bar:
        yield bar, bar.add_task(label, total=None)


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code."""
    try:
        app()  # click handles usage errors itself and exits 2
    except PaperboyError as exc:
        stderr.print(f"paperboy: error: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
