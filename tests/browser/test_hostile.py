"""A hostile paper (`<script>`, `<img onerror>`, markup in names, LaTeX with `<` and `&`) is
shown as text wherever it appears, and runs nothing: the `pages` fixture fails a test on any
dialog, console error or uncaught exception, and here `window.pwned` must stay unset."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages
from tests.browser.hub_data import HOSTILE_ABSTRACT, HOSTILE_ID, HOSTILE_TITLE

CARD_TITLE = f".card-title:has(a[href='/papers/{HOSTILE_ID}'])"
PLACES = [(f"/papers/{HOSTILE_ID}", "h1"), ("/papers/date/2025-03-06", CARD_TITLE),
          ("/search?q=bold+claim", CARD_TITLE)]
INJECTED = "main script, main img, main [onerror], main [onload], main b, main i, main svg[onload]"


def assert_inert(page: Page) -> None:
    assert page.evaluate("typeof window.pwned") == "undefined"
    expect(page.locator(INJECTED)).to_have_count(0)


@pytest.mark.parametrize(("url", "title_selector"), PLACES)
def test_hostile_text_is_shown_as_text_and_runs_nothing(page: Page, url: str,
                                                        title_selector: str):
    page.goto(url)
    title = page.locator(title_selector)
    expect(title).to_contain_text("<script>window.pwned = 1; alert(1)</script> &")
    expect(title.locator("annotation")).to_have_text("a<b")  # the math, typeset
    assert_inert(page)


def test_the_hostile_paper_page_in_full(page: Page):
    page.goto(f"/papers/{HOSTILE_ID}")
    abstract = page.locator(".abstract")
    expect(abstract).to_contain_text('<img src=x onerror="window.pwned = 2; alert(2)"> shows')
    expect(abstract).to_contain_text("for every <b>bold</b> claim.")
    assert abstract.locator("annotation").all_text_contents() == ["x<y", "\\frac{a}{b}>0"]
    expect(page.locator(".authors-full li")).to_have_text("<b>Eve</b> Mallory (<i>Evil & Co</i>)")
    expect(page.locator(".paper-head .org")).to_have_text("<svg onload=alert(3)>")
    expect(page.locator("dd", has_text="10 pages")).to_have_text(
        "<a href=javascript:alert(4)>10 pages</a>")
    assert not page.locator("a[href^='javascript']").count()
    assert_inert(page)


def test_without_javascript_it_reads_exactly_as_written(pages: Pages):
    page = pages.open(java_script_enabled=False)
    page.goto(f"/papers/{HOSTILE_ID}")
    expect(page.locator("h1")).to_have_text(HOSTILE_TITLE)
    expect(page.locator(".abstract")).to_have_text(HOSTILE_ABSTRACT)
    expect(page.locator(INJECTED)).to_have_count(0)


def test_the_watch_sees_what_a_script_would_do(pages: Pages):
    """So that the tests above mean something: a dialog, a console error and an uncaught
    error on a hub page are all caught."""
    page = pages.open()
    page.goto("/")
    page.evaluate("alert('a dialog')")
    page.evaluate("console.error('an error')")
    page.evaluate("setTimeout(() => { throw new Error('uncaught'); }, 0)")
    for _ in range(100):  # the uncaught error arrives a moment later
        if len(pages.watch.problems) == 3:
            break
        page.wait_for_timeout(20)
    seen = list(pages.watch.problems)
    pages.watch.problems.clear()
    assert [problem.split(":")[0] for problem in seen] == ["dialog alert", "console error",
                                                           "page error"], seen
