"""What a monitor reads from the database: the paper count stays cheap on a big hub."""

import pytest
from sqlalchemy import text

from paperboy.models import PaperRecord
from paperboy.store import health, open_database, papers


def add(db, count):
    with db.engine.begin() as conn:
        papers.upsert(conn, [PaperRecord(f"p{n}", f"Paper {n}", "Text.", source="jsonl")
                             for n in range(count)])


def test_the_paper_count_is_exact_on_a_small_hub(db):
    add(db, 12)
    with db.engine.connect() as conn:
        assert health.hub_numbers(conn).papers == 12


@pytest.fixture
def pg(postgres_url):
    db = open_database(postgres_url)
    yield db
    db.dispose()


def test_a_big_hub_on_postgresql_is_counted_from_its_statistics(pg, monkeypatch):
    db = pg
    monkeypatch.setattr(health, "EXACT_UP_TO", 10)
    add(db, 12)
    with db.engine.connect() as conn:
        assert health.hub_numbers(conn).papers == 12  # never analysed: counted
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE papers"))
        conn.execute(text("UPDATE pg_class SET reltuples = 5000 WHERE relname = 'papers'"))
    with db.engine.connect() as conn:
        assert health.hub_numbers(conn).papers == 5000  # the estimate, not a count
