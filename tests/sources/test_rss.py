import gzip
import io
from datetime import date

import pytest

from paperboy.errors import InvalidRecord
from paperboy.ingest import open_input
from paperboy.models import Author, PaperRecord
from paperboy.sources import rss
from paperboy.sources.base import Item

CC_BY = "http://creativecommons.org/licenses/by/4.0/"
ITEM = """<item><title>{title}</title>
  <description>arXiv:{id} Announce Type: new
Abstract: Text.</description>
  <guid isPermaLink="false">oai:arXiv.org:{id}</guid><category>cs.CL</category>
  <pubDate>{day}</pubDate><arxiv:announce_type>new</arxiv:announce_type>
  <dc:creator>A. Author</dc:creator></item>"""
RSS = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
 version="2.0"><channel><title>cs.CL updates on arXiv.org</title>
<pubDate>Mon, 15 Jan 2024 00:00:00 -0500</pubDate>{items}</channel></rss>"""
API_ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query=cat:cs.CL" rel="self"/>
  <id>http://arxiv.org/api/Qh0XBwXy5CFTTTNCnakBOCDYEDQ</id>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1
  </opensearch:totalResults>
  <entry><id>http://arxiv.org/abs/2401.06104v1</id><title>T</title></entry>
</feed>"""
OAI = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-15T00:00:00Z
</responseDate><ListRecords/></OAI-PMH>"""


def feed(*items: str) -> bytes:
    return RSS.format(items="".join(items)).encode()


def item(arxiv_id: str = "2401.00001v1", title: str = "A Title",
         day: str = "Mon, 15 Jan 2024 00:00:00 -0500") -> str:
    return ITEM.format(id=arxiv_id, title=title, day=day)


def parse(data: bytes) -> list[Item]:
    return list(rss.parse(io.BytesIO(data)))


def records(name: str, fixtures) -> dict[str, PaperRecord]:
    items = parse((fixtures / "rss" / name).read_bytes())
    assert all(isinstance(i, PaperRecord) for i in items), items
    return {i.uid: i for i in items if isinstance(i, PaperRecord)}


def test_rss_new_item_maps_every_field(fixtures):
    paper = records("cs.CL.rss.xml", fixtures)["2401.06104"]
    assert paper.arxiv_id == "2401.06104" and paper.version == 1
    assert paper.title == "Transformers are Multi-State RNNs"
    assert paper.abstract.startswith("We look at decoder-only transformers as recurrent")
    assert "Announce Type" not in paper.abstract and "arXiv:" not in paper.abstract
    assert paper.authors == (Author("Matanel Oren"), Author("Michael Hassid"),
                             Author("Yossi Adi"), Author("Roy Schwartz"))
    assert paper.categories == ("cs.CL", "cs.LG") and paper.primary_category == "cs.CL"
    assert paper.announced == date(2024, 1, 15)
    assert paper.license == CC_BY
    assert paper.abs_url == "https://arxiv.org/abs/2401.06104"
    assert paper.pdf_url == "https://arxiv.org/pdf/2401.06104"
    assert (paper.published, paper.updated, paper.doi, paper.journal_ref) == (None,) * 4
    assert paper.source == "rss"


def test_rss_text_is_unescaped_and_whitespace_collapsed(fixtures):
    paper = records("cs.CL.rss.xml", fixtures)["2401.06110"]
    assert paper.title == r"Sorting in $\mathcal{O}(n)$ Tokens: When x < y & Models Agree"
    assert paper.abstract == (r"We show that a model can sort a list in $\mathcal{O}(n)$ generated "
                              "tokens when every comparison x < y is written out, and that "
                              "R&D-style prompts do not help.")
    assert [a.name for a in paper.authors] == ["Łukasz Kowalski", "Jürgen Müller", "田中 太郎",
                                               "Chloé Dubois"]
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def test_rss_cross_lists_keep_categories_in_the_order_given(fixtures):
    paper = records("cs.CL.rss.xml", fixtures)["2401.05952"]
    assert paper.categories == ("cs.LG", "cs.CL", "stat.ML") and paper.primary_category == "cs.LG"
    assert paper.version == 1 and paper.announced == date(2024, 1, 15)


def test_rss_replacements_carry_version_but_not_an_announcement_day(fixtures):
    papers = records("cs.CL.rss.xml", fixtures)
    replaced, replaced_cross = papers["2310.01234"], papers["2312.00752"]
    assert (replaced.version, replaced.announced) == (3, None)
    assert replaced.categories == ("cs.CL", "cs.AI")
    assert replaced.doi == "10.18653/v1/2023.emnlp-main.999"
    assert replaced.journal_ref == "Proceedings of EMNLP 2023, pp. 1-12"
    assert replaced.abstract.startswith("This version adds two model families")
    assert (replaced_cross.version, replaced_cross.announced) == (2, None)
    assert replaced_cross.categories == ("cs.LG", "cs.AI", "cs.CL")


def test_rss_feed_keeps_item_order(fixtures):
    items = parse((fixtures / "rss" / "cs.CL.rss.xml").read_bytes())
    assert [i.uid for i in items if isinstance(i, PaperRecord)] == [
        "2401.06104", "2401.06110", "2401.05952", "2310.01234", "2312.00752"]


def test_atom_flavour_maps_the_same_fields(fixtures):
    papers = records("cs.CL.atom.xml", fixtures)
    new = papers["2401.07001"]
    assert new.title == "Dialect Robustness of Speech Translation, Revisited"
    assert new.abstract == (r"Speech translation systems lose up to $30\%$ BLEU on regional "
                            "dialects; we trace the loss to <5 hours of dialect data & fix most "
                            "of it.")
    assert new.authors == (Author("Søren Østergaard"), Author("佐藤 花子"))
    assert new.categories == ("cs.CL", "eess.AS")
    assert (new.version, new.announced, new.license) == (1, date(2024, 1, 16), CC_BY)
    cross = papers["2401.06950"]
    assert cross.categories == ("cs.CV", "cs.CL") and cross.announced == date(2024, 1, 16)
    assert cross.authors == (Author("Mei Lin"), Author("Kofi Mensah"))  # from dc:creator
    replaced = papers["2305.14314"]
    assert (replaced.version, replaced.announced, replaced.journal_ref) == (2, None, "NeurIPS 2023")
    assert len(replaced.authors) == 4
    old_style = papers["math/0309136"]
    assert (old_style.version, old_style.announced) == (4, None)
    assert old_style.categories == ("math.CO", "cs.CL")
    assert old_style.doi == "10.1000/example.0309136"
    assert old_style.abs_url == "https://arxiv.org/abs/math/0309136"


@pytest.mark.parametrize("name", ["weekend.rss.xml", "weekend.atom.xml"])
def test_an_empty_weekend_feed_is_valid_and_yields_nothing(fixtures, name):
    data = (fixtures / "rss" / name).read_bytes()
    assert rss.sniff(data)
    assert parse(data) == []


def test_announcement_day_is_the_feeds_own_calendar_day():
    late = item(day="Mon, 15 Jan 2024 23:30:00 -0500")  # already the 16th in UTC
    (paper,) = parse(feed(late))
    assert isinstance(paper, PaperRecord) and paper.announced == date(2024, 1, 15)


def test_item_without_pubdate_takes_the_channels():
    (paper,) = parse(feed(item().replace("<pubDate>Mon, 15 Jan 2024 00:00:00 -0500</pubDate>", "")))
    assert isinstance(paper, PaperRecord) and paper.announced == date(2024, 1, 15)


def test_guid_missing_falls_back_to_the_description_prefix():
    text = item("2401.00002v3").replace('<guid isPermaLink="false">oai:arXiv.org:2401.00002v3'
                                        "</guid>", "")
    (paper,) = parse(feed(text))
    assert isinstance(paper, PaperRecord) and (paper.uid, paper.version) == ("2401.00002", 3)


def test_bad_items_are_yielded_as_errors_naming_the_item():
    bad_id = item().replace("oai:arXiv.org:2401.00001v1", "urn:x").replace("arXiv:2401", "x:2401")
    items = parse(feed(item("2401.00001v1"), item("2401.00002v1", title=""),
                       item("2401.00003v1", day="not a date"), bad_id,
                       item("2401.00005v1", title="x" * 2000)))
    good, no_title, bad_day, no_id, long_title = items
    assert isinstance(good, PaperRecord)
    assert isinstance(no_title, InvalidRecord) and no_title.place == "item 2 (id 2401.00002)"
    assert no_title.reason == "no title"
    assert isinstance(bad_day, InvalidRecord) and bad_day.place == "item 3 (id 2401.00003)"
    assert "cannot read date 'not a date'" in bad_day.reason
    assert isinstance(no_id, InvalidRecord) and no_id.place == "item 4"
    assert "no arXiv id" in no_id.reason
    assert isinstance(long_title, InvalidRecord)
    assert "title is 2,000 characters" in long_title.reason


def test_a_huge_abstract_is_refused_not_stored():
    text = item().replace("Abstract: Text.", "Abstract: " + "word " * 1_000_000)
    (error,) = parse(feed(text))
    assert isinstance(error, InvalidRecord) and "abstract is" in error.reason


HOSTILE = {
    "billion laughs": b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>""",
    "empty": b"",
    "blank": b"  \n ",
    "binary": bytes(range(256)) * 4,
    "gzipped": gzip.compress(b"<rss version='2.0'><channel></channel></rss>"),
    "json": b'[{"paper": {"id": "2401.00001"}}]',
    "html": b"<html><body><h1>503 Service Unavailable</h1></body></html>",
    "rss without channel": b"<rss version='2.0'></rss>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_raise_a_clear_invalid_record(name):
    with pytest.raises(InvalidRecord) as caught:
        parse(HOSTILE[name])
    assert caught.value.reason and len(str(caught.value)) < 300


