"""What every page shares: paper text shown as text, landmarks and focus, math, local assets."""

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from lxml import html

from paperboy.web import listings, papers, search
from tests.web.community import fresh_client, post, sign_up
from tests.web.conftest import (
    HOSTILE_ABSTRACT,
    HOSTILE_DAY,
    HOSTILE_ID,
    HOSTILE_TITLE,
    build_hub,
    by_class,
    card_ids,
    page,
    text,
)

STATIC = Path(__file__).resolve().parents[2] / "paperboy" / "web" / "static"
PAGES = ["/", "/papers/trending", "/papers/date/2024-11-18", "/papers/week/2026-W47",
         "/papers/month/2026-11", "/papers/1706.03762", "/search", "/search?q=attention",
         "/papers/nowhere-at-all"]
HOSTILE_PAGES = [f"/papers/date/{HOSTILE_DAY}", f"/papers/{HOSTILE_ID}",
                 "/search?" + urlencode({"q": "zebrafish"})]
NEVER = ["<script>alert", "<img src=x", "<svg onload", "<b>Eve", "<i>Evil",
         "<a href=javascript", 'href="javascript']


@pytest.mark.parametrize("url", HOSTILE_PAGES)
def test_hostile_paper_text_is_shown_as_text(site, url):
    response = site.get(url)
    assert response.status_code == 200
    for marker in NEVER:
        assert marker not in response.text, marker
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; $a&lt;b$ Bounds" in response.text
    doc = page(site, url)
    titles = [text(t) for t in by_class(doc, "card-title")] + [text(h) for h in doc.xpath("//h1")]
    assert HOSTILE_TITLE in titles


def test_the_hostile_paper_page_in_full(site):
    doc = page(site, f"/papers/{HOSTILE_ID}")
    assert text(doc.xpath("//h1")[0]) == HOSTILE_TITLE
    assert text(by_class(doc, "abstract")[0]) == HOSTILE_ABSTRACT
    assert [text(li) for li in doc.xpath("//ul[@class='authors-full']/li")] == [
        "<b>Eve</b> Mallory (<i>Evil & Co</i>)", "Trent"]
    assert text(by_class(doc, "org")[0]) == "<svg onload=alert(1)>"
    facts = {text(dt): text(dd) for dt, dd in zip(doc.xpath("//dl/dt"), doc.xpath("//dl/dd"),
                                                  strict=True)}
    assert facts["Comments"] == "<a href=javascript:x>10 pages</a>"
    assert facts["DOI"] == "10.1000/<x>&y"
    hrefs = doc.xpath("//@href")
    assert not [href for href in hrefs if "<" in href or "javascript" in href.lower()]
    assert "https://example.org/<x>" not in hrefs  # not an URL we link


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_landmarks_a_skip_link_and_one_heading(site, url):
    response = site.get(url)
    doc = page(site, url, response.status_code)
    assert doc.get("lang") == "en"
    assert doc.xpath("//meta[@name='viewport']")
    first_link = doc.xpath("//body//a")[0]
    assert (first_link.get("href"), text(first_link)) == ("#main", "Skip to content")
    assert len(doc.xpath("//main[@id='main']")) == 1
    assert doc.xpath("//header[@class='site']//nav[@aria-label]")
    assert doc.xpath("//footer")
    assert len(doc.xpath("//h1")) == 1
    for control in doc.xpath("//input[not(@type='hidden')] | //select"):
        labelled = control.get("aria-label") or doc.xpath(
            f"//label[@for='{control.get('id')}']")
        assert labelled, control.get("name")


@pytest.mark.parametrize("url", PAGES)
def test_assets_are_local_and_math_stays_readable_without_javascript(site, url):
    response = site.get(url)
    doc = page(site, url, response.status_code)
    sources = doc.xpath("//script/@src") + doc.xpath("//link[@rel='stylesheet']/@href")
    assert sources and all(s.startswith("http://testserver/static/") for s in sources)
    assert not doc.xpath("//script[not(@src)]")  # no inline script
    for source in sources:
        assert site.get(source).status_code == 200, source
    assert "cdn" not in response.text.lower()


def test_math_is_left_as_latex_for_katex_to_render(site):
    doc = page(site, "/papers/2401.00001")
    title = doc.xpath("//h1")[0]
    assert "math" in title.get("class")
    assert "$O(n^2)$" in text(title)
    assert "<k>" in text(title) and "&" in text(title)
    assert "math" in by_class(doc, "abstract")[0].get("class")
    script = (STATIC / "math.js").read_text()
    assert 'left: "$", right: "$"' in script
    assert "trust: false" in script and "throwOnError: false" in script


def test_katex_is_vendored_whole(site):
    katex = STATIC / "katex"
    note = (katex / "VERSION.md").read_text()
    version = re.search(r"KaTeX (\d+\.\d+\.\d+)", note).group(1)
    assert f'version:"{version}"' in (katex / "katex.min.js").read_text()
    assert "MIT License" in (katex / "LICENSE").read_text()
    assert (katex / "contrib" / "auto-render.min.js").stat().st_size > 1000
    css = (katex / "katex.min.css").read_text()
    fonts = re.findall(r"url\((fonts/[^)]+\.woff2)\)", css)
    assert len(fonts) == 20
    for font in fonts:
        assert site.get(f"/static/katex/{font}").status_code == 200, font


def test_stylesheet_covers_dark_mode_phones_and_focus():
    css = (STATIC / "style.css").read_text()
    for rule in ("prefers-color-scheme: dark", "max-width: 40rem", ":focus-visible", ".skip:focus"):
        assert rule in css, rule


def test_docs_name_every_page_and_feed_route():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text()
    addresses = [a.split("?")[0] for a in re.findall(r"`(/[^`\s]*)`", docs)]
    routes = [*listings.router.routes, *papers.router.routes, *search.router.routes]
    assert len(routes) == 13
    for route in routes:
        assert any(route.path_regex.match(a) for a in addresses), route.path


def test_pages_carry_security_headers(site):
    response = site.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_anonymous_listings_are_answered_from_memory_for_a_few_seconds(tmp_path):
    hub = build_hub(tmp_path / "hub.db")
    week = "/papers/week/2025-W23?sort=upvotes"
    with fresh_client(hub, page_cache_seconds=3600) as visitor, fresh_client(hub) as ada:
        before = card_ids(html.fromstring(visitor.get(week).text))
        sign_up(ada, "ada")
        post(ada, f"/papers/{before[-1]}/upvote", form_page="/account")
        # The same process would answer the visitor from memory: here the voter's own app
        # is signed in and always fresh.
        assert card_ids(html.fromstring(ada.get(week).text)) == before[::-1]
        assert card_ids(html.fromstring(visitor.get(week).text)) == before  # cached
        visitor.cookies.set("paperboy_session", "anything")
        assert card_ids(html.fromstring(visitor.get(week).text)) == before[::-1]
    with fresh_client(hub, page_cache_seconds=0) as visitor:
        assert card_ids(html.fromstring(visitor.get(week).text)) == before[::-1]
