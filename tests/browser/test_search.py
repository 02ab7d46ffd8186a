"""The search page: results and paging, filters, the empty and no-result states."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import shoot
from tests.browser.hub_data import SEARCH_WORD
from tests.browser.reading import at, card_ids


def test_results_page_and_the_filters_narrow_them(page: Page):
    page.goto("/")
    page.get_by_role("searchbox", name="Search papers").fill(SEARCH_WORD)
    page.keyboard.press("Enter")
    at(page, f"/search?q={SEARCH_WORD}")
    expect(page.locator("p.count")).to_contain_text("44 results, 1–30 shown")
    first = card_ids(page)
    shoot(page, "search")
    page.get_by_role("link", name="Next page →").click()
    expect(page.locator("p.count")).to_contain_text("44 results, 31–44 shown")
    assert len(set(first) | set(card_ids(page))) == 44

    page.get_by_label("Category").fill("cs.CL")
    page.get_by_label("Has code").check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator("p.count")).to_contain_text("8 results")  # even and a multiple of 3
    cards = page.locator(".card")
    for index in range(cards.count()):
        card = cards.nth(index)
        expect(card.locator(".tags")).to_contain_text("cs.CL")
        expect(card.get_by_role("link", name="Code")).to_have_count(1)
    expect(page.get_by_label("Category")).to_have_value("cs.CL")  # the form keeps its filters
    expect(page.get_by_label("Has code")).to_be_checked()


def test_no_results_offer_to_drop_a_filter(page: Page):
    page.goto(f"/search?q={SEARCH_WORD}")
    page.get_by_label("Submitted from").fill("2030-01-01")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".empty")).to_contain_text("No papers match.")
    shoot(page, "search-no-results")
    page.get_by_role("link", name="Remove the start date").click()
    expect(page.locator("p.count")).to_contain_text("44 results, 1–30 shown")
    expect(page.get_by_label("Submitted from")).to_have_value("")


def test_an_empty_search_explains_the_query_language(page: Page):
    page.goto("/")
    page.locator("header").get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", name="How to search")).to_be_visible()
    expect(page.locator(".cards")).to_have_count(0)
    shoot(page, "search-empty")
    page.get_by_role("link", name="cat:cs.CL").click()
    at(page, "/search?q=cat%3Acs.CL")
    assert card_ids(page)
