"""Listing pages: the latest day, a day, a week, a month, trending; sorting, paging, periods."""

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from paperboy import ranking
from paperboy.config import load_settings
from paperboy.ranking import Period
from paperboy.store import listings
from paperboy.web.app import create_app
from tests.web.conftest import by_class, card_ids, page, text

LISTED_ON_18 = ["2411.11504", "2411.10440", "2411.10323", "2411.09944"]  # newest v1 first
BY_VOTES_ON_18 = ["2411.10440", "2411.10323", "2411.11504", "2411.09944"]  # 112, 31, 7, 0


def rel(doc, name):
    """The href of the link with rel=name, or None."""
    found = doc.xpath(f"//a[@rel='{name}']/@href")
    return found[0] if found else None


def period_links(doc):
    nav = doc.xpath("//nav[contains(@class, 'periods')]")[0]
    names = {"earlier": "prev", "later": "next"}
    return {names.get(a.get("class"), text(a)): a.get("href") for a in nav.xpath(".//a")}


def test_the_front_page_is_the_latest_day_with_papers(site):
    doc = page(site, "/")
    assert text(doc.xpath("//h1")[0]) == "Wednesday, 25 November 2026"
    assert card_ids(doc) == ["1701.06538", "2301.00774", "1706.03762", "1911.02150"]
    assert doc.xpath("//link[@rel='canonical']/@href") == [
        "http://testserver/papers/date/2026-11-25"]
    assert period_links(doc) == {"prev": "/papers/date/2026-11-24",
                                 "Whole week": "/papers/week/2026-W48",
                                 "Whole month": "/papers/month/2026-11"}
    assert "No later papers" in text(doc)


def test_a_card_shows_what_a_reader_scans_for(site):
    doc = page(site, "/papers/date/2024-11-18")
    card = by_class(doc, "card")[BY_VOTES_ON_18.index("2411.10440")]
    title = card.xpath(".//h2/a")[0]
    assert text(title) == "LLaVA-o1: Let Vision Language Models Reason Step-by-Step"
    assert title.get("href") == "/papers/2411.10440"
    assert text(by_class(card, "authors")[0]) == "Guowei Xu, Peng Jin, Li Hao et al."
    assert text(by_class(card, "org")[0]) == "PKU Yuan Group"
    assert text(by_class(card, "count")[0]) == "112"
    assert text(by_class(card, "comments")[0]) == "3 comments"
    assert card.xpath(".//a[text()='Code']/@href") == [
        "https://github.com/PKU-YuanGroup/LLaVA-o1"]
    demo = by_class(page(site, "/"), "card")[0]
    assert demo.xpath(".//ul[@class='tags']//a/@href")[:2] == ["/search?cat=cs.LG",
                                                              "/search?cat=cs.CL"]
    assert text(by_class(demo, "authors")[0]) == "Noam Shazeer, Azalia Mirhoseini, " \
                                                 "Krzysztof Maziarz et al."


@pytest.mark.parametrize(("sort", "expected"), [
    ("upvotes", BY_VOTES_ON_18), ("trending", BY_VOTES_ON_18), ("newest", LISTED_ON_18)])
def test_a_day_sorted(site, sort, expected):
    doc = page(site, f"/papers/date/2024-11-18?sort={sort}")
    assert card_ids(doc) == expected
    current = doc.xpath("//nav[@aria-label='Sort']//a[@aria-current]")
    assert [a.get("href") for a in current] == [f"/papers/date/2024-11-18?sort={sort}"]


def test_a_week_by_trending_score(site):
    doc = page(site, "/papers/week/2026-W47")
    assert text(doc.xpath("//h1")[0]) == "Week 47 of 2026 (16–22 November 2026)"
    shown = card_ids(doc)
    assert len(shown) == 20  # 16 to 20 November: 5 days of 4 papers
    week = ranking.week_bounds("2026-W47")
    with site.app.state.db.engine.connect() as conn:
        hot = listings.daily_papers(conn, week, now=datetime.now(UTC), sort="trending",
                                    limit=100)
    assert shown == [r.uid for r in hot]
    scores = [ranking.trending_score(r.upvotes or 0, ranking.age_hours(
        ranking.day_start(ranking.listing_day(r)), week.end)) for r in hot]
    assert scores == sorted(scores, reverse=True)
    assert period_links(doc) == {"prev": "/papers/week/2026-W46",
                                 "next": "/papers/week/2026-W48",
                                 "Whole month": "/papers/month/2026-11"}
    by_votes = card_ids(page(site, "/papers/week/2026-W47?sort=upvotes"))
    assert by_votes != shown and sorted(by_votes) == sorted(shown)


