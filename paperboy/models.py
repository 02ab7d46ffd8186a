"""The paper as it enters paperboy (`PaperRecord`), and the pure rules for merging two of them.

Every parser in `paperboy.sources` yields `PaperRecord`s; `paperboy.ingest` merges each one
with what the store already holds (`merge`) and writes the result.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime

# New-style ids (0704.0001, 2401.12345) and old-style ones (hep-th/9901001, math.GT/0309136).
ARXIV_ID = re.compile(
    r"(?P<id>\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?"
)
ARXIV_ID_EXACT = re.compile(rf"^{ARXIV_ID.pattern}$")


def split_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """'2401.00001v2' -> ('2401.00001', 2); an abs/pdf URL or 'arXiv:' prefix is accepted too."""
    text = text.strip()
    text = re.sub(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/", "", text)
    text = re.sub(r"^(?:arxiv:|oai:arxiv\.org:)", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\.pdf$", "", text)
    match = ARXIV_ID_EXACT.match(text)
    if not match:
        return None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


@dataclass(frozen=True)
class Author:
    name: str
    affiliation: str | None = None


@dataclass(frozen=True)
class Version:
    number: int
    created: datetime


@dataclass(frozen=True)
class PaperRecord:
    """One paper as a source describes it. None means "this source does not say"."""

    uid: str  # arXiv id without version, or the source's own id for papers without one
    title: str
    abstract: str = ""
    arxiv_id: str | None = None
    authors: tuple[Author, ...] = ()
    authors_count: int | None = None  # when a source gives only a count
    categories: tuple[str, ...] = ()  # primary first
    version: int | None = None  # latest version this record describes
    versions: tuple[Version, ...] = ()
    published: datetime | None = None  # v1 submitted
    updated: datetime | None = None  # latest version submitted
    announced: date | None = None  # day arXiv announced it
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    withdrawn: bool | None = None
    abs_url: str | None = None
    pdf_url: str | None = None
    code_url: str | None = None
    project_url: str | None = None
    org: str | None = None
    upvotes: int | None = None
    num_comments: int | None = None
    listing_date: date | None = None  # day it appeared in a daily-papers listing
    submitted_by: str | None = None
    source: str = ""  # format it came from

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None


# Fields owned by the paper's bibliographic record: a newer arXiv version wins, an older never.
BIBLIOGRAPHIC = (
    "title", "abstract", "authors", "authors_count", "categories", "published", "updated",
    "comments", "journal_ref", "doi", "license", "withdrawn", "abs_url", "pdf_url",
)
# Fields owned by the hub (listings, votes, links people add): the latest source that says wins.
HUB = ("code_url", "project_url", "org", "upvotes", "num_comments", "listing_date",
       "submitted_by", "arxiv_id")
# Fields the first source that says sets for good. The announcement day decides which day lists
# a paper (and which digest holds it); a later record, such as the harvest's second look at the
# same paper or its v2, must not move it off a day readers have seen.
KEPT = ("announced",)
_EMPTY: tuple[object, ...] = (None, "", ())


def merge(old: PaperRecord, new: PaperRecord) -> PaperRecord:
    """What the store should hold after `new` arrives for a paper it holds as `old`.

    Bibliographic fields come from whichever record has the later version (a record without
    a version only fills gaps); hub fields from `new` whenever it says anything; kept fields
    only while empty; version histories are united. The first source a paper came from stays
    its source.
    """
    new_is_newer = new.version is not None and (old.version is None or new.version >= old.version)
    changes: dict[str, object] = {}
    for name in BIBLIOGRAPHIC:
        old_value, new_value = getattr(old, name), getattr(new, name)
        if new_value in _EMPTY:
            continue
        if new_is_newer or old_value in _EMPTY:
            changes[name] = new_value
    for name in HUB:
        new_value = getattr(new, name)
        if new_value not in _EMPTY:
            changes[name] = new_value
    for name in KEPT:
        if getattr(old, name) in _EMPTY and getattr(new, name) not in _EMPTY:
            changes[name] = getattr(new, name)
    by_number = {v.number: v for v in old.versions} | {v.number: v for v in new.versions}
    changes["versions"] = tuple(by_number[n] for n in sorted(by_number))
    versions = [v for v in (old.version, new.version) if v is not None]
    changes["version"] = max(versions) if versions else None
    return dataclasses.replace(old, **changes)  # type: ignore[arg-type]


def with_defaults(record: PaperRecord) -> PaperRecord:
    """Fill what can be derived: arXiv links, dates and version from the version history."""
    changes: dict[str, object] = {}
    if record.arxiv_id:
        changes["abs_url"] = record.abs_url or f"https://arxiv.org/abs/{record.arxiv_id}"
        changes["pdf_url"] = record.pdf_url or f"https://arxiv.org/pdf/{record.arxiv_id}"
    if record.versions:
        ordered = sorted(record.versions, key=lambda v: v.number)
        changes["versions"] = tuple(ordered)
        changes["published"] = record.published or ordered[0].created
        changes["updated"] = record.updated or ordered[-1].created
        changes["version"] = max(record.version or 0, ordered[-1].number)
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


__all__ = ["ARXIV_ID", "Author", "PaperRecord", "Version", "merge", "split_arxiv_id",
           "with_defaults"]
