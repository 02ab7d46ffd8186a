from pathlib import Path

import pytest

from paperboy.ingest import import_files
from paperboy.search.embed import Embedder, load_embedder

DEMO = Path(__file__).resolve().parents[2] / "paperboy" / "samples" / "demo.jsonl"


@pytest.fixture
def demo_db(db):
    """A real database holding the bundled demo sample (48 papers)."""
    import_files(db, [str(DEMO)])
    return db


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    loaded, why = load_embedder()
    assert loaded is not None, why
    return loaded
