"""The page of one paper: what it shows, its ids and redirects, and its neighbours' routes."""

import pytest

from tests.web.conftest import OWN_ID_TITLE, by_class, card_ids, page, text


def facts(doc):
    """The paper's facts list as {label: text}."""
    dl = doc.xpath("//dl[@class='facts']")[0]
    return {text(dt): text(dd) for dt, dd in zip(dl.xpath("./dt"), dl.xpath("./dd"),
                                                 strict=True)}


def test_a_listed_paper(site):
    doc = page(site, "/papers/2411.10440")
    assert text(doc.xpath("//h1")[0]) == \
        "LLaVA-o1: Let Vision Language Models Reason Step-by-Step"
    assert "math" in doc.xpath("//h1")[0].get("class")
    assert [text(li) for li in doc.xpath("//ul[@class='authors-full']/li")] == [
        "Guowei Xu", "Peng Jin", "Li Hao", "Yibing Song", "Lichao Sun", "Li Yuan"]
    shown = facts(doc)
    assert shown["Submitted"] == "15 Nov 2024 (v1)"
    assert shown["Listed"] == "Monday, 18 November 2024"
    assert shown["Listed by"] == "akhaliq"
    assert doc.xpath("//dd/a[text()='Monday, 18 November 2024']/@href") == [
        "/papers/date/2024-11-18"]
    links = {text(a): a.get("href") for a in doc.xpath("//nav[@class='paper-links']//a")}
    assert links == {"arXiv": "https://arxiv.org/abs/2411.10440",
                     "PDF": "https://arxiv.org/pdf/2411.10440",
                     "Code": "https://github.com/PKU-YuanGroup/LLaVA-o1",
                     "Project page": "https://example.org/llava-o1",
                     "Markdown": "/papers/2411.10440.md"}
    abstract = text(by_class(doc, "abstract")[0])
    assert abstract.startswith("A vision-language model is trained")
    assert doc.xpath("//link[@rel='canonical']/@href") == ["http://testserver/papers/2411.10440"]


def test_places_for_votes_comments_and_collections(site):
    doc = page(site, "/papers/2411.10440")
    assert text(by_class(doc, "votes")[0].xpath(".//*[@class='count']")[0]) == "112"
    comments = doc.xpath("//section[@id='comments']")[0]
    assert text(comments.xpath(".//h2")[0]) == "Comments"
    assert "3 comments where this paper was listed" in text(comments)
    assert doc.xpath("//section[@id='collections']")


def test_related_papers_come_from_the_search_engine(site):
    doc = page(site, "/papers/1706.03762")
    related = doc.xpath("//aside[@class='related']")[0]
    ids = card_ids(related)
    assert 0 < len(ids) <= 6
    assert "1706.03762" not in ids
    assert ids == [hit.paper.uid for hit in site.app.state.search.related("1706.03762", 6)]


def test_an_arxiv_api_paper_with_versions_journal_and_doi(site):
    doc = page(site, "/papers/hep-th/9711200")
    assert text(doc.xpath("//h1")[0]).startswith("The Large N Limit of Superconformal")
    assert text(by_class(doc, "paper-id")[0]) == "arXiv:hep-th/9711200v3"
    shown = facts(doc)
    assert shown["Submitted"] == "27 Nov 1997 (v1)"
    assert shown["Latest version"] == "22 Jan 1998 (v3)"
    assert shown["Journal reference"] == "Adv.Theor.Math.Phys.2:231-252,1998"
    assert shown["DOI"] == "10.1023/A:1026654312961"
    assert doc.xpath("//dd/a[text()='10.1023/A:1026654312961']/@href") == [
        "https://doi.org/10.1023/A:1026654312961"]
    assert "Listed" in shown  # its v1 day, when nothing else says
    affiliated = page(site, "/papers/1706.03762")
    assert "Ashish Vaswani (Google Brain)" in [
        text(li) for li in affiliated.xpath("//ul[@class='authors-full']/li")]


def test_a_paper_without_an_arxiv_id(site):
    day = page(site, "/papers/date/2025-06-03")
    (paper_id,) = card_ids(day)
    assert "/" not in paper_id and "." not in paper_id
    doc = page(site, f"/papers/{paper_id}")
    assert text(doc.xpath("//h1")[0]) == OWN_ID_TITLE
    assert text(by_class(doc, "paper-id")[0]) == paper_id
    links = doc.xpath("//nav[@class='paper-links']//a/@href")
    assert not [href for href in links if "arxiv.org" in href]
    authors = doc.xpath("//section[@class='bylines']")[0]
    assert len(authors.xpath("./ul/li")) == 25
    assert text(authors.xpath(".//details/summary")[0]) == "and 5 more authors"
    assert text(by_class(day, "authors")[0]) == "Author 1, Author 2, Author 3 et al."


@pytest.mark.parametrize(("url", "target"), [
    ("/papers/1706.03762v7", "/papers/1706.03762"),
    ("/papers/arXiv:1706.03762", "/papers/1706.03762"),
    ("/papers/hep-th/9711200v2", "/papers/hep-th/9711200"),
    ("/papers/https://arxiv.org/abs/2411.10440v1", "/papers/2411.10440"),
])
def test_other_spellings_of_an_id_redirect_to_the_one_address(site, url, target):
    response = site.get(url, follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == target


def test_the_markdown_route_keeps_its_path(site):
    for url, first in (("/papers/2411.10440.md", "# LLaVA-o1"),
                       ("/papers/hep-th/9711200.md", "# The Large N Limit")):
        response = site.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/markdown; charset=utf-8"
        assert response.text.startswith(first)


@pytest.mark.parametrize("paper_id", ["2499.99999", "hep-th/0000000", "nope",
                                      "<script>alert(1)</script>", "x" * 300])
def test_an_unknown_paper_is_a_friendly_404(site, paper_id):
    response = site.get(f"/papers/{paper_id}")
    assert response.status_code == 404
    assert "Paper not found" in response.text
    assert "<script>alert" not in response.text
