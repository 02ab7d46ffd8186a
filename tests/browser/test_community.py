"""Upvotes, comments and collections in the browser, as a signed-in member."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages, shoot
from tests.browser.hub_data import MATH_ID, OLD_FAVOURITE_ID
from tests.browser.members import new_name, sign_up
from tests.browser.reading import at

HOSTILE_COMMENT = ('<script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2"> '
                   "[click me](javascript:alert(1)) and $a<b$ & *fine*")


def test_upvote_and_take_it_back(member_pages: Pages):
    page = member_pages.open()
    page.goto(f"/papers/{OLD_FAVOURITE_ID}")
    box = page.locator(".paper-head .votes")
    expect(box).to_have_attribute("href", f"/login?next=%2Fpapers%2F{OLD_FAVOURITE_ID}")
    name = sign_up(page, new_name("voter"))
    page.goto(f"/papers/{OLD_FAVOURITE_ID}")
    expect(box.locator(".count")).to_have_text("100")
    expect(box).to_have_attribute("aria-pressed", "false")
    box.click()
    expect(box).to_have_attribute("aria-pressed", "true")
    expect(box.locator(".count")).to_have_text("101")
    page.goto(f"/u/{name}")
    expect(page.locator(".card-title a")).to_have_attribute("href",
                                                           f"/papers/{OLD_FAVOURITE_ID}")
    page.goto(f"/papers/{OLD_FAVOURITE_ID}")
    box.click()
    expect(box).to_have_attribute("aria-pressed", "false")
    expect(box.locator(".count")).to_have_text("100")


def test_upvote_from_a_listing_comes_back_to_it(member_pages: Pages):
    page = member_pages.open()
    sign_up(page, new_name("lister"))
    page.goto("/papers/date/2025-03-07")
    card = page.locator(".card", has=page.locator(f"a[href='/papers/{MATH_ID}']"))
    card.locator(".votes").click()
    at(page, "/papers/date/2025-03-07")
    expect(card.locator(".votes")).to_have_attribute("aria-pressed", "true")
    card.locator(".votes").click()  # and undo, for the other tests
    expect(card.locator(".votes")).to_have_attribute("aria-pressed", "false")


def post_comment(page: Page, body: str) -> None:
    page.get_by_label("Add a comment").fill(body)
    page.get_by_role("button", name="Post comment").click()


def test_comments_replies_and_a_hostile_comment_shown_as_text(member_pages: Pages):
    page = member_pages.open()
    name = sign_up(page, new_name("critic"))
    page.goto(f"/papers/{MATH_ID}")
    post_comment(page, f"A **fine** bound; compare `E = mc^2`, says @{name}.")
    first = page.locator(".thread > .comment").first
    expect(first.locator(".body strong")).to_have_text("fine")
    expect(first.locator(".body a")).to_have_attribute("href", f"/u/{name}")  # the mention

    first.locator("summary", has_text="Reply").click()
    first.get_by_label(f"Reply to {name}").fill("Agreed.")
    first.get_by_role("button", name="Post reply").click()
    expect(first.locator("ol .comment .body")).to_have_text("Agreed.")

    post_comment(page, HOSTILE_COMMENT)
    hostile = page.locator(".thread > .comment").last.locator(".body")
    expect(hostile).to_contain_text('<script>window.pwned = 1</script> <img src=x onerror=')
    expect(hostile.locator("script, img, [onerror]")).to_have_count(0)
    expect(hostile.locator("em")).to_have_text("fine")
    expect(page.locator("a[href^='javascript']")).to_have_count(0)
    assert page.evaluate("typeof window.pwned") == "undefined"
    shoot(page, "paper-with-comments")


def test_make_a_collection_and_add_papers(member_pages: Pages):
    page = member_pages.open()
    name = sign_up(page, new_name("curator"))
    page.goto(f"/papers/{MATH_ID}")
    collections = page.locator("#collections")
    collections.locator("summary", has_text="New collection").click()
    collections.get_by_label("Name").fill("Reading group: flows")
    collections.get_by_label("Public").check()
    collections.get_by_role("button", name="Create and add this paper").click()
    at(page, f"/papers/{MATH_ID}")
    expect(collections.get_by_role("link", name="Reading group: flows")).to_have_attribute(
        "href", f"/u/{name}/c/reading-group-flows")

    page.goto(f"/papers/{OLD_FAVOURITE_ID}")
    collections.get_by_label("Add to").select_option(label="Reading group: flows")
    collections.get_by_label("Note").fill("The baseline to beat")
    collections.get_by_role("button", name="Add", exact=True).click()
    page.goto(f"/u/{name}")
    page.get_by_role("link", name="Reading group: flows").click()
    at(page, f"/u/{name}/c/reading-group-flows")
    expect(page.locator(".card-title a")).to_have_count(2)
    expect(page.locator(".cards .note")).to_have_text("The baseline to beat")
    shoot(page, "collection")
