"""Text to terms: unicode folding, lower case, stop words, Snowball stemming, hashed terms.

A paper's terms are stored packed (`pack_terms`) so that no process has to tokenize the
whole corpus again: per distinct term a 32-bit hash and its count in title, abstract and
authors (capped at 255).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import Stemmer

FIELDS = ("title", "abstract", "authors")
WORD = re.compile(r"[^\W_]+")  # a word: letters and digits
_stemmer = Stemmer.Stemmer("english")

_STOP_WORDS_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves via use using used show shows shown
propose proposed paper approach method methods based results new s t don
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def fold(text: str) -> str:
    """Lower case without accents: 'Ré' -> 're', 'Łukasz' -> 'lukasz'."""
    text = unicodedata.normalize("NFKD", text.lower()).replace("ł", "l").replace("ø", "o")
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=1_000_000)
def term_hash(word: str) -> int:
    """The stored id of a (folded) word: the CRC-32 of its stem."""
    return stem_hash(_stemmer.stemWord(word))


def stem_hash(stem: str) -> int:
    return zlib.crc32(stem.encode())


def terms(text: str) -> list[int]:
    """Hashed terms of a text, in order, stop words dropped."""
    return [term_hash(w) for w in WORD.findall(fold(text)) if w not in STOP_WORDS]


def stems(text: str) -> list[str]:
    """The stems behind `terms` (PostgreSQL's English stemmer makes the same ones)."""
    found: list[str] = _stemmer.stemWords([w for w in WORD.findall(fold(text))
                                           if w not in STOP_WORDS])
    return found


def pack_terms(title: str, abstract: str, authors: str) -> bytes:
    counts = [Counter(terms(text)) for text in (title, abstract, authors)]
    keys = sorted(set().union(*counts))
    hashes = np.array(keys, dtype=np.uint32)
    table = np.array([[min(c[k], 255) for c in counts] for k in keys], dtype=np.uint8)
    return hashes.tobytes() + table.reshape(-1, 3).tobytes()


def unpack_terms(blob: bytes) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint8]]:
    """(hashes, counts with one column per field) of a packed blob."""
    n = len(blob) // 7
    hashes = np.frombuffer(blob, dtype=np.uint32, count=n)
    counts = np.frombuffer(blob, dtype=np.uint8, offset=4 * n).reshape(n, 3)
    return hashes, counts


def contains_word(folded_text: str, folded_word: str) -> bool:
    """Whether a folded text has the word (or phrase) with word boundaries on both sides."""
    return re.search(rf"(?<!\w){re.escape(folded_word)}(?!\w)", folded_text) is not None
