"""Fetch from arXiv: a whole set by OAI-PMH harvest, or given papers through the API.

A harvest commits page by page, each page in one transaction with a checkpoint that holds
the resumption token of the next page. Run again with the same arguments, an interrupted
harvest goes on from the last committed page; a finished one clears its checkpoint. Every
call is logged in ingest_runs, failures included.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from datetime import date

from paperboy.config import Settings
from paperboy.errors import FetchError, InvalidRecord
from paperboy.fetchers.http import HttpClient, Params
from paperboy.fetchers.runs import (
    Progress,
    http_client,
    logged_run,
    quiet,
    write_in_one_transaction,
)
from paperboy.ingest import InputReport, write_items
from paperboy.models import split_arxiv_id
from paperboy.sources import arxiv_atom, oai
from paperboy.store import Database, runs

METADATA_PREFIX = "arXivRaw"
ID_CHUNK = 100  # ids per API request
GROUPS = frozenset({"cs", "econ", "eess", "math", "physics", "q-bio", "q-fin", "stat"})
_SET = re.compile(r"[A-Za-z0-9.:-]*")
_MAX_KEY = 200  # characters in a fetch_checkpoints key


def harvest(db: Database, settings: Settings, set_spec: str, from_date: date,
            until: date | None = None, progress: Progress | None = None, *,
            client: HttpClient | None = None) -> InputReport:
    """Harvest arXivRaw records changed from `from_date` (to `until`) in a set; resumable.

    A resumption token the repository refuses (badResumptionToken, e.g. expired while the
    harvest was interrupted) restarts the harvest from its first page, once: upserts are
    idempotent, so that costs requests but never duplicates.
    """
    say = progress or quiet
    spec = oai_set(set_spec)
    first: dict[str, str | int] = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX,
                                   "from": from_date.isoformat()}
    if until:
        first["until"] = until.isoformat()
    if spec:
        first["set"] = spec
    base = settings.arxiv_oai_url
    key = checkpoint_key(base, spec, from_date, until)
    report = InputReport(f"{base} set={spec or '(all)'} from={from_date} until={until or '-'}",
                         oai.FORMAT.name)
    with (http_client(settings, client) as http,
          logged_run(db, report, commits_as_it_goes=True)):
        _harvest_pages(db, http, base, first, key, report, say)
    return report


def _harvest_pages(db: Database, http: HttpClient, base: str, first: Params, key: str,
                   report: InputReport, say: Progress) -> None:
    """Fetch and commit pages from the checkpoint (or the first page) to the last page."""
    with db.engine.begin() as conn:
        state = runs.load_checkpoint(conn, key) or {}
    token: str | None = state.get("token")
    if token:
        say(f"resuming from the checkpoint after {state.get('records_done', '?')} of "
            f"{state.get('complete_list_size') or '?'} records")
    restarted = False
    for number in itertools.count(1):  # pages fetched by this call
        params: Params = {"verb": "ListRecords", "resumptionToken": token} if token else first
        try:
            page = oai.parse_page(http.get(base, params))
        except oai.OaiError as error:
            if error.code != "badResumptionToken" or token is None or restarted:
                raise
            say(f"the repository refused the resumption token ({error.message or 'expired'}); "
                "restarting the harvest from the beginning")
            token, restarted = None, True
            continue
        if token is not None and page.resumption_token == token:
            raise FetchError(f"{base}: the repository answered resumption token {token!r} "
                             "with the same token; stopping rather than looping")
        _commit_page(db, key, page, f"page {number}", report)
        say(_page_summary(page, report))
        token = page.resumption_token
        if token is None:
            return


def fetch_ids(db: Database, settings: Settings, ids: Sequence[str],
              progress: Progress | None = None, *,
              client: HttpClient | None = None) -> InputReport:
    """Fetch papers by arXiv id through the API; ids arXiv does not know are reported rejected.

    Ids may carry a version, an 'arXiv:' prefix or be abs/pdf URLs. A malformed id raises
    InvalidRecord before any request is made.
    """
    say = progress or quiet
    wanted = requested_ids(ids)
    report = InputReport(settings.arxiv_api_url, arxiv_atom.FORMAT.name)
    answered: set[str] = set()
    with (http_client(settings, client) as http,
          logged_run(db, report, commits_as_it_goes=True)):
        for start in range(0, len(wanted), ID_CHUNK):
            chunk = wanted[start:start + ID_CHUNK]
            answered |= _fetch_chunk(db, http, settings.arxiv_api_url, chunk, report)
            say(f"{min(start + ID_CHUNK, len(wanted))} of {len(wanted)} ids fetched")
        for arxiv_id in wanted:
            if _without_version(arxiv_id) not in answered:
                report.reject(InvalidRecord(f"id {arxiv_id}", "arXiv has no paper with this id"))
    return report


def oai_set(spec: str) -> str:
    """arXiv's OAI set for what a user typed: 'cs.CL' -> 'cs:cs:CL', 'hep-th' -> 'physics:hep-th'.

    arXiv's sets are group ('cs', 'physics'), group:archive ('physics:hep-th') and
    group:archive:CATEGORY ('cs:cs:CL'); a spec with a colon is passed on as it is.
    """
    spec = spec.strip()
    if not _SET.fullmatch(spec):
        raise InvalidRecord("set", f"{spec[:60]!r} is not an arXiv set (like cs, cs:cs:CL, cs.CL)")
    if not spec or ":" in spec or spec in GROUPS:
        return spec
    archive, _, category = spec.partition(".")
    group = archive if archive in GROUPS else "physics"  # every other archive is in physics
    return f"{group}:{archive}:{category}" if category else f"{group}:{archive}"


def checkpoint_key(base_url: str, spec: str, from_date: date, until: date | None) -> str:
    key = f"oai:{base_url}:{spec}:{from_date}:{until or ''}"
    return key if len(key) <= _MAX_KEY else "oai:" + hashlib.sha256(key.encode()).hexdigest()


def requested_ids(ids: Sequence[str]) -> list[str]:
    """Ids as the API takes them ('2401.00001', 'hep-th/9901001v2'); of several forms of one
    paper's id, the first given is kept."""
    wanted: dict[str, str] = {}  # id without version -> id as requested
    for text in ids:
        parts = split_arxiv_id(text)
        if parts is None:
            raise InvalidRecord(f"id {text.strip()[:60]!r}", "not an arXiv id "
                                "(like 2401.00001, 2401.00001v2, hep-th/9901001)")
        arxiv_id = re.sub(r"^([a-z-]+)\.[A-Z]{2}/", r"\1/", parts[0])  # the API drops 'math.GT/'
        wanted.setdefault(arxiv_id, f"{arxiv_id}v{parts[1]}" if parts[1] else arxiv_id)
    if not wanted:
        raise InvalidRecord("ids", "no arXiv ids given")
    return list(wanted.values())


