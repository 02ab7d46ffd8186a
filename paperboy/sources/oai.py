"""arXiv's OAI-PMH responses (ListRecords, GetRecord) in the arXivRaw or arXiv metadata format.

arXivRaw lists every version with its date, so its records carry the full history; its
authors are one string ("A. One, B. Two (MIT) and C. Three") with TeX accents. The arXiv
format has structured names and affiliations but only the dates of v1 and of the latest
version, not its number, so its records have no version and only fill gaps when merged.

A record whose header has status="deleted" carries no metadata: it is skipped and its
identifier listed in `OaiPage.deleted`. (arXiv does not delete papers; a withdrawal is a new
version with a comment saying so, which arrives as an ordinary record and sets `withdrawn`.)
The OAI error noRecordsMatch is an empty page; every other OAI error raises `OaiError`.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from paperboy.errors import InvalidRecord
from paperboy.models import Author, PaperRecord, Version, split_arxiv_id
from paperboy.sources.base import (
    Format,
    Item,
    checked,
    clean,
    parse_datetime,
    parse_xml,
    read_limited,
    text_of,
)
from paperboy.sources.snapshot import WITHDRAWN

OAI = "http://www.openarchives.org/OAI/2.0/"
RAW = "http://arxiv.org/OAI/arXivRaw/"
ARXIV = "http://arxiv.org/OAI/arXiv/"
NS = {"oai": OAI, "raw": RAW, "arxiv": ARXIV}
PLACE = "OAI-PMH response"

_NAME_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_AFFILIATION = re.compile(r"(?P<name>[^()]+?)\s*\((?P<affiliation>[^()]*)\)")
_TEX_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
                "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
                "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_TEX_LETTERS = {"L": "Ł", "l": "ł", "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ",
                "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "i": "ı"}
_TEX_ACCENT = re.compile(r"""\\(["'`^~=.]|[uvHckr](?![A-Za-z]))\s*"""  # an accent, then its letter
                         r"(?:\{\s*(\\i|[A-Za-z])\s*\}|(\\i|[A-Za-z]))")
_TEX_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[LloOi])(?![A-Za-z])(?:\{\}|\s)?")
_TEX_BRACED_CHARACTER = re.compile(r"\{([^{}\\])\}")


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
    if root.tag != f"{{{OAI}}}OAI-PMH":
        raise InvalidRecord(PLACE, f"expected <OAI-PMH>, found <{etree.QName(root).localname}>")
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
            result = _raw_record(body, place)
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

    raw_id = field("id") or ""
    parts = split_arxiv_id(raw_id)
    if parts is None:
        raise InvalidRecord(place, f"{raw_id[:40]!r} is not an arXiv id")
    comments = field("comments")
    doi = field("doi")
    return PaperRecord(
        uid=parts[0],
        arxiv_id=parts[0],
        title=field("title") or "",
        abstract=field("abstract") or "",
        categories=tuple((field("categories") or "").split()),
        comments=comments,
        journal_ref=field("journal-ref"),
        doi=doi.split()[0] if doi else None,  # a few papers list several DOIs; keep the first
        license=field("license"),
        withdrawn=bool(comments and WITHDRAWN.search(comments)),
        source="oai",
    )


def _raw_record(body: etree._Element, place: str) -> PaperRecord:
    record = _common(body, RAW, place)
    versions = []
    for element in body.iterfind("raw:version", NS):
        label = element.get("version") or ""
        if not re.fullmatch(r"v\d+", label):
            raise InvalidRecord(place, f"version {label[:20]!r} is not like 'v2'")
        created = parse_datetime(text_of(element.find("raw:date", NS)), place)
        if created is None:
            raise InvalidRecord(place, f"version {label} has no date")
        versions.append(Version(int(label[1:]), created))
    authors = split_authors(text_of(body.find("raw:authors", NS)) or "")
    return dataclasses.replace(record, authors=authors, versions=tuple(versions))


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


def split_authors(text: str) -> tuple[Author, ...]:
    """arXivRaw's author string as authors; a trailing '(Affiliation)' becomes the affiliation.

    Commas and 'and' inside parentheses do not separate names. Numbered footnote affiliations
    ('A (1), B (2) ((1) MIT, (2) CMU)') are dropped rather than guessed at.
    """
    depth, depths = 0, []
    for char in text:
        depths.append(depth)
        depth += (char == "(") - (char == ")")
    pieces, start = [], 0
    for match in _NAME_SEPARATOR.finditer(text):
        if depths[match.start()] == 0:
            pieces.append(text[start:match.start()])
            start = match.end()
    pieces.append(text[start:])
    return tuple(author for piece in pieces if (author := _author(piece)) is not None)


def _author(piece: str) -> Author | None:
    match = _AFFILIATION.fullmatch(piece.strip())
    affiliation = clean(match.group("affiliation")) if match else None
    if affiliation and re.fullmatch(r"[\d,\s]+", affiliation):
        affiliation = None  # a footnote number, not an affiliation
    name = clean(tex_to_unicode(_remove_parentheses(match.group("name") if match else piece)))
    return Author(name, tex_to_unicode(affiliation) if affiliation else None) if name else None


def _remove_parentheses(text: str) -> str:
    while (shorter := _PARENTHESES.sub("", text)) != text:
        text = shorter
    return text


def tex_to_unicode(text: str) -> str:
    """A name as arXiv stores it (M\\"uller, {\\L}ukasz, \\v{S}imon) in Unicode."""
    if "\\" not in text:
        return text
    text = _TEX_ACCENT.sub(_accented, text)
    text = _TEX_LETTER.sub(lambda m: _TEX_LETTERS[m[1]], text)
    return _TEX_BRACED_CHARACTER.sub(r"\1", unicodedata.normalize("NFC", text))


def _accented(match: re.Match[str]) -> str:
    letter = match[2] or match[3]
    return ("i" if letter == "\\i" else letter) + _TEX_ACCENTS[match[1]]


FORMAT = Format(
    name="oai",
    description="arXiv OAI-PMH ListRecords or GetRecord response (arXivRaw or arXiv format)",
    sniff=sniff,
    parse=parse,
)
