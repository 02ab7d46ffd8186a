"""Shared fixtures: a real, migrated database file for every test that asks for one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from paperboy.store import Database, open_database

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "paperboy.db"))
    yield database
    database.dispose()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
