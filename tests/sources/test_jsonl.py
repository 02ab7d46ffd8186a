import io
import json
from datetime import UTC, date, datetime

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord
from paperboy.sources import jsonl


def test_parses_our_format(fixtures):
    items = list(jsonl.parse(io.BytesIO((fixtures / "jsonl" / "sample.jsonl").read_bytes())))
    assert all(isinstance(i, PaperRecord) for i in items)
    listed, lora, untitled = items
    assert listed.uid == "a1b2c3d4e5f6" and listed.arxiv_id is None
    assert listed.abs_url is None
    assert (listed.authors_count, listed.org, listed.upvotes) == (3, "Example Lab", 12)
    assert listed.code_url == "https://github.com/example/repo"
    assert "$\\alpha < \\beta$ &" in listed.abstract
    assert lora.arxiv_id == "2106.09685" and lora.categories == ("cs.CL", "cs.LG")
    assert lora.authors == (Author("Edward J. Hu"), Author("Yelong Shen"))
    assert lora.published == datetime(2021, 6, 17, tzinfo=UTC)
    assert lora.announced == date(2021, 6, 18)
    assert untitled.uid == jsonl.title_id("No Id At All")


def test_the_shared_corpus_parses_without_errors(tmp_path):
    from tests.conftest import SHARED

    with open(SHARED / "corpus" / "papers.jsonl", "rb") as stream:
        items = list(jsonl.parse(stream))
    assert len(items) == 694
    assert not [i for i in items if isinstance(i, InvalidRecord)]


def test_wrong_types_name_the_field():
    data = b'{"title": "t", "upvotes": "many"}\n{"title": "t", "authors": {"a": 1}}\n' \
           b'{"title": "t", "code_urls": ["javascript:alert(1)"]}\n{"abstract": "no title"}\n'
    errors = list(jsonl.parse(io.BytesIO(data)))
    assert [type(e) for e in errors] == [InvalidRecord] * 4
    assert "'upvotes' must be an integer" in errors[0].reason
    assert "'authors' must be a list" in errors[1].reason
    assert "not an http(s) URL" in errors[2].reason
    assert errors[3].reason == "no title"


def test_categories_that_no_column_holds_are_refused_by_the_parser():
    long_one = json.dumps({"title": "t", "categories": ["cs.CL", "x" * 40]})
    many = json.dumps({"title": "t", "categories": [f"c{n}" for n in range(51)]})
    errors = list(jsonl.parse(io.BytesIO(f"{long_one}\n{many}\n".encode())))
    assert [type(e) for e in errors] == [InvalidRecord] * 2
    assert errors[0].reason == f"category {'x' * 40!r} is longer than 32 characters"
    assert errors[1].reason == "51 categories (limit 50)"
