"""`backup PATH` and `restore PATH`: a hub to a file and back, on either backend."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from paperboy.cli.app import app, emit_json


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A new file: a SQLite database, or a pg_dump "
                                              "custom-format file for PostgreSQL.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Back up the hub while it runs (a consistent snapshot)."""
    from paperboy.store import backup

    started = time.monotonic()
    db = ctx.obj.db(migrate=False)
    backup.backup(db, path)
    seconds = round(time.monotonic() - started, 3)
    size = path.stat().st_size
    if as_json:
        emit_json({"path": str(path), "bytes": size, "seconds": seconds})
    else:
        typer.echo(f"backed up to {path} ({size} bytes, {seconds} s)")


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A file made by `paperboy backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that has rows.")
                     ] = False,
) -> None:
    """Restore a backup into the database (stop the hub first)."""
    from paperboy.store import backup

    started = time.monotonic()
    backup.restore(ctx.obj.db(migrate=False), path, force)
    typer.echo(f"restored {path} ({round(time.monotonic() - started, 3)} s)")
