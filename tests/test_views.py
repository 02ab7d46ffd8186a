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


def test_what_pages_read_beyond_the_api_fields():
    record = PaperRecord(
        uid="2401.00001", title="T", arxiv_id="2401.00001", version=3,
        authors=(Author("A", "MIT"), Author("B"), Author("C"), Author("D")),
        published=datetime(2024, 1, 1, 9, tzinfo=UTC), updated=datetime(2024, 2, 1, tzinfo=UTC),
        announced=date(2024, 1, 2), journal_ref="J. 1 (2024)", doi="10.1/x",
        categories=("cs.LG", "stat.ML"), code_url="https://github.com/a/b",
        pdf_url="javascript:alert(1)")
    view = PaperView.of(record)
    assert view.bylines[0] == Author("A", "MIT")
    assert (view.version, view.updated_at, view.journal_ref) == (
        3, datetime(2024, 2, 1, tzinfo=UTC), "J. 1 (2024)")
    assert view.primary_category == "cs.LG"
    assert view.shown_at == datetime(2024, 1, 2, tzinfo=UTC)  # its listing day
    assert view.doi_url == "https://doi.org/10.1/x"
    assert view.code_link == "https://github.com/a/b"
    assert view.links() == [("Code", "https://github.com/a/b")]
    assert view.short_authors() == "A, B, C et al."
    assert view.short_authors(4) == "A, B, C, D"


def test_short_author_lists():
    def short(names, count=None):
        authors = tuple(Author(name) for name in names)
        return PaperView.of(PaperRecord(uid="x", title="T", authors=authors,
                                        authors_count=count)).short_authors()
    assert short([]) == ""
    assert short(["A"]) == "A"
    assert short(["A", "B", "C"]) == "A, B, C"
    assert short(["A"], count=12) == "A et al."
    assert short([], count=12) == "12 authors"
    assert PaperView.of(PaperRecord(uid="x", title="T", doi="10.1/<x>")).doi_url is None
    assert PaperView.of(PaperRecord(uid="x", title="T")).shown_at is None
