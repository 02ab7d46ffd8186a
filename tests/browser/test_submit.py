"""Submitting a paper by arXiv id: fetched from the arXiv API (replayed on loopback), listed
today with the submitter's name; duplicates, old papers and unknown ids are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.browser.conftest import ARXIV_PATH, Pages, shoot
from tests.browser.hub_data import MATH_ID
from tests.browser.members import new_name, sign_up
from tests.browser.reading import at, heading
from tests.replay import ReplayServer, Reply

FRESH_ID = "2611.04242"
OLD_ID = "2001.00042"
MISSING_ID = "2611.09999"
FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>https://arxiv.org/api/replayed</id><title>arXiv Query</title>
  <updated>{now}</updated>{entry}
</feed>"""
ENTRY = """
  <entry>
    <id>http://arxiv.org/abs/{id}v1</id><title>{title}</title>
    <updated>{published}</updated><published>{published}</published>
    <summary>(Written for these tests.) Gliders of paper, folded by a robot.</summary>
    <link href="https://arxiv.org/abs/{id}v1" rel="alternate" type="text/html"/>
    <category term="cs.RO" scheme="http://arxiv.org/schemas/atom"/>
    <arxiv:primary_category term="cs.RO"/>
    <author><name>Fern Glide</name></author>
  </entry>"""


def reply(paper_id: str, title: str, published: datetime) -> Reply:
    """arXiv's answer to `id_list=paper_id` (no entry when `title` is empty)."""
    stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = ENTRY.format(id=paper_id, title=title, published=stamp) if title else ""
    body = FEED.format(now=stamp, entry=entry).encode()
    return Reply(body=body, headers={"Content-Type": "application/atom+xml"})


def answer(arxiv: ReplayServer, paper_id: str, title: str = "",
           published: datetime | None = None) -> None:
    arxiv.route(ARXIV_PATH, [reply(paper_id, title, published or datetime.now(UTC))],
                when=lambda query: query.get("id_list") == paper_id)


def submit(page: Page, text: str) -> None:
    page.get_by_label("arXiv id or URL").fill(text)
    page.get_by_role("button", name="Submit", exact=True).click()


def test_submit_a_paper_by_arxiv_id(member_pages: Pages, arxiv: ReplayServer):
    page = member_pages.open()
    page.goto("/submit")
    at(page, "/login?next=%2Fsubmit")  # members only
    name = sign_up(page, new_name("submitter"))
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Submit",
                                                                           exact=True).click()
    at(page, "/submit")
    shoot(page, "submit")
    answer(arxiv, FRESH_ID, "Paper Gliders Folded by Robots",
           datetime.now(UTC) - timedelta(days=2))
    submit(page, f"https://arxiv.org/abs/{FRESH_ID}v1")
    at(page, f"/papers/{FRESH_ID}")
    assert heading(page) == "Paper Gliders Folded by Robots"
    expect(page.locator("dd", has_text=name)).to_be_visible()  # "Listed by"
    asked = len(arxiv.hits_to(ARXIV_PATH))
    assert arxiv.hits_to(ARXIV_PATH)[-1].query["id_list"] == FRESH_ID

    page.goto("/")
    expect(page.locator(".card-title a").first).to_have_attribute("href", f"/papers/{FRESH_ID}")
    page.goto(f"/u/{name}")
    expect(page.locator("section", has=page.get_by_role("heading", name="Submitted"))
           .locator(".card-title a")).to_have_attribute("href", f"/papers/{FRESH_ID}")

    member_pages.watch.allowed_errors.append("400 (Bad Request)")  # the refusal
    page.goto("/submit")
    submit(page, FRESH_ID)  # again: arXiv is not asked
    expect(page.get_by_role("alert")).to_contain_text(f"arXiv:{FRESH_ID} is already listed")
    page.get_by_role("link", name="See it here.").click()
    at(page, f"/papers/{FRESH_ID}")
    assert len(arxiv.hits_to(ARXIV_PATH)) == asked


def test_refusals_say_why(member_pages: Pages, arxiv: ReplayServer):
    page = member_pages.open()
    member_pages.watch.allowed_errors.append("400 (Bad Request)")  # each refusal
    sign_up(page, new_name("refused"))
    page.goto("/submit")
    answer(arxiv, OLD_ID, "An Old Paper", datetime(2020, 1, 2, tzinfo=UTC))
    submit(page, OLD_ID)
    expect(page.get_by_role("alert")).to_contain_text("more than 14 days ago")
    expect(page.get_by_label("arXiv id or URL")).to_have_value(OLD_ID)

    answer(arxiv, MISSING_ID)
    submit(page, MISSING_ID)
    expect(page.get_by_role("alert")).to_have_text(f"arXiv has no paper arXiv:{MISSING_ID}.")

    submit(page, "not an id")
    expect(page.get_by_role("alert")).to_contain_text("That is not an arXiv id or URL")

    submit(page, MATH_ID)  # in the hub, from arXiv alone: not asked again, but too old
    expect(page.get_by_role("alert")).to_contain_text(f"arXiv:{MATH_ID} first appeared on "
                                                      "2025-03-05")
