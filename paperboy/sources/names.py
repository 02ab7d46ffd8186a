"""Author names as arXiv writes them: one string of names ("A. One, B. Two (MIT), and C. Three")
with TeX accents (M\\"uller, {\\L}ukasz, \\v{S}imon)."""

from __future__ import annotations

import re
import unicodedata

from paperboy.models import Author
from paperboy.sources.base import clean

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


def split_authors(text: str) -> tuple[Author, ...]:
    """A string of names as authors; a trailing '(Affiliation)' becomes the affiliation.

    Names are separated by commas, 'and' or ', and'; those inside parentheses separate
    nothing. Numbered footnote affiliations ('A (1), B (2) ((1) MIT, (2) CMU)') are dropped
    rather than guessed at.
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
