"""`paperboy user add|token|admin|suspend|list`: accounts from the command line (the first
admin, tokens for scripts). Users added here count as confirmed for digests."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Connection

from paperboy.accounts import rules, service
from paperboy.cli.app import app, emit_json
from paperboy.errors import ConfigError, PaperboyError
from paperboy.store import users
from paperboy.store.users import User, UserExists

user_app = typer.Typer(help="Manage users: add, make tokens, promote, suspend, list.",
                       no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def add(ctx: typer.Context, email: str,
        name: Annotated[str | None, typer.Option(help="User name (default: from the email).")
                        ] = None,
        admin: Annotated[bool, typer.Option("--admin", help="Make an admin.")] = False,
        password_file: Annotated[Path | None, typer.Option(
            help="Read the password from this file ('-': standard input). Without it, a "
                 "terminal asks; otherwise the user gets no password (digests only).")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Add a user (confirmed; an admin with --admin)."""
    password = _password(password_file)
    db = ctx.obj.db()
    try:
        checked_email = rules.email(email)
        with db.engine.begin() as conn:
            chosen = rules.name(name) if name else _free_name(conn, checked_email)
            if password is None:
                user = users.create(conn, name=chosen, email=checked_email, is_admin=admin,
                                    confirmed=True)
            else:
                user = service.sign_up(conn, name=chosen, email=checked_email,
                                       password=password, is_admin=admin, confirmed=True)
    except UserExists as taken:
        raise PaperboyError(f"user add: that {taken.field} is already in use") from taken
    _report(user, as_json, "added" + ("" if password else " (no password: digests only)"))


@user_app.command("token")
def token(ctx: typer.Context, email: str,
          name: Annotated[str, typer.Option(help="What the token is for.")] = "cli") -> None:
    """Make an API token for a user and print it (it is shown only once)."""
    db = ctx.obj.db()
    with db.engine.begin() as conn:
        made = service.new_token(conn, _user(conn, email), name)
    typer.echo(made)


@user_app.command("admin")
def make_admin(ctx: typer.Context, email: str,
               revoke: Annotated[bool, typer.Option("--revoke")] = False) -> None:
    """Make a user an admin (or, with --revoke, no longer)."""
    db = ctx.obj.db()
    with db.engine.begin() as conn:
        users.set_admin(conn, _user(conn, email).id, not revoke)
    typer.echo(f"{email}: {'no longer an admin' if revoke else 'admin'}", err=True)


@user_app.command("suspend")
def suspend(ctx: typer.Context, email: str,
            lift: Annotated[bool, typer.Option("--lift")] = False) -> None:
    """Suspend a user (signed out, cannot sign in), or lift it."""
    db = ctx.obj.db()
    with db.engine.begin() as conn:
        users.set_suspended(conn, _user(conn, email).id, not lift)
    typer.echo(f"{email}: {'suspension lifted' if lift else 'suspended'}", err=True)


@user_app.command("list")
def list_users(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
               ) -> None:
    """Every user, by name."""
    db = ctx.obj.db()
    with db.engine.connect() as conn:
        everyone = users.everyone(conn)
    if as_json:
        emit_json([_json(u) for u in everyone])
        return
    for user in everyone:
        flags = [f for f, on in (("admin", user.is_admin), ("suspended", user.suspended)) if on]
        typer.echo(f"{user.name}\t{user.email}\t{','.join(flags)}")


def _password(path: Path | None) -> str | None:
    if path is not None:
        try:
            text = sys.stdin.read() if str(path) == "-" else path.read_text()
        except OSError as exc:
            raise ConfigError(f"--password-file {path}: {exc.strerror}") from exc
        return text.rstrip("\n")
    if sys.stdin.isatty():
        entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return entered
    return None


def _free_name(conn: Connection, email: str) -> str:
    """A user name from the email's local part, numbered if taken."""
    base = re.sub(r"[^a-z0-9_-]+", "-", email.split("@")[0]).strip("-_")[:28] or "user"
    base = base if len(base) >= 2 else f"{base}-user"
    candidate, number = base, 1
    while users.by_name(conn, candidate) or candidate in rules.RESERVED:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def _user(conn: Connection, email: str) -> User:
    user = users.by_email(conn, email)
    if user is None:
        raise PaperboyError(f"no user with email {email!r}")
    return user


def _report(user: User, as_json: bool, what: str) -> None:
    if as_json:
        emit_json(_json(user))
    else:
        typer.echo(f"{user.name} <{user.email}>{' (admin)' if user.is_admin else ''}: {what}",
                   err=True)


def _json(user: User) -> dict[str, object]:
    return {"name": user.name, "email": user.email, "admin": user.is_admin,
            "suspended": user.suspended, "hasPassword": user.password_hash is not None}
