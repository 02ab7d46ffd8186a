"""A hub for the page tests: built once per module (the tests only read it)."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html

from paperboy.config import load_settings
from paperboy.ingest import import_files
from paperboy.store import open_database
from paperboy.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "paperboy" / "samples" / "demo.jsonl"
DAILY = ROOT / "tests" / "fixtures" / "daily_papers" / "2024-11-18.json"
ATOM = ROOT / "tests" / "fixtures" / "arxiv_atom" / "query.xml"

HOSTILE_ID = "2412.00666"
HOSTILE_DAY = "2025-06-02"
HOSTILE_TITLE = "<script>alert(1)</script> & $a<b$ Bounds"
HOSTILE_ABSTRACT = "<img src=x onerror=alert(1)> shows $x<y$ & $\\frac{a}{b}>0$ for zebrafish"
HOSTILE = {
    "id": HOSTILE_ID, "title": HOSTILE_TITLE, "abstract": HOSTILE_ABSTRACT,
    "authors": [{"name": "<b>Eve</b> Mallory", "affiliation": "<i>Evil & Co</i>"}, "Trent"],
    "categories": ["cs.CR"], "announced": HOSTILE_DAY, "published": "2024-12-01",
    "project_url": "https://example.org/<x>",
    "org": "<svg onload=alert(1)>", "comments": "<a href=javascript:x>10 pages</a>",
    "doi": "10.1000/<x>&y",
}
OWN_ID_TITLE = "A paper from a workshop, without an arXiv id"


def build_hub(path: Path) -> str:
    """A database file with the demo sample (48 papers, 10-25 Nov 2026), the daily-papers
    listing of 18 Nov 2024, five arXiv API entries and two papers of our own."""
    return fill_hub(str(path), path.parent)


def fill_hub(url: str, folder: Path) -> str:
    """The hub of `build_hub` in the database at `url` (a path or a URL)."""
    extra = folder / "extra.jsonl"
    extra.write_text(json.dumps(HOSTILE) + "\n" + json.dumps(
        {"title": OWN_ID_TITLE, "abstract": "Zebrafish fins, regrown.",
         "announced": "2025-06-03", "authors": [f"Author {n}" for n in range(1, 31)]})
        + "\n")
    db = open_database(url)
    import_files(db, [str(DEMO), str(DAILY), str(ATOM), str(extra)])
    db.dispose()
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(request, tmp_path_factory):
    """The hub, served; once on SQLite and once on PostgreSQL."""
    folder = tmp_path_factory.mktemp("hub")
    url = (str(folder / "hub.db") if request.param == "sqlite"
           else request.getfixturevalue("new_postgres_database")())
    with TestClient(create_app(load_settings(database_url=fill_hub(url, folder)))) as client:
        yield client


def page(client, url, status=200):
    """The page at `url`, parsed, after checking its status and that it is HTML."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def by_class(element, name):
    """Elements under `element` with this class."""
    return element.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def card_ids(doc):
    """The paper ids of a page's cards, in order (the related papers of a paper page too)."""
    return [title.xpath("./a")[0].get("href").removeprefix("/papers/")
            for title in by_class(doc, "card-title")]


def text(element):
    return " ".join(element.text_content().split())
