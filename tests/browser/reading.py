"""Reading what a page shows, as a user would see it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def card_ids(page: Page) -> list[str]:
    """The paper ids of the page's cards, in order."""
    hrefs: list[str] = page.locator(".card-title a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
    return [href.removeprefix("/papers/") for href in hrefs]


def upvotes(page: Page) -> list[int]:
    return [int(count) for count in page.locator(".card .votes .count").all_inner_texts()]


def heading(page: Page) -> str:
    return page.locator("h1").inner_text().strip()


def at(page: Page, path: str) -> None:
    """Wait until the page's address is `path` (and a query string, if given) on the hub."""
    expect(page).to_have_url(re.compile("^http://[^/]+" + re.escape(path) + "$"))


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scroll)."""
    extra: int = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return extra
