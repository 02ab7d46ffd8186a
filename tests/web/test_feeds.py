"""RSS 2.0 and Atom feeds of every listing and of searches, read back with feedparser."""

import html
from urllib.parse import urlencode

import feedparser
import pytest
from fastapi.testclient import TestClient

from paperboy.config import load_settings
from paperboy.web.app import create_app
from tests.web.conftest import (
    HOSTILE_ABSTRACT,
    HOSTILE_DAY,
    HOSTILE_ID,
    HOSTILE_TITLE,
    card_ids,
    page,
)

LISTINGS = {  # page: how many papers its feed holds
    "/": 4, "/papers/date/2024-11-18": 4, "/papers/week/2026-W47": 20,
    "/papers/month/2026-11": 48, "/papers/trending": 20, "/search?q=attention": None,
}
MEDIA = {"rss": "application/rss+xml; charset=utf-8",
         "atom": "application/atom+xml; charset=utf-8"}
VERSIONS = {"rss": "rss20", "atom": "atom10"}


def feed_url(page_url, fmt):
    path, _, query = page_url.partition("?")
    return f"{path.rstrip('/')}/feed.{fmt}" + (f"?{query}" if query else "")


def read(client, url, fmt):
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    assert response.headers["content-type"] == MEDIA[fmt]
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
    assert parsed.version == VERSIONS[fmt]
    return parsed


@pytest.mark.parametrize("fmt", ["rss", "atom"])
@pytest.mark.parametrize("listing", list(LISTINGS))
def test_every_listing_has_valid_feeds(site, listing, fmt):
    parsed = read(site, feed_url(listing, fmt), fmt)
    expected = LISTINGS[listing]
    if expected is None:  # a search: what the engine finds
        expected = len(site.app.state.search.search("attention", limit=50).hits)
    assert len(parsed.entries) == expected
    assert parsed.feed.title.startswith("paperboy")
    assert parsed.feed.link == "http://testserver" + listing
    for entry in parsed.entries:
        assert entry.title
        assert entry.link.startswith("http://testserver/papers/")
        assert entry.id == entry.link
        assert entry.published_parsed is not None
    first = parsed.entries[0].link.removeprefix("http://testserver")
    assert site.get(first).status_code == 200
    if listing != "/search?q=attention":
        shown = card_ids(page(site, listing))
        assert [e.link.rsplit("/papers/", 1)[1] for e in parsed.entries][:len(shown)] == shown


def test_a_feed_follows_the_sort_of_its_page(site):
    for sort in ("upvotes", "newest"):
        parsed = read(site, f"/papers/date/2024-11-18/feed.atom?sort={sort}", "atom")
        ids = [e.link.rsplit("/papers/", 1)[1] for e in parsed.entries]
        assert ids == card_ids(page(site, f"/papers/date/2024-11-18?sort={sort}"))
    llava = read(site, "/papers/date/2024-11-18/feed.rss", "rss").entries[0]
    assert llava.title == "LLaVA-o1: Let Vision Language Models Reason Step-by-Step"
    assert llava.published == "Mon, 18 Nov 2024 00:00:00 +0000"
    assert [a.name for a in llava.authors][:2] == ["Guowei Xu", "Peng Jin"]


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_hostile_text_stays_text_in_feeds(site, fmt):
    parsed = read(site, f"/papers/date/{HOSTILE_DAY}/feed.{fmt}", fmt)
    (entry,) = parsed.entries
    assert entry.title == HOSTILE_TITLE
    assert entry.link == f"http://testserver/papers/{HOSTILE_ID}"
    assert entry.authors[0].name == "<b>Eve</b> Mallory"
    assert [tag.term for tag in entry.tags] == ["cs.CR"]
    if fmt == "atom":  # plain text, as written
        assert entry.summary_detail.type == "text/plain"
        assert entry.summary == HOSTILE_ABSTRACT
    else:  # RSS descriptions are HTML: the text is escaped once more, so no tag survives
        assert "<img" not in entry.summary
        assert html.unescape(entry.summary) == HOSTILE_ABSTRACT
    raw = site.get(f"/papers/date/{HOSTILE_DAY}/feed.{fmt}").text
    assert "<script>" not in raw and "<img" not in raw


def test_search_feeds_follow_the_query_and_filters(site):
    params = urlencode({"q": "language model", "cat": "cs.CL", "has_code": "1"})
    parsed = read(site, f"/search/feed.atom?{params}", "atom")
    expected = site.app.state.search.search(
        "language model cat:cs.CL has:code", limit=50).hits
    assert [e.link.rsplit("/papers/", 1)[1] for e in parsed.entries] == [
        hit.paper.uid for hit in expected]
    assert parsed.feed.title == "paperboy search: language model"
    assert len(read(site, "/search/feed.rss?q=1706.03762", "rss").entries) == 1
    assert len(read(site, "/search/feed.rss", "rss").entries) == 50  # the newest


def test_pages_link_their_feeds(site):
    for listing in (*LISTINGS, "/papers/date/2026-11-14"):
        doc = page(site, listing)
        links = {link.get("type"): link.get("href")
                 for link in doc.xpath("//head/link[@rel='alternate']")}
        assert links == {"application/rss+xml": feed_url(listing, "rss"),
                         "application/atom+xml": feed_url(listing, "atom")}, listing
    sorted_page = page(site, "/papers/month/2026-11?sort=upvotes&p=2")
    assert sorted_page.xpath("//head/link[@type='application/rss+xml']/@href") == [
        "/papers/month/2026-11/feed.rss?sort=upvotes"]
    assert not page(site, "/search").xpath("//head/link[@rel='alternate']")


@pytest.mark.parametrize(("url", "status"), [
    ("/papers/trending/feed.json", 404), ("/search/feed.xml", 404), ("/feed.html", 404),
    ("/papers/date/2024-02-30/feed.rss", 404), ("/papers/week/2024-W99/feed.atom", 404),
    ("/papers/date/2024-11-18/feed.rss?sort=hot", 422),
    ("/search/feed.rss?from=yesterday", 422),
])
def test_bad_feed_addresses(site, url, status):
    assert site.get(url).status_code == status


def test_an_empty_hub_has_valid_empty_feeds(tmp_path):
    app = create_app(load_settings(database_url=str(tmp_path / "empty.db")))
    with TestClient(app) as client:
        for url in ("/feed.rss", "/feed.atom", "/papers/trending/feed.rss",
                    "/papers/date/2024-11-18/feed.atom", "/search/feed.rss?q=x"):
            assert read(client, url, url.rsplit(".", 1)[1].split("?")[0]).entries == []
