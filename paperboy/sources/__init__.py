"""One parser per format: pure functions from recorded bytes to `PaperRecord`s.

`FORMATS` lists them in the order `sniff_format` tries them.
"""

from __future__ import annotations

from paperboy.errors import InvalidRecord
from paperboy.sources import arxiv_atom, daily_papers, jsonl, oai, rss, snapshot
from paperboy.sources.base import Format, Item

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        oai.FORMAT,
        arxiv_atom.FORMAT,
        rss.FORMAT,
        daily_papers.FORMAT,
        snapshot.FORMAT,
        jsonl.FORMAT,
    )
}


def sniff_format(head: bytes, place: str) -> Format:
    """The format whose signature the first bytes of an input carry."""
    if not head.strip():
        raise InvalidRecord(place, "empty input")
    if b"\x00" in head[:4096]:
        raise InvalidRecord(place, "binary data, not a paper feed (is it compressed?)")
    for fmt in FORMATS.values():
        if fmt.sniff(head):
            return fmt
    raise InvalidRecord(place, "cannot tell the format; name it with --format "
                        f"({', '.join(FORMATS)})")


__all__ = ["FORMATS", "Format", "Item", "sniff_format"]
