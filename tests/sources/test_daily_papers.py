import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from paperboy.errors import InvalidRecord
from paperboy.ingest import open_input
from paperboy.models import Author, PaperRecord
from paperboy.sources import daily_papers


def listing(fixtures) -> Any:
    return json.loads((fixtures / "daily_papers" / "2024-11-18.json").read_bytes())


def entry(arxiv_id: str = "2411.00001", **paper: Any) -> dict[str, Any]:
    return {"paper": {"id": arxiv_id, "title": "A Title", "summary": "Text.",
                      "publishedAt": "2024-11-15T18:58:19.000Z", **paper},
            "numComments": 0}


def parse(value: Any, listing_date: date | None = None) -> list[Any]:
    return daily_papers.parse_listing(json.dumps(value).encode(), listing_date)


def papers(fixtures) -> dict[str, PaperRecord]:
    items = list(daily_papers.parse(io.BytesIO((fixtures / "daily_papers" / "2024-11-18.json")
                                               .read_bytes())))
    assert all(isinstance(i, PaperRecord) for i in items), items
    return {i.uid: i for i in items if isinstance(i, PaperRecord)}


def test_every_field_of_a_full_item(fixtures):
    paper = papers(fixtures)["2411.10440"]
    assert paper.arxiv_id == "2411.10440" and paper.version is None
    assert paper.title == "LLaVA-o1: Let Vision Language Models Reason Step-by-Step"
    assert paper.abstract.startswith("A vision-language model is trained to work through")
    assert "caption, reasoning" in paper.abstract  # the newline became a space
    assert paper.authors == tuple(Author(n) for n in (
        "Guowei Xu", "Peng Jin", "Li Hao", "Yibing Song", "Lichao Sun", "Li Yuan"))
    assert paper.published == datetime(2024, 11, 15, 18, 58, 19, tzinfo=UTC)
    assert paper.upvotes == 112 and paper.num_comments == 3
    assert paper.code_url == "https://github.com/PKU-YuanGroup/LLaVA-o1"
    assert paper.project_url == "https://example.org/llava-o1"
    assert paper.org == "PKU Yuan Group"
    assert paper.submitted_by == "akhaliq"
    assert paper.listing_date == date(2024, 11, 18)
    assert paper.abs_url == "https://arxiv.org/abs/2411.10440"
    assert (paper.categories, paper.announced, paper.license) == ((), None, None)
    assert paper.source == "daily-papers"


def test_missing_optional_fields_stay_empty(fixtures):
    found = papers(fixtures)
    bare = found["2411.10323"]
    assert (bare.code_url, bare.project_url, bare.org) == (None, None, None)
    assert bare.upvotes == 31 and bare.num_comments == 0
    assert [a.name for a in bare.authors] == ["Hanna Łukasiewicz", "Jonas Müller", "田中 美咲"]
    assert bare.abstract.endswith("<br> tags &amp; odd spacing stay as text.")
    named_only = found["2411.11504"]
    assert named_only.org == "example-lab" and named_only.project_url is None
    assert named_only.authors[0] == Author("Ana Costa")  # hidden profile, name still listed
    nothing = found["2411.09944"]
    assert (nothing.code_url, nothing.org, nothing.upvotes) == (None, None, 0)


def test_listing_date_falls_back_to_the_callers_day_then_published(fixtures):
    value = listing(fixtures)
    assert daily_papers.parse_listing(json.dumps(value).encode())[4].listing_date == \
        date(2024, 11, 16)
    asked = daily_papers.parse_listing(json.dumps(value).encode(), date(2024, 11, 18))
    assert asked[4].listing_date == date(2024, 11, 18)
    assert asked[0].listing_date == date(2024, 11, 18)  # its own submittedOnDailyAt


def test_submittedOnDailyAt_wins_over_the_callers_day():
    (paper,) = parse([entry(submittedOnDailyAt="2024-11-19T00:00:00.000Z")], date(2024, 11, 18))
    assert paper.listing_date == date(2024, 11, 19)


