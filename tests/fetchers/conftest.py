"""What the fetcher tests share: a replay server, a manual clock, and looks at the store."""

from collections.abc import Iterator
from typing import Any

import pytest

from paperboy.store import Database, papers, runs
from tests.replay import ManualClock, ReplayServer


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as replay:
        yield replay


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def last_run(db: Database) -> dict[str, Any]:
    with db.engine.connect() as conn:
        return runs.recent_runs(conn, 1)[0]


def stored(db: Database) -> int:
    with db.engine.connect() as conn:
        return papers.count(conn)
