import pytest

from paperboy.errors import InvalidRecord
from paperboy.sources.base import arxiv_id_and_version, first_doi, is_withdrawn, read_version
from paperboy.sources.xml_input import is_html, parse_xml

HTML = "got an HTML page, not XML"


def test_a_syntax_error_names_the_document_and_the_line():
    with pytest.raises(InvalidRecord) as raised:
        parse_xml(b"<feed>\n<entry>\n</feed>", "arXiv API response")
    assert raised.value.place == "arXiv API response, line 3"
    assert raised.value.reason.startswith("not well-formed XML")


@pytest.mark.parametrize("page", [
    b"<!DOCTYPE html><html><body>503</body></html>",
    b"\xef\xbb\xbf  <!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n<HTML></HTML>",
    b'<?xml version="1.0"?>\n<!-- oops -->\n<html xmlns="http://www.w3.org/1999/xhtml"/>',
    b"<html><body><p>unclosed<br></body></html>",
])
def test_an_html_page_is_named_as_one(page):
    assert is_html(page)
    with pytest.raises(InvalidRecord, match=HTML) as raised:
        parse_xml(page, "OAI-PMH response")
    assert raised.value.place == "OAI-PMH response"


@pytest.mark.parametrize("document", [
    b"<rss version='2.0'><channel/></rss>", b"<htmlfeed/>", b"<feed><html/></feed>",
    b"<!DOCTYPE feed><feed/>",
])
def test_xml_is_not_taken_for_html(document):
    assert not is_html(document)
    parse_xml(document)


def test_entity_declarations_are_still_refused():
    with pytest.raises(InvalidRecord, match="entities"):
        parse_xml(b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>')


@pytest.mark.parametrize(("comments", "withdrawn"), [
    ("This paper has been withdrawn by the author", True),
    ("Withdrawn: an error in Lemma 2", True),
    ("We withdraw this submission", True),
    ("12 pages; withdrawal of an earlier claim discussed", False),
    ("12 pages, 3 figures", False),
    (None, False),
    ("", False),
])
def test_is_withdrawn(comments, withdrawn):
    assert is_withdrawn(comments) is withdrawn


def test_read_version_and_its_errors():
    version = read_version("v2", "Mon, 1 Jan 2024 00:00:00 GMT", "record 1")
    assert version.number == 2 and version.created.year == 2024
    with pytest.raises(InvalidRecord, match="'2' is not like 'v2'"):
        read_version("2", "2024-01-01", "record 1")
    with pytest.raises(InvalidRecord, match="version v3 has no date"):
        read_version("v3", None, "record 1")


def test_arxiv_id_and_version():
    assert arxiv_id_and_version("arXiv:2401.00001v2", "line 1") == ("2401.00001", 2)
    assert arxiv_id_and_version("hep-th/9901001", "line 1") == ("hep-th/9901001", None)
    with pytest.raises(InvalidRecord, match="'nope' is not an arXiv id") as raised:
        arxiv_id_and_version("nope", "line 7")
    assert raised.value.place == "line 7"


def test_first_doi():
    assert first_doi("10.1/a 10.2/b") == "10.1/a"
    assert first_doi(None) is None
