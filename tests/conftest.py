"""Shared fixtures: a real, migrated database file for every test that asks for one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperboy.store import Database, open_database

FIXTURES = Path(__file__).parent / "fixtures"
# ../shared beside the clone, as CI lays it out; SHARED_DIR points elsewhere.
SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "paperboy.db"))
    yield database
    database.dispose()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
