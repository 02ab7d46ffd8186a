"""The interactive API docs: `/docs` is served by the hub with everything it loads (no CDN),
under the same CSP as every other page; `/redoc` is gone."""

import pytest
from fastapi.testclient import TestClient
from lxml import html

from paperboy.config import load_settings
from paperboy.web.app import create_app
from paperboy.web.security import CSP

TYPES = {".js": "text/javascript", ".css": "text/css"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("apidocs") / "hub.db"
    with TestClient(create_app(load_settings(database_url=str(db)))) as client:
        yield client


def docs_page(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response, html.fromstring(response.text)


def test_the_docs_page_has_the_site_csp(client):
    response, _ = docs_page(client)
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert client.get("/openapi.json").headers["content-security-policy"] == CSP


def test_the_docs_page_loads_only_files_of_the_hub_and_no_inline_script(client):
    response, doc = docs_page(client)
    assert "http" not in response.text and "//" not in response.text  # no URL of another site
    urls = doc.xpath("//@src | //@href")
    assert sorted(urls) == ["/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css",
                            "/static/apidocs.js"]
    assert not [script for script in doc.iter("script") if script.text and script.text.strip()]
    assert doc.xpath("//*[@id='swagger-ui']/@data-openapi-url") == ["/openapi.json"]


def test_the_docs_assets_are_served_with_their_types(client):
    _, doc = docs_page(client)
    for url in doc.xpath("//script/@src | //link[@rel='stylesheet']/@href"):
        response = client.get(url)
        assert response.status_code == 200, url
        kind = TYPES["." + url.rsplit(".", 1)[1]]
        assert response.headers["content-type"].startswith(kind), (url, response.headers)
        assert len(response.content) > 500, url
    assert b"SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").content
    assert b"SwaggerUIBundle(" in client.get("/static/apidocs.js").content


def test_redoc_is_gone_and_an_unknown_asset_is_a_404(client):
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/assets/nothing.js").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_the_docs_are_not_in_the_api_description(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc"))]
