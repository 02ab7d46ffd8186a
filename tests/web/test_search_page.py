"""The search page: the engine's query language, form filters, paging, empty states, redirects."""

from datetime import date
from urllib.parse import urlencode

import pytest

from paperboy.search.query import parse_query
from tests.web.conftest import HOSTILE_ABSTRACT, HOSTILE_ID, by_class, card_ids, page, text


def search(site, status=200, **params):
    return page(site, "/search?" + urlencode(params), status)


def engine_ids(site, q, limit=30, **filters):
    query = parse_query(q).with_filters(**filters)
    return [hit.paper.uid for hit in site.app.state.search.search(query, limit=limit).hits]


def test_an_empty_search_explains_the_query_language(site):
    doc = search(site)
    assert text(doc.xpath("//h1")[0]) == "Search"
    examples = doc.xpath("//table[@class='examples']//a")
    assert len(examples) >= 6
    assert examples[0].get("href").startswith("/search?q=")
    assert "author:Dao" in text(doc)
    for field in ("q", "cat", "from", "to", "has_code", "mode"):
        (control,) = doc.xpath(f"//form[@role='search']//*[@name='{field}']")
        assert doc.xpath(f"//label[@for='{control.get('id')}']"), field
    assert not by_class(doc, "cards")
    assert doc.xpath("//header//a[@aria-current='page']/@href") == ["/search"]


def test_words_are_ranked_and_the_fallback_is_said(site):
    doc = search(site, q="attention is all you need")
    shown = card_ids(doc)
    assert shown[0] == "1706.03762"
    assert shown == engine_ids(site, "attention is all you need")
    notes = [text(note) for note in by_class(doc, "note")]
    assert any("lexical ranking only" in note for note in notes)
    assert "ranked bm25" in text(doc)
    assert not by_class(search(site, q="attention", mode="bm25"), "note")


def test_each_result_shows_why_it_matched_with_the_query_words_marked(site):
    doc = search(site, q="zebrafish bounds")
    cards = by_class(doc, "card")
    assert card_ids(doc)[0] == HOSTILE_ID
    [snippet] = by_class(cards[0], "snippet")
    assert text(snippet) == HOSTILE_ABSTRACT  # the markup in it is text, escaped
    assert not snippet.xpath(".//img | .//script")
    assert [text(m) for m in snippet.xpath(".//mark")] == ["zebrafish"]
    for card in cards[1:]:  # every result has one, marked where a query word is in it
        assert len(by_class(card, "snippet")) == 1
    attention = by_class(search(site, q="attention mechanisms"), "snippet")
    marks = {text(m).lower() for s in attention for m in s.xpath(".//mark")}
    assert marks and marks <= {"attention", "mechanism", "mechanisms", "attentions"}


@pytest.mark.parametrize(("params", "filters"), [
    ({"cat": "cs.CL"}, {"categories": ("cs.CL",)}),
    ({"cat": "cs.CL, cs.CV"}, {"categories": ("cs.CL", "cs.CV")}),
    ({"has_code": "1"}, {"has_code": True}),
    ({"from": "2023-01-01", "to": "2023-12-31"},
     {"date_from": date(2023, 1, 1), "date_to": date(2023, 12, 31)}),
])
def test_form_filters_narrow_the_query(site, params, filters):
    doc = search(site, q="language model", **params)
    shown = card_ids(doc)
    assert shown
    assert shown == engine_ids(site, "language model", **filters)
    assert set(shown) < set(engine_ids(site, "language model", limit=100))
    form = doc.xpath("//form[@role='search']")[0]
    for name, value in params.items():
        (control,) = form.xpath(f".//input[@name='{name}']")
        if name == "has_code":
            assert control.get("checked") is not None
        elif name == "cat":
            assert control.get("value") == " ".join(value.replace(",", " ").split())
        else:
            assert control.get("value") == value


