"""Moving a hub: `copy` between databases, `db checksum` to compare two of them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from paperboy.cli.app import app, db_app, emit_json, progress_bar

if TYPE_CHECKING:
    from paperboy.store.checksum import TableSum


@app.command("copy")
def copy_command(
    source: Annotated[str, typer.Option("--from", help="The hub to copy: a SQLite path or URL.")],
    target: Annotated[str, typer.Option("--to", help="An empty database (or one holding an "
                                                     "interrupted copy of the same source).")],
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="Rows per transaction.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Copy a whole hub to another database, verified by row counts and checksums; rerun to
    resume an interrupted copy."""
    from paperboy.store import transfer

    started = time.monotonic()
    source_db = transfer.open_source(source)
    try:
        target_db = transfer.open_target(target, source)
        try:
            with progress_bar("copying", as_json) as (bar, task):
                def shown(table: str, rows: int) -> None:
                    bar.update(task, description=table, completed=rows)

                report = transfer.copy_hub(source_db, target_db, transfer.describe(source),
                                           batch, shown)
        finally:
            target_db.dispose()
    finally:
        source_db.dispose()
    seconds = round(time.monotonic() - started, 3)
    if as_json:
        emit_json({"source": transfer.describe(source), "target": transfer.describe(target),
                   "resumed": report.resumed, "matches": report.matches, "seconds": seconds,
                   "tables": _table_rows(report.source, report.target)})
    else:
        _print_tables(report.source, report.target)
        verdict = "copy verified" if report.matches else "MISMATCH: the copy differs"
        typer.echo(f"{verdict} ({'resumed, ' if report.resumed else ''}{seconds} s)")
    if not report.matches:
        raise typer.Exit(1)


@db_app.command("checksum")
def checksum_command(ctx: typer.Context,
                     as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Row count and checksum of every table (equal on two hubs holding the same rows)."""
    from paperboy.store.checksum import hub_sums

    db = ctx.obj.db(migrate=False)
    with db.engine.connect() as conn:
        sums = hub_sums(conn)
    if as_json:
        emit_json({"tables": [s.as_dict() for s in sums]})
        return
    for s in sums:
        typer.echo(f"{s.table:<20} {s.rows:>10} {s.checksum}")


def _table_rows(source: list[TableSum], target: list[TableSum]) -> list[dict[str, object]]:
    return [{"table": s.table, "rows": s.rows, "checksum": s.checksum,
             "target_rows": t.rows, "target_checksum": t.checksum, "matches": s == t}
            for s, t in zip(source, target, strict=True)]


def _print_tables(source: list[TableSum], target: list[TableSum]) -> None:
    for s, t in zip(source, target, strict=True):
        mark = "ok" if s == t else f"DIFFERS: target {t.rows} rows {t.checksum}"
        typer.echo(f"{s.table:<20} {s.rows:>10} {s.checksum} {mark}")
