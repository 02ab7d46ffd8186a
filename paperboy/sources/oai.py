"""arXiv's OAI-PMH responses (ListRecords, GetRecord) in the arXivRaw or arXiv metadata format.

arXivRaw lists every version with its date, so its records carry the full history; its
authors are one string ("A. One, B. Two (MIT) and C. Three") with TeX accents. The arXiv
format has structured names and affiliations but only the dates of v1 and of the latest
version, not its number, so its records have no version and only fill gaps when merged.

A record whose header has status="deleted" carries no metadata: it is skipped and its
identifier listed in `OaiPage.deleted`. (arXiv does not delete papers; a withdrawal is a new
version with a comment saying so, which arrives as an ordinary record and sets `withdrawn`.)
The OAI error noRecordsMatch is an empty page; every other OAI error raises `OaiError`.

A header's datestamp is the day (UTC) the record last changed. For a new paper that is the day
arXiv announced it (20:00 Eastern is the next day in UTC, the day arXiv's listings and feeds
name), so an arXivRaw record whose only version is v1, stamped within `NEW_PAPER_DAYS` of that
version, has it as `announced`; a replacement's or a later metadata change's datestamp says
nothing about the announcement, long past, and leaves it empty.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import BinaryIO

from lxml import etree

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, Version, split_arxiv_id
from paperboy.sources.base import (
    Format,
    Item,
    arxiv_id_and_version,
    checked,
    clean,
    first_doi,
    is_withdrawn,
    parse_datetime,
    read_limited,
    read_version,
)
from paperboy.sources.names import split_authors, tex_to_unicode
from paperboy.sources.xml_input import parse_xml, require_root, text_of

OAI = "http://www.openarchives.org/OAI/2.0/"
RAW = "http://arxiv.org/OAI/arXivRaw/"
ARXIV = "http://arxiv.org/OAI/arXiv/"
NS = {"oai": OAI, "raw": RAW, "arxiv": ARXIV}
PLACE = "OAI-PMH response"
# Days from a v1's submission to its datestamp: at most 4 on arXiv's schedule (Friday after the
# 14:00 Eastern cutoff to Monday's 20:00 announcement, Tuesday in UTC), more over a deferred
# mailing or a moderation hold; a v1 stamped later than this was changed after it was announced.
NEW_PAPER_DAYS = 7


class OaiError(InvalidRecord):
    """An OAI-PMH <error>: `code` is the protocol's (badResumptionToken, badArgument, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__("OAI-PMH", f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OaiPage:
    items: list[Item]
    resumption_token: str | None = None  # None on the last (or only) page
    complete_list_size: int | None = None
    cursor: int | None = None
    deleted: tuple[str, ...] = ()  # identifiers of records marked deleted


def sniff(head: bytes) -> bool:
    first = head[:4096]
    return b"<OAI-PMH" in first or b"http://www.openarchives.org/OAI/2.0/" in first


def parse(stream: BinaryIO) -> Iterator[Item]:
    yield from parse_page(read_limited(stream)).items


def parse_page(data: bytes) -> OaiPage:
    """The records and resumption token of one response; OaiError for an OAI error."""
    root = parse_xml(data, PLACE)
    require_root(root, f"{{{OAI}}}OAI-PMH", "<OAI-PMH>", PLACE)
    if _only_no_records_match(root):
        return OaiPage(items=[])
    container = root.find("oai:ListRecords", NS)
    if container is None:
        container = root.find("oai:GetRecord", NS)
    if container is None:
        raise InvalidRecord(PLACE, "neither a ListRecords nor a GetRecord response")
    items: list[Item] = []
    deleted: list[str] = []
    for number, record in enumerate(container.iterfind("oai:record", NS), start=1):
        header = record.find("oai:header", NS)
        identifier = text_of(header.find("oai:identifier", NS)) if header is not None else None
        if header is not None and header.get("status") == "deleted":
            deleted.append(identifier or f"record {number}")
        else:
            items.append(_item(record, identifier, number))
    token = container.find("oai:resumptionToken", NS)
    return OaiPage(
        items=items,
        resumption_token=clean(token.text) if token is not None else None,
        complete_list_size=_integer(token, "completeListSize"),
        cursor=_integer(token, "cursor"),
        deleted=tuple(deleted),
    )


