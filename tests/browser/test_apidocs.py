"""The interactive API docs, served by the hub itself: /docs lists the API's operations and runs
one with the site's CSP on, asking nothing of any other site. (The `page` fixture also fails a
test on any console error, which is how Chromium reports what the CSP refused.)"""

from __future__ import annotations

from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Hub, shoot


def test_the_api_docs_work_from_the_hub_alone(page: Page, hub: Hub):
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    response = page.goto("/docs")
    assert response is not None
    assert "script-src 'self';" in response.headers["content-security-policy"]

    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = operations.evaluate_all("paths => paths.map(path => path.dataset.path)")
    assert {"/api/daily_papers", "/api/papers/{arxiv_id}", "/api/subscriptions"} <= set(paths)
    shoot(page, "api-docs")

    daily = page.locator(".opblock-get", has=page.locator("[data-path='/api/daily_papers']"))
    daily.locator(".opblock-summary").click()
    daily.get_by_role("button", name="Try it out").click()
    daily.get_by_role("button", name="Execute").click()
    status = daily.locator(".live-responses-table tr.response .response-col_status")
    expect(status).to_have_text("200")
    assert f"{hub.url}/openapi.json" in requested
    assert f"{hub.url}/api/daily_papers?sort=publishedAt&p=0&limit=50" in requested
    assert [url for url in requested if not url.startswith(hub.url + "/")] == []
