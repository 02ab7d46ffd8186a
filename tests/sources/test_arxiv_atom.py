import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, Version
from paperboy.sources import arxiv_atom
from tests.replay import HOSTILE_BODIES

FIXTURES = Path(__file__).parents[1] / "fixtures" / "arxiv_atom"


def page(name: str) -> arxiv_atom.AtomPage:
    return arxiv_atom.parse_page((FIXTURES / name).read_bytes())


def records(name: str) -> list[PaperRecord]:
    items = page(name).items
    assert all(isinstance(item, PaperRecord) for item in items), items
    return [item for item in items if isinstance(item, PaperRecord)]


def test_paging_counts_and_entry_ids():
    result = page("query.xml")
    assert (result.total_results, result.start_index, result.items_per_page) == (5, 0, 10)
    assert len(result.items) == 5
    assert result.entry_ids == {"1706.03762", "2401.00001", "hep-th/9711200", "2402.01234",
                                "2403.05678"}


def test_a_multi_version_entry_with_affiliations_and_categories():
    attention = records("query.xml")[0]
    assert attention.uid == attention.arxiv_id == "1706.03762"
    assert attention.title == "Attention Is All You Need"  # the newline inside is collapsed
    assert attention.abstract.startswith("(Fixture abstract, written for these tests.) A seq")
    assert attention.version == 7
    v1 = datetime(2017, 6, 12, 17, 57, 34, tzinfo=UTC)
    v7 = datetime(2023, 8, 2, 0, 41, 18, tzinfo=UTC)
    assert attention.versions == (Version(1, v1), Version(7, v7))
    assert (attention.published, attention.updated) == (v1, v7)
    assert attention.authors[0] == Author("Ashish Vaswani", "Google Brain")
    assert attention.authors[5] == Author("Aidan N. Gomez", "University of Toronto; Google Brain")
    assert attention.authors[6] == Author("Łukasz Kaiser")
    assert len(attention.authors) == 8
    assert attention.categories == ("cs.CL", "cs.LG")  # the ACM class I.2.7 is left out
    assert attention.comments == "15 pages, 5 figures"
    assert attention.abs_url == "https://arxiv.org/abs/1706.03762"
    assert attention.pdf_url == "https://arxiv.org/pdf/1706.03762"
    assert attention.withdrawn is False
    assert attention.source == "arxiv-atom"


def test_latex_escaped_characters_and_unicode_names_survive():
    sorting = records("query.xml")[1]
    assert sorting.title == ("Sorting in $O(n^2)$ Time, \\emph{Revisited}: "
                             "the <k>-Swap & Merge Problem")
    assert "$< 1$" in sorting.abstract and "\\emph{every}" in sorting.abstract
    assert sorting.authors == (Author("Jan Müller", "TU München"), Author("田中 太郎"))
    assert sorting.categories == ("cs.DS",)  # the MSC class 68W40 is left out
    assert sorting.version == 1
    assert sorting.versions == (Version(1, datetime(2024, 1, 1, 9, 30, tzinfo=UTC)),)
    assert sorting.comments == "12 pages; code at https://example.org/sorting"


def test_old_style_id_doi_and_journal_ref():
    old = records("query.xml")[2]
    assert old.uid == "hep-th/9711200" and old.version == 3
    assert old.doi == "10.1023/A:1026654312961"
    assert old.journal_ref == "Adv.Theor.Math.Phys.2:231-252,1998"
    assert old.abs_url == "https://arxiv.org/abs/hep-th/9711200"


def test_withdrawn_and_minimal_entries():
    withdrawn, minimal = records("query.xml")[3:]
    assert withdrawn.withdrawn is True
    assert withdrawn.title == "A Short Proof of Everything"
    assert withdrawn.authors == (Author("Zoë Åberg"),)
    assert minimal.comments is None and minimal.journal_ref is None and minimal.doi is None
    assert minimal.authors == (Author("A. Nonymous"),)
    assert minimal.withdrawn is False


def test_an_id_list_response_in_the_current_layout():
    attention, old = records("ids.xml")
    assert attention.uid == "1706.03762" and attention.version == 7
    assert attention.categories == ("cs.CL", "cs.LG")
    assert old.uid == "hep-th/9711200" and old.version == 2
    assert page("ids.xml").total_results == 2


def test_an_empty_result_is_a_page_without_items():
    result = page("empty.xml")
    assert result.items == [] and result.total_results == 0 and result.entry_ids == frozenset()


def test_an_api_error_feed_is_raised_with_its_message():
    with pytest.raises(InvalidRecord, match="refused the query: incorrect id format for 1234"):
        page("error.xml")


def test_bad_entries_are_yielded_as_errors_and_the_rest_still_parse():
    data = (FIXTURES / "query.xml").read_bytes()
    data = data.replace(b"<id>http://arxiv.org/abs/2401.00001v1</id>", b"<id>nonsense</id>", 1)
    data = data.replace(b"<published>2024-02-02T16:45:10Z</published>",
                        b"<published>last Tuesday</published>", 1)
    data = data.replace(b"<title>Minimal Entry</title>", b"<title>  </title>", 1)
    result = arxiv_atom.parse_page(data)
    errors = [str(i) for i in result.items if isinstance(i, InvalidRecord)]
    assert errors == [
        "entry 2: 'nonsense' is not an arXiv abs URL",
        "entry 4 (id 2402.01234): cannot read date 'last Tuesday'",
        "entry 5 (id 2403.05678): no title",
    ]
    assert [i.uid for i in result.items if isinstance(i, PaperRecord)] == [
        "1706.03762", "hep-th/9711200"]
    assert "2402.01234" in result.entry_ids and "2403.05678" in result.entry_ids


def test_format_sniffs_api_feeds_only_and_parses_streams():
    assert arxiv_atom.sniff((FIXTURES / "query.xml").read_bytes())
    assert arxiv_atom.sniff((FIXTURES / "empty.xml").read_bytes())
    oai_page = (Path(__file__).parents[1] / "fixtures" / "oai" / "list_records_1.xml")
    assert not arxiv_atom.sniff(oai_page.read_bytes())
    announcement_feed = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
                         b'xmlns:arxiv="http://arxiv.org/schemas/atom"><link '
                         b'href="http://rss.arxiv.org/atom/cs.CL" rel="self"/></feed>')
    assert not arxiv_atom.sniff(announcement_feed)
    assert not arxiv_atom.sniff(b'{"title": "x"}')
    items = list(arxiv_atom.FORMAT.parse(io.BytesIO((FIXTURES / "query.xml").read_bytes())))
    assert len(items) == 5 and arxiv_atom.FORMAT.name == "arxiv-atom"


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_hostile_input_is_a_clear_invalid_record(name):
    with pytest.raises(InvalidRecord) as raised:
        arxiv_atom.parse_page(HOSTILE_BODIES[name])
    assert raised.value.reason


def test_truncated_feed_is_a_clear_invalid_record():
    data = (FIXTURES / "query.xml").read_bytes()
    with pytest.raises(InvalidRecord, match="not well-formed XML"):
        arxiv_atom.parse_page(data[: len(data) // 2])


def test_a_document_that_is_not_a_feed_names_what_it_found():
    with pytest.raises(InvalidRecord, match="expected an Atom <feed>, found <rss>"):
        arxiv_atom.parse_page(b"<rss version='2.0'><channel/></rss>")
