import io
import json
from datetime import UTC, datetime

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, Version
from paperboy.sources import snapshot


def parse(data: bytes):
    return list(snapshot.parse(io.BytesIO(data)))


def test_parses_every_field_of_the_fixture(fixtures):
    items = parse((fixtures / "snapshot" / "sample.jsonl").read_bytes())
    assert all(isinstance(i, PaperRecord) for i in items)
    flash, old, withdrawn, minimal = items
    assert flash.uid == flash.arxiv_id == "2205.14135"
    assert flash.title == ("FlashAttention: Fast and Memory-Efficient Exact Attention "
                           "with IO-Awareness")
    assert flash.abstract.startswith("We (the fixture authors) summarise: exact attention")
    assert "$N \\times N$" in flash.abstract and "< 2x" in flash.abstract
    assert flash.authors[-1] == Author("Christopher Ré")
    assert flash.version == 2
    assert flash.versions == (Version(1, datetime(2022, 5, 27, 17, 53, 9, tzinfo=UTC)),
                              Version(2, datetime(2022, 6, 23, 17, 53, 9, tzinfo=UTC)))
    assert flash.published == flash.versions[0].created
    assert flash.updated == flash.versions[1].created
    assert flash.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert flash.abs_url == "https://arxiv.org/abs/2205.14135"
    assert flash.withdrawn is False
    assert old.uid == "hep-th/9901001"
    assert old.categories == ("hep-th", "gr-qc") and old.primary_category == "hep-th"
    assert old.authors == (Author("J. Müller"), Author("Ł. Kowalski", "Uniwersytet Warszawski"))
    assert old.doi == "10.1016/S0370-2693(99)00001-1"
    assert old.journal_ref == "Phys. Lett. B 450 (1999) 1"
    assert withdrawn.withdrawn is True
    assert minimal.authors == (Author("田中 太郎"), Author("Zoë Åberg"))
    assert minimal.comments is None and minimal.license is None


def test_sniff_recognises_snapshot_lines_only(fixtures):
    assert snapshot.sniff((fixtures / "snapshot" / "sample.jsonl").read_bytes())
    assert not snapshot.sniff((fixtures / "jsonl" / "sample.jsonl").read_bytes())
    assert not snapshot.sniff(b"<?xml version='1.0'?><feed/>")


def line(**fields) -> bytes:
    base = {"id": "2401.00001", "title": "T", "abstract": "A", "categories": "cs.CL",
            "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}]}
    return json.dumps(base | fields).encode() + b"\n"


def test_bad_records_are_reported_with_their_line_and_the_rest_still_parse():
    data = line() + b"{not json\n" + line(id="not an id") + line(versions=[{"version": "x"}]) \
        + line(title=["a list"]) + b"\n" + line(id="2401.00002") + b"[1, 2]\n"
    items = parse(data)
    errors = [i for i in items if isinstance(i, InvalidRecord)]
    good = [i for i in items if isinstance(i, PaperRecord)]
    assert [r.uid for r in good] == ["2401.00001", "2401.00002"]
    assert [e.place.split(" ")[:2] for e in errors] == [
        ["line", "2"], ["line", "3"], ["line", "4"], ["line", "5"], ["line", "8"]]
    assert "not valid JSON" in errors[0].reason
    assert "not an arXiv id" in errors[1].reason
    assert "'v2'" in errors[2].reason
    assert "'title' must be a string" in errors[3].reason
    assert "expected a JSON object" in errors[4].reason


def test_hostile_lines_end_in_clear_errors():
    deep = b"[" * 100_000 + b"]" * 100_000 + b"\n"
    huge = line(abstract="x" * 10_000_000)
    items = parse(deep + huge + b"\xff\xfe\x00garbage\n")
    assert all(isinstance(i, InvalidRecord) for i in items)
    assert "nested too deeply" in items[0].reason
    assert "limit" in items[1].reason
    assert "line 3" in items[2].place


def test_without_authors_parsed_the_authors_string_is_split_like_arxivs():
    [record] = parse(line(authors="A. One (MIT), B. M\\\"uller, and C. Three"))
    assert isinstance(record, PaperRecord)
    assert record.authors == (Author("A. One", "MIT"), Author("B. Müller"), Author("C. Three"))
