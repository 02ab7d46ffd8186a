from fastapi.testclient import TestClient

from paperboy.config import load_settings
from paperboy.ingest import import_files
from paperboy.web.app import create_app


def test_the_front_page_lists_papers_with_their_text_escaped(db, tmp_path):
    path = tmp_path / "hostile.jsonl"
    path.write_text('{"id": "2401.00001", "title": "<script>alert(1)</script> & $a<b$", '
                    '"abstract": "<img src=x onerror=alert(1)>", "announced": "2024-01-02"}\n')
    import_files(db, [str(path)])
    app = create_app(load_settings(database_url=str(db.engine.url.database)))
    with TestClient(app) as client:
        page = client.get("/")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; $a&lt;b$" in page.text
    assert "<img src=x" not in page.text
    assert "1 papers in this hub" in page.text


def test_an_empty_hub_says_how_to_fill_it(tmp_path):
    app = create_app(load_settings(database_url=str(tmp_path / "empty.db")))
    with TestClient(app) as client:
        assert "paperboy import" in client.get("/").text