def test_billion_laughs_is_refused_for_its_entities():
    with pytest.raises(InvalidRecord, match="entities"):
        parse(HOSTILE["billion laughs"])


def test_truncated_feed_is_not_well_formed(fixtures):
    data = (fixtures / "rss" / "cs.CL.rss.xml").read_bytes()
    with pytest.raises(InvalidRecord, match="not well-formed XML"):
        parse(data[: len(data) // 2])


@pytest.mark.parametrize("name", ["cs.CL.rss.xml", "cs.CL.atom.xml", "weekend.rss.xml",
                                  "weekend.atom.xml"])
def test_sniff_claims_both_flavours(fixtures, name):
    assert rss.sniff((fixtures / "rss" / name).read_bytes()[:65536])


def test_sniff_claims_a_feed_with_a_byte_order_mark_or_comment():
    assert rss.sniff(b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- feed -->\n<rss version='2.0'>")


@pytest.mark.parametrize("head", [API_ATOM, OAI, b"", b"[{\"paper\": {}}]", b'{"id": "x"}',
                                  b"<feed xmlns='http://www.w3.org/2005/Atom'></feed>",
                                  b"<html><body>rss</body></html>"])
def test_sniff_refuses_other_formats(head):
    assert not rss.sniff(head)


def test_sniff_refuses_every_other_formats_fixture(fixtures):
    others = [p for p in fixtures.rglob("*") if p.is_file() and p.parent.name != "rss"]
    for path in others:
        with open_input(str(path)) as stream:
            assert not rss.sniff(stream.peek(65536)[:65536]), path


def test_creators_are_split_with_a_serial_comma_and_affiliations():
    text = item().replace("A. Author", "A. One, B. Two (MIT), and C. Three")
    [record] = parse(feed(text))
    assert isinstance(record, PaperRecord)
    assert record.authors == (Author("A. One"), Author("B. Two", "MIT"), Author("C. Three"))
