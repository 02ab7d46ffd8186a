"""Listings in the browser: the latest day, previous/next, week and month, paging, sorting."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import shoot
from tests.browser.hub_data import MATH_ID, OLD_FAVOURITE_ID, WEEK
from tests.browser.reading import at, card_ids, heading, upvotes


def test_previous_and_next_skip_the_days_without_papers(page: Page):
    page.goto("/")
    assert heading(page) == "Friday, 7 March 2025"
    expect(page.locator("header nav a[aria-current='page']")).to_have_text("Latest")
    assert MATH_ID in card_ids(page)
    shoot(page, "home")
    earlier = page.locator("nav.periods a.earlier")
    earlier.click()
    at(page, "/papers/date/2025-03-06")
    earlier.click()
    at(page, "/papers/date/2025-03-04")
    assert heading(page) == "Tuesday, 4 March 2025"
    shoot(page, "day")
    page.locator("nav.periods a.later").click()
    at(page, "/papers/date/2025-03-06")  # Wednesday had nothing
    page.goto("/papers/date/2025-03-05")
    expect(page.locator(".empty")).to_contain_text("No papers were listed on Wednesday")
    expect(page.locator("nav.periods a.earlier")).to_have_attribute("href",
                                                                     "/papers/date/2025-03-04")


def test_a_week_pages_through_its_papers_and_leads_to_its_month(page: Page):
    page.goto("/papers/date/2025-03-04")
    page.get_by_role("link", name="Whole week").click()
    at(page, f"/papers/week/{WEEK}")
    expect(page.locator("p.count")).to_have_text("48 papers, 1–30 shown")
    first = card_ids(page)
    shoot(page, "week")
    page.get_by_role("link", name="Next page →").click()
    at(page, f"/papers/week/{WEEK}?p=2")
    second = card_ids(page)
    assert len(first) == 30 and len(second) == 18
    assert not set(first) & set(second)
    page.get_by_role("link", name="Whole month").click()
    assert heading(page) == "March 2025"
    shoot(page, "month")
    page.locator("nav.periods a.earlier").click()
    at(page, "/papers/month/2025-02")
    assert heading(page) == "February 2025"


def test_sorting_by_trending_and_by_upvotes(page: Page):
    page.goto(f"/papers/week/{WEEK}")
    sorts = page.get_by_role("navigation", name="Sort")
    expect(sorts.locator("[aria-current='true']")).to_have_text("Trending")
    trending = card_ids(page)
    # Friday's 30 votes are hotter at the week's end than Monday's 100.
    assert trending.index(MATH_ID) < trending.index(OLD_FAVOURITE_ID)
    sorts.get_by_role("link", name="Most upvoted").click()
    at(page, f"/papers/week/{WEEK}?sort=upvotes")
    expect(sorts.locator("[aria-current='true']")).to_have_text("Most upvoted")
    assert card_ids(page)[0] == OLD_FAVOURITE_ID
    votes = upvotes(page)
    assert votes == sorted(votes, reverse=True)
    page.get_by_role("link", name="Next page →").click()
    at(page, f"/papers/week/{WEEK}?sort=upvotes&p=2")  # the sort is kept


def test_trending_is_one_click_from_anywhere(page: Page):
    page.goto("/papers/date/2025-02-28")
    page.locator("header").get_by_role("link", name="Trending").click()
    at(page, "/papers/trending")
    expect(page.locator(".listing-head .muted")).to_contain_text("1–7 March 2025")
    assert card_ids(page)[0] == MATH_ID
    shoot(page, "trending")