def test_outer_title_and_summary_fill_gaps():
    value = entry()
    del value["paper"]["title"], value["paper"]["summary"]
    value.update(title="Outer Title", summary="Outer summary.")
    (paper,) = parse([value])
    assert (paper.title, paper.abstract) == ("Outer Title", "Outer summary.")


def test_submitter_falls_back_to_submittedOnDailyBy():
    (paper,) = parse([entry(submittedOnDailyBy={"_id": "1", "fullname": "AK", "user": "akhaliq"})])
    assert paper.submitted_by == "akhaliq"


def test_an_empty_list_is_valid():
    assert daily_papers.parse_listing(b"[]") == []
    assert list(daily_papers.parse(io.BytesIO(b" [ ]\n"))) == []


@pytest.mark.parametrize(("change", "reason"), [
    ({"upvotes": "42"}, "'upvotes' must be an integer, got str"),
    ({"upvotes": True}, "'upvotes' must be an integer, got bool"),
    ({"authors": {"name": "A"}}, "'authors' must be a list, got dict"),
    ({"authors": ["Just A Name"]}, "expected a JSON object, got str"),
    ({"title": ["A", "List"]}, "'title' must be a string, got list"),
    ({"publishedAt": "last tuesday"}, "cannot read date 'last tuesday'"),
    ({"githubRepo": "javascript:alert(1)"}, "code_url is not an http(s) URL"),
    ({"upvotes": 2**40}, "upvotes out of range"),
    ({"summary": "x" * 10_000_000}, "abstract is 10,000,000 characters"),
    ({"title": ""}, "no title"),
    ({"id": "not-an-id"}, "paper id 'not-an-id' is not an arXiv id"),
    ({"id": 2411.10440}, "paper id must be a string"),
    ({"organization": "Acme"}, "expected a JSON object, got str"),
])
def test_wrong_types_are_errors_naming_the_item_and_field(change, reason):
    good, bad = parse([entry("2411.00001"), entry("2411.00002", **change)])
    assert isinstance(good, PaperRecord)
    assert isinstance(bad, InvalidRecord), bad
    assert bad.place.startswith("item 2")
    assert reason in str(bad)


def test_an_item_that_is_not_an_object_or_has_no_paper():
    no_object, no_paper = parse([["2411.00001"], {"title": "T"}])
    assert isinstance(no_object, InvalidRecord) and no_object.place == "item 1"
    assert "expected a JSON object, got list" in no_object.reason
    assert isinstance(no_paper, InvalidRecord) and no_paper.place == "item 2"
    assert no_paper.reason == "no 'paper' object"


@pytest.mark.parametrize(("data", "reason"), [
    (b"<!DOCTYPE html><html><body>Bad gateway</body></html>", "not a daily-papers JSON list"),
    (b'{"error": "Invalid date"}', "got an object: Invalid date"),
    (b'{"papers": []}', "expected a JSON list of papers, got an object"),
    (b'"just a string"', "got str"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
    (b'[{"paper": {"id": "2411.1', "not valid JSON"),
    (b"", "empty document"),
    (b" \n", "empty document"),
    (bytes(range(256)), "not valid JSON|not UTF-8 text"),
    (b"\xff\xfe\x00\x01binary", "not valid JSON|not UTF-8 text"),
])
def test_whole_document_problems_raise(data, reason):
    with pytest.raises(InvalidRecord, match=reason) as caught:
        daily_papers.parse_listing(data)
    assert caught.value.place == "document"


def test_sniff_claims_the_listing_and_nothing_else(fixtures):
    assert daily_papers.sniff((fixtures / "daily_papers" / "2024-11-18.json").read_bytes())
    others = [p for p in fixtures.rglob("*") if p.is_file() and p.parent.name != "daily_papers"]
    for path in others:
        with open_input(str(path)) as stream:
            assert not daily_papers.sniff(stream.peek(65536)[:65536]), path
    assert not daily_papers.sniff(b'{"paper": {}}')
    assert not daily_papers.sniff(b"[1, 2, 3]")
