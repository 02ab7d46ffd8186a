from datetime import UTC, date, datetime, timedelta, timezone

from paperboy.models import Author, PaperRecord
from paperboy.views import PaperView, api_timestamp


def test_timestamps_are_utc_with_milliseconds():
    assert api_timestamp(datetime(2024, 11, 16, 0, 27, 2, tzinfo=UTC)) == \
        "2024-11-16T00:27:02.000Z"
    assert api_timestamp(datetime(2024, 11, 16, 0, 27, 2, 481999, tzinfo=UTC)) == \
        "2024-11-16T00:27:02.481Z"
    paris = timezone(timedelta(hours=1))
    assert api_timestamp(datetime(2024, 11, 16, 1, 27, 2, tzinfo=paris)) == \
        "2024-11-16T00:27:02.000Z"
    assert api_timestamp(date(2024, 11, 18)) == "2024-11-18T00:00:00.000Z"


def test_a_sparse_record_has_every_field_the_api_promises():
    view = PaperView.of(PaperRecord(uid="abc123", title="Only a title"))
    paper = view.paper_json()
    assert paper == {"id": "abc123", "authors": [], "publishedAt": None, "title": "Only a title",
                     "summary": "", "upvotes": 0, "githubRepo": None, "projectPage": None}
    item = view.listing_json()
    assert item["numComments"] == 0
    assert item["submittedBy"] is None
    assert view.markdown() == "# Only a title\n"


def test_markdown_links_only_http_urls():
    record = PaperRecord(uid="2401.00001", title="T", arxiv_id="2401.00001",
                         authors=(Author("A [B](x)"),), abs_url="javascript:alert(1)",
                         code_url="https://github.com/a/b", project_url="http://x.org/a b")
    text = PaperView.of(record).markdown()
    assert "- **Links:** [Code](https://github.com/a/b)\n" in text
    assert "javascript" not in text
    assert r"- **Authors:** A \[B\](x)" in text