def test_filters_alone_list_the_newest_matching_papers(site):
    doc = search(site, has_code="1")
    assert card_ids(doc) == engine_ids(site, "", has_code=True)
    assert "results, 1–30 shown" in text(doc)
    assert doc.xpath("//a[@rel='next']/@href") == ["/search?has_code=1&p=2"]
    second = search(site, has_code="1", p="2")
    assert second.xpath("//a[@rel='prev']/@href") == ["/search?has_code=1"]
    assert not set(card_ids(doc)) & set(card_ids(second))
    assert "past the last one" in text(search(site, 404, has_code="1", p="9"))


def test_no_results_suggest_removing_filters(site):
    doc = search(site, q="zebrafish", cat="cs.CL", has_code="1")
    assert card_ids(doc) == []
    assert "No papers match." in text(doc)
    removals = {text(a): a.get("href") for a in doc.xpath("//ul[@class='suggestions']//a")}
    assert removals == {"Remove the category filter": "/search?q=zebrafish&has_code=1",
                        "Remove “has code”": "/search?q=zebrafish&cat=cs.CL"}
    assert card_ids(page(site, removals["Remove the category filter"])) == []
    assert card_ids(search(site, q="zebrafish"))  # two papers mention zebrafish
    in_query = search(site, q="zebrafish author:Nobody")
    assert "Your query itself filters by author:Nobody" in text(in_query)


def test_the_engine_notes_what_it_did_not_understand(site):
    doc = search(site, q="colour:blue attention")
    assert "colour:blue not understood; searched as words" in [
        text(note) for note in by_class(doc, "note")]


@pytest.mark.parametrize(("q", "target"), [
    ("1706.03762", "/papers/1706.03762"),
    ("arXiv:2411.10440v2", "/papers/2411.10440"),
    ("https://arxiv.org/abs/hep-th/9711200v2", "/papers/hep-th/9711200"),
    (" https://arxiv.org/pdf/1706.03762 ", "/papers/1706.03762"),
])
def test_an_arxiv_id_goes_to_the_paper(site, q, target):
    response = site.get("/search", params={"q": q}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == target


@pytest.mark.parametrize("q", ["//evil.example", "https://evil.example/abs/1706.03762",
                               "/papers/1706.03762", "https://arxiv.org.evil.example/abs/1706.03762",
                               "1706.03762 attention"])
def test_nothing_else_redirects(site, q):
    response = site.get("/search", params={"q": q}, follow_redirects=False)
    assert response.status_code == 200


def test_an_id_the_hub_lacks_says_so(site):
    doc = search(site, q="2499.99999")
    assert "arXiv:2499.99999 is not in this hub" in text(doc)
    assert doc.xpath("//a[text()='see it on arXiv']/@href") == [
        "https://arxiv.org/abs/2499.99999"]


@pytest.mark.parametrize(("params", "message"), [
    ({"q": "x", "from": "2024-02-30"}, "from: '2024-02-30' is not a day of the calendar"),
    ({"q": "x", "to": "soon"}, "to: 'soon' is not a day"),
    ({"q": "x", "cat": "<script>"}, "cat: '<script>' is not a category"),
    ({"q": "x", "mode": "magic"}, "mode: Input should be"),
    ({"q": "x" * 501}, "q: String should have at most 500 characters"),
    ({"q": "x", "p": "0"}, "p: Input should be greater than or equal to 1"),
])
def test_unreadable_fields_are_a_friendly_422(site, params, message):
    doc = search(site, 422, **params)
    assert message in text(by_class(doc, "error-message")[0])


@pytest.mark.parametrize("q", ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
                               "注意力 机制 ü", "author:\"", "%_%", "'; DROP TABLE papers; --",
                               "$a<b$ & c"])
def test_hostile_queries_are_answered_and_kept_as_text(site, q):
    response = site.get("/search", params={"q": q})
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    (field,) = page(site, "/search?" + urlencode({"q": q})).xpath("//input[@id='q']")
    assert field.get("value") == q
