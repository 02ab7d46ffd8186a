from datetime import date

import pytest

from paperboy.search.query import Query, parse_query


def test_plain_words_are_the_text():
    assert parse_query("  kv cache   compression ") == Query(text="kv cache compression")


def test_every_operator_together():
    query = parse_query('"speculative decoding" author:"Tri Dao" cat:cs.CL year:2024 '
                        '-vision -"image generation" has:code draft')
    assert query.text == "draft speculative decoding"
    assert query.phrases == ("speculative decoding",)
    assert query.authors == ("Tri Dao",)
    assert query.categories == ("cs.CL",)
    assert (query.date_from, query.date_to) == (date(2024, 1, 1), date(2024, 12, 31))
    assert query.excluded == ("vision", "image generation")
    assert query.has_code and query.has_filters


@pytest.mark.parametrize(("text", "start", "end"), [
    ("from:2024-01-01 to:2024-06-30", date(2024, 1, 1), date(2024, 6, 30)),
    ("from:2024-02 to:2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("since:2023 until:2023-12", date(2023, 1, 1), date(2023, 12, 31)),
    ("to:2024-12", None, date(2024, 12, 31)),
])
def test_date_ranges(text, start, end):
    query = parse_query(text)
    assert (query.date_from, query.date_to) == (start, end)


@pytest.mark.parametrize("text", ["2401.00001", "arXiv:2401.00001v2",
                                  "https://arxiv.org/abs/2401.00001v3",
                                  "https://arxiv.org/pdf/2401.00001"])
def test_an_arxiv_id_or_url_jumps_to_the_paper(text):
    assert parse_query(text).arxiv_id == "2401.00001"


@pytest.mark.parametrize("text", [
    '"unclosed phrase', "author:", "cat:", "year:20x4", "from:yesterday", "foo:bar",
    ":::", '""', "-", "AND OR NOT ( ) *", "a" * 5000, "\x00\x1f", "cat:DROP TABLE papers;",
])
def test_bad_syntax_degrades_to_words(text):
    query = parse_query(text)
    assert isinstance(query, Query)
    assert len(query.text) <= 1000 + 10
    assert query.date_from is None and query.categories == ()


def test_an_unknown_operator_is_noted_and_searched_as_words():
    query = parse_query("venue:neurips attention")
    assert query.text == "venue neurips attention"
    assert query.notes == ("venue:neurips not understood; searched as words",)


def test_extra_filters_from_parameters_add_to_the_typed_ones():
    query = parse_query("cat:cs.CL attention").with_filters(categories=("cs.LG",), has_code=True)
    assert query.categories == ("cs.CL", "cs.LG") and query.has_code
