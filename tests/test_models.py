import dataclasses
from datetime import UTC, date, datetime

import pytest

from paperboy.models import Author, PaperRecord, Version, merge, split_arxiv_id, with_defaults


@pytest.mark.parametrize(("text", "expected"), [
    ("2401.00001", ("2401.00001", None)),
    ("2401.00001v3", ("2401.00001", 3)),
    ("arXiv:2401.12345v2", ("2401.12345", 2)),
    ("https://arxiv.org/abs/2401.12345v1", ("2401.12345", 1)),
    ("http://arxiv.org/pdf/2401.12345.pdf", ("2401.12345", None)),
    ("oai:arXiv.org:2401.12345", ("2401.12345", None)),
    ("hep-th/9901001v2", ("hep-th/9901001", 2)),
    ("math.GT/0309136", ("math.GT/0309136", None)),
    ("0704.0001", ("0704.0001", None)),
    (" 2401.00001 ", ("2401.00001", None)),
])
def test_split_arxiv_id_accepts_the_usual_spellings(text, expected):
    assert split_arxiv_id(text) == expected


@pytest.mark.parametrize("text", ["", "2401.1", "hello", "2401.00001v", "2401.00001; DROP"])
def test_split_arxiv_id_refuses_other_text(text):
    assert split_arxiv_id(text) is None


def at(day: int) -> datetime:
    return datetime(2024, 1, day, tzinfo=UTC)


V1 = PaperRecord(uid="2401.00001", arxiv_id="2401.00001", title="Old title", abstract="old",
                 version=1, versions=(Version(1, at(1)),), authors=(Author("A"),), source="oai")
V2 = PaperRecord(uid="2401.00001", arxiv_id="2401.00001", title="New title", abstract="new",
                 version=2, versions=(Version(2, at(5)),), source="arxiv-atom")


def test_a_newer_version_replaces_bibliographic_fields_and_unites_histories():
    merged = merge(V1, V2)
    assert (merged.title, merged.abstract, merged.version) == ("New title", "new", 2)
    assert merged.versions == (Version(1, at(1)), Version(2, at(5)))
    assert merged.authors == (Author("A"),)  # the newer record said nothing about authors
    assert merged.source == "oai"


def test_an_older_version_never_overwrites_a_newer():
    merged = merge(merge(V1, V2), V1)
    assert (merged.title, merged.version) == ("New title", 2)


def test_a_record_without_version_fills_gaps_and_sets_hub_fields():
    listing = PaperRecord(uid="2401.00001", title="Listing title", abstract="listing",
                          upvotes=7, code_url="https://github.com/x/y",
                          listing_date=date(2024, 1, 9), source="daily-papers")
    merged = merge(V2, listing)
    assert (merged.title, merged.upvotes, merged.code_url) == ("New title", 7, listing.code_url)
    assert merged.listing_date == date(2024, 1, 9)


def test_the_first_announcement_day_stays():
    found = merge(V1, dataclasses.replace(V1, announced=date(2024, 1, 2)))
    assert found.announced == date(2024, 1, 2)  # an empty day is filled
    for later in (dataclasses.replace(V1, announced=date(2024, 1, 4)),
                  dataclasses.replace(V2, announced=date(2023, 12, 30)), V2):
        assert merge(found, later).announced == date(2024, 1, 2)  # never moved nor cleared


def test_merging_the_same_record_changes_nothing():
    assert merge(V2, V2) == V2


def test_with_defaults_derives_links_and_dates_from_versions():
    record = with_defaults(PaperRecord(uid="2401.00001", arxiv_id="2401.00001", title="t",
                                       versions=(Version(2, at(5)), Version(1, at(1)))))
    assert record.abs_url == "https://arxiv.org/abs/2401.00001"
    assert record.pdf_url == "https://arxiv.org/pdf/2401.00001"
    assert (record.published, record.updated, record.version) == (at(1), at(5), 2)
