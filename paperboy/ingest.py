"""Validate and write papers: one transaction for a whole import, counted and logged.

A file import either commits every record (or, with `skip_invalid`, every good one) or
leaves the database exactly as it was.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection

from paperboy.errors import InvalidRecord, PaperboyError
from paperboy.models import PaperRecord
from paperboy.sources import FORMATS, Format, Item, sniff_format
from paperboy.store import Database, papers, runs, statistics
from paperboy.store.papers import Counts

BATCH = 1000
MAX_LISTED_ERRORS = 100
SNIFF_BYTES = 64 * 1024

Progress = Callable[[int], None]  # called with the number of input bytes read since last call


@dataclass
class InputReport:
    source: str
    format: str
    counts: Counts = field(default_factory=Counts)
    errors: list[InvalidRecord] = field(default_factory=list)

    def reject(self, error: InvalidRecord) -> None:
        self.counts.rejected += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(error.at(self.source))

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "format": self.format, **self.counts.as_dict(),
                "errors": [str(e) for e in self.errors]}


@dataclass
class ImportReport:
    inputs: list[InputReport]
    committed: bool

    @property
    def totals(self) -> Counts:
        totals = Counts()
        for report in self.inputs:
            totals.add(report.counts)
        return totals

    def as_dict(self) -> dict[str, Any]:
        formats = sorted({r.format for r in self.inputs})
        return {**self.totals.as_dict(), "committed": self.committed,
                "format": formats[0] if len(formats) == 1 else formats,
                "inputs": [r.as_dict() for r in self.inputs]}


class ImportRejected(PaperboyError):
    """Invalid records were found and nothing was written."""

    exit_code = 2

    def __init__(self, report: ImportReport) -> None:
        errors = [e for r in report.inputs for e in r.errors]
        rejected = report.totals.rejected
        super().__init__(f"{rejected} invalid record(s); nothing was imported (first: {errors[0]})")
        self.report = report


def import_files(db: Database, paths: Sequence[str], fmt: str = "auto",
                 skip_invalid: bool = False, progress: Progress | None = None,
                 on_format: Callable[[str, str], None] | None = None) -> ImportReport:
    """Import files (plain or gzipped) in one transaction.

    Raises ImportRejected (invalid records, nothing written) or InvalidRecord (unreadable input).
    """
    if fmt != "auto" and fmt not in FORMATS:
        known = ", ".join(FORMATS)
        raise InvalidRecord("--format", f"unknown format {fmt!r} (one of auto, {known})")
    for path in paths:
        if not Path(path).is_file():
            raise InvalidRecord(path, "no such file")
    reports: list[InputReport] = []
    with db.engine.begin() as conn:
        for path in paths:
            with open_input(path) as stream:
                chosen = choose_format(stream, path, fmt)
                if on_format:
                    on_format(path, chosen.name)
                report = InputReport(path, chosen.name)
                reports.append(report)
                items = _with_progress(chosen.parse(stream), stream, progress)
                write_items(conn, items, report, skip_invalid)
        report_all = ImportReport(reports, committed=True)
        if any(r.counts.rejected for r in reports) and not skip_invalid:
            conn.rollback()
            report_all.committed = False
            raise ImportRejected(report_all)
        for report in reports:
            run_id = runs.start_run(conn, report.source, report.format)
            runs.finish_run(conn, run_id, report.counts)
        statistics.refresh_if_grown(conn, report_all.totals.new)
    return report_all


def write_items(conn: Connection, items: Iterable[Item], report: InputReport,
                skip_invalid: bool) -> None:
    """Upsert records in batches; after the first invalid one without `skip_invalid`, only count."""
    batch: dict[str, PaperRecord] = {}
    writing = True
    try:
        for item in items:
            if isinstance(item, InvalidRecord):
                report.reject(item)
                writing = writing and skip_invalid
                continue
            if not writing:
                continue
            if item.uid in batch or len(batch) >= BATCH:
                report.counts.add(papers.upsert(conn, list(batch.values())))
                batch.clear()
            batch[item.uid] = item
    except InvalidRecord as error:  # the whole input could not be read on
        report.reject(error)
        if not skip_invalid:
            return
        raise error.at(report.source) from error
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InvalidRecord(report.source, f"corrupt or truncated gzip data: {exc}") from exc
    if writing and batch:
        report.counts.add(papers.upsert(conn, list(batch.values())))


@contextmanager
def open_input(path: str) -> Iterator[io.BufferedReader]:
    """A file, decompressed if it is gzip, ready to peek at."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise InvalidRecord(path, f"cannot read: {exc.strerror}") from exc
    try:
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            yield io.BufferedReader(gzip.GzipFile(fileobj=raw), buffer_size=SNIFF_BYTES)
        else:
            raw.seek(0)
            yield io.BufferedReader(raw, buffer_size=SNIFF_BYTES)
    finally:
        raw.close()


def choose_format(stream: io.BufferedReader, place: str, fmt: str) -> Format:
    if fmt != "auto":
        return FORMATS[fmt]
    try:
        head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InvalidRecord(place, f"corrupt or truncated gzip data: {exc}") from exc
    return sniff_format(head, place)


def _with_progress(items: Iterator[Item], stream: BinaryIO, progress: Progress | None
                   ) -> Iterator[Item]:
    if progress is None:
        yield from items
        return
    raw = stream.raw if isinstance(stream, io.BufferedReader) else stream
    fileobj = getattr(raw, "fileobj", raw)  # the compressed file under a GzipFile
    last = 0
    for number, item in enumerate(items):
        if number % 500 == 0:
            position = fileobj.tell()
            progress(position - last)
            last = position
        yield item
    progress(fileobj.tell() - last)
