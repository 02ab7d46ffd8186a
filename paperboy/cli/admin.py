"""Running the hub: `db upgrade`, `db status`, `serve`."""

from __future__ import annotations

import os
import secrets
from typing import Annotated

import typer

from paperboy.cli.app import app, db_app, emit_json
from paperboy.config import Settings


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
    # Worker processes build their settings from the environment: hand --db down to them,
    # and one session key for them all (a random one, said loudly, when none is set).
    os.environ["PAPERBOY_DATABASE_URL"] = settings.database_url
    if settings.secret_key is None:
        typer.echo("paperboy: PAPERBOY_SECRET_KEY is not set: using a random key for this run, "
                   "so sign-ins end when the server restarts; set one (32+ characters) in "
                   "production", err=True)
        os.environ["PAPERBOY_SECRET_KEY"] = secrets.token_urlsafe(48)
    uvicorn.run("paperboy.web.app:app_from_environment", factory=True,
                host=host or settings.host, port=port or settings.port, workers=workers,
                env_file=None, log_level="info")
