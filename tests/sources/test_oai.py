import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, Version
from paperboy.sources import oai
from tests.replay import HOSTILE_BODIES
from tests.sources.oai_pages import raw_page

FIXTURES = Path(__file__).parents[1] / "fixtures" / "oai"
ERRORS = ["badArgument", "badResumptionToken", "badVerb", "cannotDisseminateFormat",
          "idDoesNotExist", "noSetHierarchy"]


def page(name: str) -> oai.OaiPage:
    return oai.parse_page((FIXTURES / name).read_bytes())


def records(name: str) -> list[PaperRecord]:
    items = page(name).items
    assert all(isinstance(item, PaperRecord) for item in items), items
    return [item for item in items if isinstance(item, PaperRecord)]


def at(day: int, month: int, year: int, hour: int = 0, minute: int = 0, second: int = 0
       ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_resumption_tokens_across_three_pages():
    first, second, last = page("list_records_1.xml"), page("list_records_2.xml"), \
        page("list_records_3.xml")
    assert (first.resumption_token, first.cursor, first.complete_list_size) == \
        ("6960524|1001", 0, 8)
    assert (second.resumption_token, second.cursor) == ("6960524|2001", 3)
    assert (last.resumption_token, last.cursor, last.complete_list_size) == (None, 6, 8)
    assert [len(p.items) for p in (first, second, last)] == [3, 2, 2]


def test_arxiv_raw_record_with_every_version():
    attention = records("list_records_1.xml")[0]
    assert attention.uid == attention.arxiv_id == "1706.03762"
    assert attention.title == "Attention Is All You Need"
    assert attention.version == 7 and len(attention.versions) == 7
    assert attention.versions[0] == Version(1, at(12, 6, 2017, 17, 57, 34))
    assert attention.versions[-1] == Version(7, at(2, 8, 2023, 0, 41, 18))
    assert attention.published == attention.versions[0].created
    assert attention.updated == attention.versions[-1].created
    assert len(attention.authors) == 8
    assert attention.authors[6] == Author("Łukasz Kaiser")  # written {\L}ukasz
    assert attention.categories == ("cs.CL", "cs.LG")
    assert attention.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert attention.comments == "15 pages, 5 figures"
    assert attention.abs_url == "https://arxiv.org/abs/1706.03762"
    assert attention.source == "oai"
    assert attention.submitted_by is None  # the arXiv submitter is not the hub's submitter


def test_latex_escapes_and_unicode_names_and_missing_optional_fields():
    sorting = records("list_records_1.xml")[1]
    assert sorting.title == ("Sorting in $O(n^2)$ Time, \\emph{Revisited}: "
                             "the <k>-Swap & Merge Problem")
    assert "$< 1$" in sorting.abstract and "repeat & merge" in sorting.abstract
    assert sorting.authors == (Author("Jan Müller", "TU München"), Author("田中 太郎"))
    assert sorting.categories == ("cs.DS", "math.CO") and sorting.primary_category == "cs.DS"
    assert sorting.comments is None and sorting.license is None and sorting.doi is None


def test_old_style_id():
    old = records("list_records_1.xml")[2]
    assert old.uid == "hep-th/9711200" and old.version == 3
    assert old.authors == (Author("Juan M. Maldacena", "Harvard"),)
    assert old.doi == "10.1023/A:1026654312961"
    assert old.journal_ref == "Adv.Theor.Math.Phys.2:231-252,1998"


# Submitted on Monday 23 November 2026 at 15:10 in New York, after the 14:00 cutoff: announced
# on Tuesday at 20:00 Eastern, 01:00 UTC on Wednesday, the record's datestamp.
LATE_V1 = "Mon, 23 Nov 2026 20:10:00 GMT"


def announced(data: bytes) -> date | None:
    [record] = oai.parse_page(data).items
    assert isinstance(record, PaperRecord), record
    return record.announced


@pytest.mark.parametrize(("datestamp", "v1", "day"), [
    ("2026-11-25", LATE_V1, date(2026, 11, 25)),
    ("2026-11-25T01:12:09Z", LATE_V1, date(2026, 11, 25)),  # the protocol's finer granularity
    # Friday after the cutoff, announced Monday evening: Tuesday in UTC, 4 days on
    ("2026-11-24", "Fri, 20 Nov 2026 19:30:00 GMT", date(2026, 11, 24)),
    ("2026-11-30", LATE_V1, date(2026, 11, 30)),  # a week late (a hold, a deferred mailing)
])
def test_a_new_papers_datestamp_is_its_announcement_day(datestamp, v1, day):
    assert announced(raw_page(datestamp, v1)) == day


def test_a_replacements_datestamp_is_not_an_announcement():
    assert announced(raw_page("2026-12-02", LATE_V1, "Tue, 1 Dec 2026 09:00:00 GMT")) is None


@pytest.mark.parametrize("datestamp", ["2027-03-10", "2026-12-01"])  # months, 8 days after v1
def test_a_v1_changed_long_after_its_announcement_has_no_announcement_day(datestamp):
    assert announced(raw_page(datestamp, LATE_V1)) is None


@pytest.mark.parametrize("datestamp", [None, "", "last Tuesday", "2026-11-22"])
def test_a_missing_unreadable_or_impossible_datestamp_says_nothing(datestamp):
    assert announced(raw_page(datestamp, LATE_V1)) is None  # the record itself is fine


def test_the_recorded_pages_announce_only_their_new_papers():
    assert {r.uid: r.announced for r in records("list_records_1.xml")} == {
        "1706.03762": None, "2401.00001": date(2024, 1, 2), "hep-th/9711200": None}
    assert [r.announced for r in records("list_records_2.xml")] == [None, date(2024, 1, 5)]
    [from_arxiv_format] = records("get_record_arxiv.xml")
    assert from_arxiv_format.announced is None  # no version numbers: no way to tell


def test_deleted_records_are_skipped_and_listed():
    second = page("list_records_2.xml")
    assert second.deleted == ("oai:arXiv.org:2312.99999",)
    assert [r.uid for r in records("list_records_2.xml")] == ["2402.01234", "2401.00002"]


def test_withdrawn_paper():
    withdrawn = records("list_records_2.xml")[0]
    assert withdrawn.withdrawn is True
    assert withdrawn.version == 2
    assert withdrawn.authors == (Author("Zoë Åberg"),)  # written Zo\"e {\AA}berg


def test_whitespace_author_separators_and_several_dois():
    messy = records("list_records_2.xml")[1]
    assert messy.title == "Tabs, spaces and newlines in a title"
    assert messy.abstract == ("(Fixture abstract.) Whitespace inside an abstract collapses "
                              "to single spaces.")
    assert messy.authors == (Author("Ana One", "Dept. of Physics and Astronomy, Uni X"),
                             Author("Bo Two"), Author("Chen Three"))
    assert messy.comments == "Accepted at a venue; <10 pages & 2 figures"
    assert messy.doi == "10.1000/fixture.1"


def test_get_record_in_the_arxiv_format():
    [record] = records("get_record_arxiv.xml")
    assert record.uid == "2401.00005"
    assert record.title == "Structured Names in the arXiv Format"
    assert record.authors == (
        Author("Jan Müller", "TU München; LMU"), Author("John Smith Jr"),
        Author("太郎 田中"),  # forenames then keyname, as arXiv orders every name
        Author("Łukasz Kaiser"), Author("The Fixture Collaboration"),
    )
    assert record.published == at(4, 1, 2024) and record.updated == at(31, 1, 2024)
    assert record.version is None and record.versions == ()  # this format does not say
    assert record.categories == ("cs.DL", "cs.IR")
    assert record.license == "http://creativecommons.org/licenses/by-sa/4.0/"
    assert page("get_record_arxiv.xml").resumption_token is None


def test_bad_records_are_yielded_with_their_place_and_the_rest_still_parse():
    items = page("list_records_mixed.xml").items
    assert [str(i) for i in items if isinstance(i, InvalidRecord)] == [
        "record 1 (id 2403.00001): version 'first' is not like 'v2'",
        "record 2 (id 2403.00002): no metadata",
        "record 3 (id 2403.00003): metadata format <dc> is not supported "
        "(harvest arXivRaw or arXiv)",
        "record 4 (id 2403.00004): no title",
        "record 5 (id 2403.00005): cannot read date 'the first of March'",
        "record 6: 'not an id' is not an arXiv id",
    ]
    assert [i.uid for i in items if isinstance(i, PaperRecord)] == ["2403.00006"]


def test_no_records_match_is_an_empty_page():
    empty = page("error_noRecordsMatch.xml")
    assert empty.items == [] and empty.resumption_token is None


@pytest.mark.parametrize("code", ERRORS)
def test_other_oai_errors_raise_oai_error_with_their_code(code):
    with pytest.raises(oai.OaiError) as raised:
        page(f"error_{code}.xml")
    assert raised.value.code == code
    assert raised.value.message
    assert str(raised.value).startswith(f"OAI-PMH: {code}: ")
    assert isinstance(raised.value, InvalidRecord)


def test_format_sniffs_oai_documents_and_parses_streams():
    assert oai.sniff((FIXTURES / "list_records_1.xml").read_bytes())
    assert oai.sniff((FIXTURES / "error_badVerb.xml").read_bytes())
    atom = Path(__file__).parents[1] / "fixtures" / "arxiv_atom" / "query.xml"
    assert not oai.sniff(atom.read_bytes())
    assert not oai.sniff(b'{"id": "2401.00001"}')
    items = list(oai.FORMAT.parse(io.BytesIO((FIXTURES / "list_records_2.xml").read_bytes())))
    assert len(items) == 2 and oai.FORMAT.name == "oai"


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_hostile_input_is_a_clear_invalid_record(name):
    with pytest.raises(InvalidRecord) as raised:
        oai.parse_page(HOSTILE_BODIES[name])
    assert raised.value.reason and not isinstance(raised.value, oai.OaiError)


def test_truncated_page_is_a_clear_invalid_record():
    data = (FIXTURES / "list_records_1.xml").read_bytes()
    with pytest.raises(InvalidRecord, match="not well-formed XML"):
        oai.parse_page(data[:-200])


def test_other_verbs_are_refused():
    data = (b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListSets><set>'
            b"<setSpec>cs</setSpec></set></ListSets></OAI-PMH>")
    with pytest.raises(InvalidRecord, match="neither a ListRecords nor a GetRecord"):
        oai.parse_page(data)