def _fetch_chunk(db: Database, http: HttpClient, url: str, chunk: list[str],
                 report: InputReport) -> set[str]:
    """Fetch and write one id_list query, page by page; the ids the API answered for."""
    answered: set[str] = set()
    start = 0
    while True:
        params: Params = {"id_list": ",".join(chunk), "start": start, "max_results": len(chunk)}
        page = arxiv_atom.parse_page(http.get(url, params))
        write_in_one_transaction(db, page.items, report)
        answered |= page.entry_ids
        start += len(page.items)
        total = min(page.total_results or 0, len(chunk))
        if not page.items or start >= total:
            return answered


def _commit_page(db: Database, key: str, page: oai.OaiPage, place: str,
                 report: InputReport) -> None:
    """Write a page and move the checkpoint past it, in one transaction."""
    items = [i.at(place) if isinstance(i, InvalidRecord) else i for i in page.items]
    with db.engine.begin() as conn:
        write_items(conn, items, report, skip_invalid=True)
        if page.resumption_token is None:
            runs.clear_checkpoint(conn, key)
            return
        done = None if page.cursor is None else page.cursor + len(page.items) + len(page.deleted)
        runs.save_checkpoint(conn, key, {
            "token": page.resumption_token, "cursor": page.cursor, "records_done": done,
            "complete_list_size": page.complete_list_size,
        })


def _page_summary(page: oai.OaiPage, report: InputReport) -> str:
    counts = report.counts
    where = f" (cursor {page.cursor} of {page.complete_list_size})" if page.cursor is not None \
        else ""
    deleted = f", {len(page.deleted)} deleted skipped" if page.deleted else ""
    return (f"{len(page.items)} records{where}{deleted}; so far {counts.new} new, "
            f"{counts.updated} updated, {counts.unchanged} unchanged, {counts.rejected} rejected")


def _without_version(arxiv_id: str) -> str:
    return re.sub(r"v\d+$", "", arxiv_id)
