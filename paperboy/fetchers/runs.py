"""What every fetcher shares: the logged ingest run, the HTTP client, one-transaction writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from paperboy.config import Settings
from paperboy.errors import FetchError, PaperboyError
from paperboy.fetchers.http import HttpClient
from paperboy.ingest import InputReport, write_items
from paperboy.sources.base import Item
from paperboy.store import Database, runs
from paperboy.store.papers import Counts

Progress = Callable[[str], None]


def quiet(message: str) -> None:
    """A Progress that says nothing."""


@contextmanager
def http_client(settings: Settings, client: HttpClient | None) -> Iterator[HttpClient]:
    """The caller's client (left open), or a new one closed afterwards."""
    if client is not None:
        yield client
        return
    with HttpClient(settings) as own:
        yield own


@contextmanager
def logged_run(db: Database, report: InputReport, *,
               commits_as_it_goes: bool = False) -> Iterator[None]:
    """Log the block as an ingest run; on failure log the error and raise it as FetchError.

    The run is committed as running first, so that a slow fetch shows. A failed run counts
    only the rejected records, since the block's one transaction was rolled back; unless
    `commits_as_it_goes` (page by page), when what it committed before failing counts too.
    """
    with db.engine.begin() as conn:
        run_id = runs.start_run(conn, report.source, report.format)
    try:
        yield
    except BaseException as error:  # an interrupted fetch must not stay "running"
        kept = report.counts if commits_as_it_goes else Counts(rejected=report.counts.rejected)
        with db.engine.begin() as conn:
            runs.finish_run(conn, run_id, kept, error=str(error) or type(error).__name__)
        if isinstance(error, PaperboyError) and not isinstance(error, FetchError):
            raise FetchError(f"{report.source}: {error}") from error
        raise
    with db.engine.begin() as conn:
        runs.finish_run(conn, run_id, report.counts)


def write_in_one_transaction(db: Database, items: Iterable[Item], report: InputReport) -> None:
    """Write the items, skipping invalid ones, all or none; counting into `report`."""
    with db.engine.begin() as conn:
        write_items(conn, items, report, skip_invalid=True)
