"""Read a retrieval set in BEIR layout: corpus.jsonl, queries.jsonl, qrels/test.tsv."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from paperboy.errors import InvalidRecord
from paperboy.sources.json_input import Fields, json_lines


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Dataset:
    name: str
    documents: list[Document]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]  # query id -> document id -> grade


def load_dataset(folder: Path) -> Dataset:
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        if not (folder / name).is_file():
            raise InvalidRecord(str(folder), f"not a BEIR folder: {name} is missing")
    documents = [Document(f.ident("_id") or "", f.text("title") or "", f.text("text") or "")
                 for f in _objects(folder / "corpus.jsonl")]
    queries = {f.ident("_id") or "": f.text("text") or ""
               for f in _objects(folder / "queries.jsonl")}
    qrels = _qrels(folder / "qrels" / "test.tsv")
    qrels = {q: rel for q, rel in qrels.items() if q in queries}
    return Dataset(folder.name, documents, queries, qrels)


def _objects(path: Path) -> list[Fields]:
    objects = []
    with open(path, "rb") as lines:
        for item in json_lines(lines):
            if isinstance(item, InvalidRecord):
                raise item.at(str(path))
            place, value = item
            fields = Fields(value, f"{path}, {place}")
            if not fields.ident("_id"):
                raise InvalidRecord(fields.place, "no _id")
            objects.append(fields)
    return objects


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with open(path, newline="", encoding="utf-8") as stream:
        for number, row in enumerate(csv.reader(stream, delimiter="\t"), start=1):
            if not row or (number == 1 and row[0] == "query-id"):
                continue
            if len(row) != 3:
                raise InvalidRecord(f"{path}, line {number}",
                                    "expected query-id, corpus-id and score")
            try:
                qrels[row[0]][row[1]] = int(float(row[2]))
            except ValueError:
                raise InvalidRecord(f"{path}, line {number}", f"score {row[2]!r} is not a number") \
                    from None
    return dict(qrels)