def test_a_month_in_pages(site):
    first = page(site, "/papers/month/2026-11")
    assert text(first.xpath("//h1")[0]) == "November 2026"
    assert "48 papers, 1–30 shown" in text(first)
    assert rel(first, "next") == "/papers/month/2026-11?p=2"
    second = page(site, "/papers/month/2026-11?p=2")
    assert "48 papers, 31–48 shown" in text(second)
    assert rel(second, "prev") == "/papers/month/2026-11"
    assert len(set(card_ids(first) + card_ids(second))) == 48
    sorted_second = page(site, "/papers/month/2026-11?sort=upvotes&p=2")
    assert rel(sorted_second, "prev") == "/papers/month/2026-11?sort=upvotes"
    sorted_first = page(site, "/papers/month/2026-11?sort=upvotes")
    assert rel(sorted_first, "next") == "/papers/month/2026-11?sort=upvotes&p=2"


def test_previous_and_next_skip_to_the_nearest_period_with_papers(site):
    monday = page(site, "/papers/date/2026-11-16")
    assert period_links(monday)["prev"] == "/papers/date/2026-11-13"  # over the weekend
    assert period_links(monday)["next"] == "/papers/date/2026-11-17"
    assert period_links(page(site, "/papers/month/2026-11"))["prev"] == "/papers/month/2025-06"
    june = period_links(page(site, "/papers/month/2025-06"))
    assert (june["prev"], june["next"]) == ("/papers/month/2024-11", "/papers/month/2026-11")
    first = page(site, "/papers/month/2017-06")  # the arXiv API entries have v1 days only
    assert "next" in period_links(first)


def test_a_period_without_papers_still_shows_the_way(site):
    saturday = page(site, "/papers/date/2026-11-14")
    assert card_ids(saturday) == []
    assert "No papers were listed on Saturday, 14 November 2026." in text(saturday)
    links = period_links(saturday)
    assert (links["prev"], links["next"]) == ("/papers/date/2026-11-13",
                                              "/papers/date/2026-11-16")
    future = page(site, "/papers/week/2030-W01")
    assert "No later papers" in text(future)
    assert period_links(future)["prev"] == "/papers/week/2026-W48"


def test_trending_ranks_the_last_seven_listing_days(site):
    doc = page(site, "/papers/trending")
    assert text(doc.xpath("//h1")[0]) == "Trending papers"
    assert "Papers listed 19–25 November 2026" in text(doc)
    period = Period(date(2026, 11, 19), date(2026, 11, 25))
    with site.app.state.db.engine.connect() as conn:
        hot = listings.daily_papers(conn, period, now=datetime.now(UTC), sort="trending",
                                    limit=100)
    assert card_ids(doc) == [r.uid for r in hot]
    assert len(hot) == 20
    assert card_ids(doc)[0] == "1701.06538"  # 179 votes on the latest day
    assert doc.xpath("//header//a[@aria-current='page']/@href") == ["/papers/trending"]
    upvoted = card_ids(page(site, "/papers/trending?sort=upvotes"))
    assert sorted(upvoted) == sorted(card_ids(doc))


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/papers/date/2024-02-30", 404, "not a day of the calendar"),
    ("/papers/date/yesterday", 404, "not a day (expected YYYY-MM-DD"),
    ("/papers/date/99999-01-01", 404, "not a day"),
    ("/papers/week/2021-W53", 404, "2021 has no week 53"),
    ("/papers/week/2024-47", 404, "not an ISO week"),
    ("/papers/month/2024-13", 404, "not a month of the calendar"),
    ("/papers/month/0000-01", 404, "out of range"),
    ("/papers/date/2024-11-18?sort=hot", 422, "sort: Input should be"),
    ("/?p=0", 422, "p: Input should be greater than or equal to 1"),
    ("/?p=ten", 422, "p: Input should be a valid integer"),
    ("/papers/trending?p=100000", 422, "p: Input should be less than or equal to 10000"),
    ("/papers/date/2024-11-18?p=2", 404, "There are 1 pages here; page 2 is past the last"),
    ("/papers/month/2026-11?p=3", 404, "page 3 is past the last one"),
    ("/nowhere", 404, "There is no page at this address."),
    ("/papers/date/2024-11-18/extra", 404, "This hub has no paper"),
])
def test_bad_addresses_are_friendly_pages(site, url, status, message):
    doc = page(site, url, status)
    assert message in text(by_class(doc, "error-message")[0])
    assert doc.xpath("//main//a[@href='/']")  # a way back
    assert len(doc.xpath("//h1")) == 1


def test_a_post_to_a_page_is_a_friendly_405(site):
    response = site.post("/papers/trending")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert "Method not allowed" in response.text


def test_the_api_keeps_its_json_errors(site):
    response = site.get("/api/daily_papers", params={"date": "2024-02-30"})
    assert response.status_code == 422
    assert response.json()["error"].startswith("date: ")
    assert site.get("/api/nowhere").json() == {"detail": "Not Found"}


def test_an_empty_hub_says_how_to_fill_it(tmp_path):
    app = create_app(load_settings(database_url=str(tmp_path / "empty.db")))
    with TestClient(app) as client:
        for url in ("/", "/papers/trending"):
            assert "paperboy import" in text(page(client, url))
        assert "No papers were listed" in text(page(client, "/papers/date/2024-11-18"))
        assert "No earlier papers" in text(page(client, "/papers/week/2024-W47"))
