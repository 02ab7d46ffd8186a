"""The part of an abstract that shows why a paper matched: the run of whole sentences (at most
about `LIMIT` characters) holding the most distinct query terms, its query words marked.

Words match as the lexical index matches them (folded, stemmed, stop words aside), so
"caching" marks "cache" and "Ré" marks "re". The result is plain text in pieces; the
template escapes each piece, so an abstract's `<` or `&` is never markup.
"""

from __future__ import annotations

import re
from functools import lru_cache

from paperboy.search import text

LIMIT = 320
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\\$])")

Piece = tuple[str, bool]  # text, whether it is a query word


def passage(abstract: str, query_text: str, limit: int = LIMIT) -> list[Piece]:
    """The pieces of the best passage, in order, with "…" where it cuts the abstract; the
    opening of the abstract when no query word is in it; [] for an empty abstract."""
    abstract = " ".join(abstract.split())
    if not abstract:
        return []
    wanted = set(text.terms(query_text))
    hits = [(m.start(), m.end(), term) for m in text.WORD.finditer(abstract)
            if (term := _term(m.group())) is not None and term in wanted]
    start, end = _best_window(_sentences(abstract), hits, limit)
    if end - start > limit:  # one long sentence: around its first query word
        first = next((s for s, _, _ in hits if start <= s < end), start)
        start = max(start, _word_start(abstract, first - limit // 3))
        end = min(end, _word_end(abstract, start + limit))
    pieces: list[Piece] = [("… ", False)] if start > 0 else []
    position = start
    for hit_start, hit_end, _ in hits:
        if start <= hit_start and hit_end <= end:
            pieces += [(abstract[position:hit_start], False), (abstract[hit_start:hit_end], True)]
            position = hit_end
    pieces.append((abstract[position:end], False))
    if end < len(abstract):
        pieces.append((" …", False))
    return [piece for piece in pieces if piece[0]]


@lru_cache(maxsize=100_000)
def _term(word: str) -> int | None:
    """The index term of one word of the text, None for a stop word."""
    found = text.terms(word)
    return found[0] if len(found) == 1 else None


def _sentences(abstract: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for boundary in SENTENCE_END.finditer(abstract):
        bounds.append((start, boundary.start()))
        start = boundary.end()
    return [*bounds, (start, len(abstract))]


def _best_window(sentences: list[tuple[int, int]], hits: list[tuple[int, int, int]],
                 limit: int) -> tuple[int, int]:
    """(start, end) of the consecutive sentences within `limit` with the most distinct query
    terms (the earliest of equals); a single sentence may be longer."""
    best, best_terms = sentences[0], -1
    for i, (start, end) in enumerate(sentences):
        for _, next_end in sentences[i + 1:]:
            if next_end - start > limit:
                break
            end = next_end
        terms = len({term for s, _, term in hits if start <= s < end})
        if terms > best_terms:
            best, best_terms = (start, end), terms
    return best


def _word_start(abstract: str, position: int) -> int:
    """The start of the first whole word at or after `position`."""
    if position <= 0 or abstract[position - 1] == " ":
        return max(position, 0)
    space = abstract.find(" ", position)
    return space + 1 if space >= 0 else position


def _word_end(abstract: str, position: int) -> int:
    """The end of the last whole word before `position`."""
    if position >= len(abstract):
        return len(abstract)
    cut = abstract.rfind(" ", 0, position)
    return cut if cut > 0 else position