def _only_no_records_match(root: etree._Element) -> bool:
    """Whether the response is the error noRecordsMatch; raises OaiError for any other error."""
    errors = root.findall("oai:error", NS)
    for error in errors:
        code = clean(error.get("code")) or "unknown"
        if code != "noRecordsMatch":
            raise OaiError(code, text_of(error) or "")
    return bool(errors)


def _integer(element: etree._Element | None, attribute: str) -> int | None:
    value = clean(element.get(attribute)) if element is not None else None
    return int(value) if value and value.isdigit() else None


def _item(record: etree._Element, identifier: str | None, number: int) -> Item:
    parts = split_arxiv_id(identifier) if identifier else None
    place = f"record {number}" + (f" (id {parts[0]})" if parts else "")
    body = _metadata_body(record)
    try:
        if body is None:
            raise InvalidRecord(place, "no metadata")
        if body.tag == f"{{{RAW}}}arXivRaw":
            result = _raw_record(body, place, _datestamp(record))
        elif body.tag == f"{{{ARXIV}}}arXiv":
            result = _arxiv_record(body, place)
        else:
            raise InvalidRecord(place, f"metadata format <{etree.QName(body).localname}> is not "
                                "supported (harvest arXivRaw or arXiv)")
    except InvalidRecord as error:
        return error
    return checked(result, place)


def _metadata_body(record: etree._Element) -> etree._Element | None:
    metadata = record.find("oai:metadata", NS)
    if metadata is None:
        return None
    return next((child for child in metadata if isinstance(child.tag, str)), None)


def _common(body: etree._Element, ns: str, place: str) -> PaperRecord:
    """The fields both formats share, under their namespace `ns`."""
    def field(name: str) -> str | None:
        return text_of(body.find(f"{{{ns}}}{name}"))

    arxiv_id, _ = arxiv_id_and_version(field("id") or "", place)
    comments = field("comments")
    return PaperRecord(
        uid=arxiv_id,
        arxiv_id=arxiv_id,
        title=field("title") or "",
        abstract=field("abstract") or "",
        categories=tuple((field("categories") or "").split()),
        comments=comments,
        journal_ref=field("journal-ref"),
        doi=first_doi(field("doi")),
        license=field("license"),
        withdrawn=is_withdrawn(comments),
        source="oai",
    )


def _datestamp(record: etree._Element) -> date | None:
    """The header's datestamp as a UTC day (arXiv gives days); None if missing or unreadable."""
    text = text_of(record.find("oai:header/oai:datestamp", NS))
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text)  # a day, or a moment ending in Z
    except ValueError:
        return None
    return stamp.astimezone(UTC).date() if stamp.tzinfo else stamp.date()


def _announced(versions: tuple[Version, ...], datestamp: date | None) -> date | None:
    """The datestamp, if this record is a new paper's announcement (see the module's doc)."""
    if datestamp is None or [v.number for v in versions] != [1]:
        return None
    waited = (datestamp - versions[0].created.astimezone(UTC).date()).days
    return datestamp if 0 <= waited <= NEW_PAPER_DAYS else None


def _raw_record(body: etree._Element, place: str, datestamp: date | None) -> PaperRecord:
    record = _common(body, RAW, place)
    versions = tuple(read_version(element.get("version") or "",
                                  text_of(element.find("raw:date", NS)), place)
                     for element in body.iterfind("raw:version", NS))
    authors = split_authors(text_of(body.find("raw:authors", NS)) or "")
    return dataclasses.replace(record, authors=authors, versions=versions,
                               announced=_announced(versions, datestamp))


def _arxiv_record(body: etree._Element, place: str) -> PaperRecord:
    record = _common(body, ARXIV, place)
    created = parse_datetime(text_of(body.find("arxiv:created", NS)), place)
    updated = parse_datetime(text_of(body.find("arxiv:updated", NS)), place)
    authors = []
    for author in body.iterfind("arxiv:authors/arxiv:author", NS):
        parts = [text_of(author.find(f"arxiv:{p}", NS)) for p in ("forenames", "keyname", "suffix")]
        name = clean(tex_to_unicode(" ".join(p for p in parts if p)))
        affiliations = [text_of(a) for a in author.iterfind("arxiv:affiliation", NS)]
        if name:
            authors.append(Author(name, "; ".join(a for a in affiliations if a) or None))
    return dataclasses.replace(record, authors=tuple(authors), published=created,
                               updated=updated or created)


FORMAT = Format(
    name="oai",
    description="arXiv OAI-PMH ListRecords or GetRecord response (arXivRaw or arXiv format)",
    sniff=sniff,
    parse=parse,
)
