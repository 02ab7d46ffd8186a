"""The paper page: math typeset by KaTeX, readable without JavaScript, links, the 404 page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages, shoot
from tests.browser.hub_data import MATH_ID, MATH_INLINE, MATH_TITLE
from tests.browser.reading import at, heading


def test_math_is_typeset_and_the_links_work(page: Page):
    page.goto(f"/papers/{MATH_ID}")
    abstract = page.locator(".abstract")
    expect(abstract.locator(".katex-display")).to_have_count(1)
    expect(abstract.locator(".katex")).to_have_count(3)  # two inline, one display
    assert MATH_INLINE in abstract.locator("annotation").all_text_contents()
    assert "$" not in abstract.inner_text()
    expect(page.locator("h1 .katex annotation")).to_have_text("\\mathbb{R}^n")
    links = page.get_by_role("navigation", name="This paper elsewhere")
    expect(links.get_by_role("link", name="Code")).to_have_attribute(
        "href", "https://github.com/example/curvature-flows")
    expect(links.get_by_role("link", name="Markdown")).to_have_attribute(
        "href", f"/papers/{MATH_ID}.md")
    shoot(page, "paper")
    page.get_by_role("link", name="Friday, 7 March 2025").click()
    at(page, "/papers/date/2025-03-07")


def test_without_javascript_the_page_reads_as_written(pages: Pages):
    page = pages.open(java_script_enabled=False)
    page.goto(f"/papers/{MATH_ID}")
    expect(page.locator(".katex")).to_have_count(0)
    assert heading(page) == MATH_TITLE
    expect(page.locator(".abstract")).to_contain_text(f"${MATH_INLINE}$")
    expect(page.locator(".authors-full li").first).to_have_text(
        "Ada Quill (Institute of Made-up Geometry)")
    shoot(page, "paper-without-javascript")


def test_an_unknown_paper_is_a_404_page_that_helps(pages: Pages):
    page = pages.open()
    pages.watch.allowed_errors.append("404 (Not Found)")  # Chromium logs the page's own status
    response = page.goto("/papers/2599.99999")
    assert response is not None and response.status == 404
    assert heading(page) == "Paper not found"
    shoot(page, "error-404")
    page.get_by_role("link", name="Trending papers").click()
    at(page, "/papers/trending")
