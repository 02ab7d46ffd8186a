"""Following a page's feed link: the feed parses and lists the page's papers, linked here."""

from __future__ import annotations

import feedparser
import pytest
from playwright.sync_api import Page

from tests.browser.hub_data import WEEK
from tests.browser.reading import card_ids, heading


@pytest.mark.parametrize(("media_type", "suffix", "version"), [
    ("application/atom+xml", "atom", "atom10"), ("application/rss+xml", "rss", "rss20")])
def test_a_listing_feed_link_leads_to_its_papers(page: Page, media_type: str, suffix: str,
                                                 version: str):
    page.goto(f"/papers/week/{WEEK}?sort=upvotes")
    link = page.locator(f"head link[rel='alternate'][type='{media_type}']")
    href = link.get_attribute("href")
    assert href == f"/papers/week/{WEEK}/feed.{suffix}?sort=upvotes"
    footer_link = page.locator(f"footer a[type='{media_type}']")
    assert footer_link.get_attribute("href") == href  # the same feed, offered to people

    response = page.request.get(href)
    assert response.ok and response.headers["content-type"].startswith(media_type)
    feed = feedparser.parse(response.body())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == version
    shown = card_ids(page)
    linked = [entry.link.rsplit("/papers/", 1)[1] for entry in feed.entries]
    assert linked[:len(shown)] == shown  # the page's papers, in the page's order
    assert len(linked) == 48

    first = feed.entries[0]
    page.goto(first.link)
    assert heading(page) == first.title
