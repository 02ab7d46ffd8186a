"""Shared fixtures: a real, migrated database for every test that asks for one.

`db` runs each test twice: on a SQLite file and on a fresh PostgreSQL database (a copy of a
migrated template on a server started once per test process, see tests/postgres.py).
`sqlite_db` is for what only SQLite has (pragmas, files).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from paperboy.store import Database, open_database
from tests import postgres

FIXTURES = Path(__file__).parent / "fixtures"
# ../shared beside the clone, as CI lays it out; SHARED_DIR points elsewhere.
SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
TEMPLATE = "paperboy_template"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.Server]:
    """One PostgreSQL server per test process (each xdist worker has its own)."""
    server = postgres.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: postgres.Server) -> str:
    """A database migrated to the latest schema, to copy for each test (a copy is fast)."""
    postgres_server.execute(f"CREATE DATABASE {TEMPLATE}")
    open_database(postgres_server.url(TEMPLATE)).dispose()
    return TEMPLATE


@pytest.fixture(scope="session")
def new_postgres_database(postgres_server: postgres.Server, postgres_template: str
                          ) -> Callable[[], str]:
    """Makes fresh, migrated PostgreSQL databases (for fixtures wider than one test; they
    go with the server)."""
    def create() -> str:
        name = f"test_{next(_numbers)}"
        postgres_server.execute(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
        return postgres_server.url(name)

    return create


@pytest.fixture
def postgres_url(postgres_server: postgres.Server, new_postgres_database: Callable[[], str]
                 ) -> Iterator[str]:
    """The URL of a fresh, migrated PostgreSQL database, dropped after the test."""
    url = new_postgres_database()
    yield url
    postgres_server.execute(f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH (FORCE)")


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "paperboy.db"))
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database's URL: a SQLite file's path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = str(tmp_path / "paperboy.db")
        open_database(url).dispose()
        return url
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
