from datetime import date
from pathlib import Path
from typing import Any

import pytest

from paperboy.config import Settings
from paperboy.errors import FetchError, InvalidRecord
from paperboy.fetchers import arxiv
from paperboy.fetchers.http import HttpClient
from paperboy.store import Database, papers, runs
from tests.replay import HOSTILE_BODIES, ManualClock, Query, ReplayServer, Reply
from tests.sources.oai_pages import PAPER, raw_page

FIXTURES = Path(__file__).parents[1] / "fixtures"
PAGE_1, PAGE_2, PAGE_3 = ((FIXTURES / "oai" / f"list_records_{n}.xml").read_bytes()
                          for n in (1, 2, 3))
TOKEN_2, TOKEN_3 = "6960524|1001", "6960524|2001"
ALL_PAPERS = ["1706.03762", "2401.00001", "hep-th/9711200", "2402.01234", "2401.00002",
              "2401.00003", "2401.00004"]
FROM = date(2024, 1, 1)


def first_request(query: Query) -> bool:
    return "resumptionToken" not in query


def token(value: str):
    return lambda query: query.get("resumptionToken") == value


def settings_for(server: ReplayServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"arxiv_oai_url": server.url("/oai"),
                              "arxiv_api_url": server.url("/api/query"),
                              "request_interval": 3.0, "max_retries": 2}
    return Settings(**(values | overrides))


def client(settings: Settings, clock: ManualClock) -> HttpClient:
    return HttpClient(settings, sleep=clock.sleep, clock=clock)


def harvest(db: Database, server: ReplayServer, clock: ManualClock,
            messages: list[str] | None = None, **overrides: Any):
    settings = settings_for(server, **overrides)
    said = messages if messages is not None else []
    with client(settings, clock) as http:
        return arxiv.harvest(db, settings, "cs", FROM, progress=said.append, client=http)


def route_three_pages(server: ReplayServer, second: list[Reply] | None = None) -> None:
    server.route("/oai", [Reply(body=PAGE_1)], when=first_request)
    server.route("/oai", second or [Reply(body=PAGE_2)], when=token(TOKEN_2))
    server.route("/oai", [Reply(body=PAGE_3)], when=token(TOKEN_3))


def stored_uids(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return sorted(uid for uid in ALL_PAPERS if papers.get(conn, uid) is not None)


def logged_runs(db: Database) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        return list(reversed(runs.recent_runs(conn)))


def test_harvest_pages_through_resumption_tokens(db, server, clock):
    route_three_pages(server)
    messages: list[str] = []
    report = harvest(db, server, clock, messages)
    queries = [hit.query for hit in server.hits]
    assert queries == [
        {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2024-01-01", "set": "cs"},
        {"verb": "ListRecords", "resumptionToken": TOKEN_2},
        {"verb": "ListRecords", "resumptionToken": TOKEN_3},
    ]
    assert report.counts.as_dict() == {"new": 7, "updated": 0, "unchanged": 0, "rejected": 0}
    assert report.format == "oai"
    assert stored_uids(db) == sorted(ALL_PAPERS)
    with db.engine.connect() as conn:
        withdrawn = papers.get(conn, "2402.01234")
        assert withdrawn is not None and withdrawn.withdrawn is True
        assert runs.load_checkpoint(conn, arxiv.checkpoint_key(server.url("/oai"), "cs", FROM,
                                                               None)) is None
    [run] = logged_runs(db)
    assert run["status"] == "ok" and run["new"] == 7 and run["format"] == "oai"
    assert len(messages) == 3 and "1 deleted skipped" in messages[1]
    assert clock.sleeps == [3.0, 3.0]  # the request interval, between pages


def test_harvesting_again_updates_nothing(db, server, clock):
    route_three_pages(server)
    route_three_pages(server)
    harvest(db, server, clock)
    again = harvest(db, server, clock)
    assert again.counts.as_dict() == {"new": 0, "updated": 0, "unchanged": 7, "rejected": 0}


def test_the_announcement_day_is_the_first_harvests_and_never_moves(db, server, clock):
    """The harvest looks two days back, so a new paper comes twice; a metadata fix restamps its
    v1 two days later, and its v2 comes weeks later. None of them moves its day."""
    v1 = "Mon, 23 Nov 2026 20:10:00 GMT"
    looks = [raw_page("2026-11-25", v1),  # announced on Tuesday evening, Wednesday in UTC
             raw_page("2026-11-25", v1),  # Wednesday evening's look back
             raw_page("2026-11-27", v1, title="Dialect Identification, Corrected"),
             raw_page("2026-12-09", v1, "Tue, 8 Dec 2026 10:00:00 GMT")]
    seen = []
    for page in looks:
        server.route("/oai", [Reply(body=page)])
        counts = harvest(db, server, clock).counts
        with db.engine.connect() as conn:
            paper = papers.get(conn, PAPER)
        assert paper is not None
        seen.append((counts.new, counts.updated, paper.version, paper.announced))
    day = date(2026, 11, 25)
    assert seen == [(1, 0, 1, day), (0, 0, 1, day), (0, 1, 1, day), (0, 1, 2, day)]


def test_503_with_retry_after_mid_harvest_is_waited_out(db, server, clock):
    route_three_pages(server, second=[Reply(503, b"busy", {"Retry-After": "42"}),
                                      Reply(body=PAGE_2)])
    report = harvest(db, server, clock)
    assert report.counts.new == 7
    assert clock.sleeps == [3.0, 42.0, 3.0]
    assert len(server.hits) == 4


def test_a_dropped_connection_stops_the_harvest_and_a_rerun_resumes_from_the_checkpoint(
        db, server, clock):
    route_three_pages(server, second=[Reply(body=PAGE_2, drop_after=300)])
    with pytest.raises(FetchError, match="connection dropped") as raised:
        harvest(db, server, clock, max_retries=0)
    assert TOKEN_2.replace("|", "%7C") in str(raised.value)
    assert stored_uids(db) == sorted(["1706.03762", "2401.00001", "hep-th/9711200"])
    key = arxiv.checkpoint_key(server.url("/oai"), "cs", FROM, None)
    with db.engine.connect() as conn:
        assert runs.load_checkpoint(conn, key) == {"token": TOKEN_2, "cursor": 0,
                                                    "records_done": 3, "complete_list_size": 8}
    failed = logged_runs(db)[0]
    assert failed["status"] == "failed" and failed["new"] == 3
    assert "connection dropped" in failed["error"]

    server.route("/oai", [Reply(body=PAGE_2)], when=token(TOKEN_2))
    hits_before = len(server.hits)
    messages: list[str] = []
    report = harvest(db, server, clock, messages, max_retries=0)
    resumed = [hit.query.get("resumptionToken") for hit in server.hits[hits_before:]]
    assert resumed == [TOKEN_2, TOKEN_3]  # the committed first page is not fetched again
    assert messages[0] == "resuming from the checkpoint after 3 of 8 records"
    assert report.counts.as_dict() == {"new": 4, "updated": 0, "unchanged": 0, "rejected": 0}
    assert stored_uids(db) == sorted(ALL_PAPERS)
    with db.engine.connect() as conn:
        assert papers.count(conn) == 7
        assert runs.load_checkpoint(conn, key) is None
    assert [(r["status"], r["new"]) for r in logged_runs(db)] == [("failed", 3), ("ok", 4)]


def test_an_expired_token_on_resume_restarts_from_the_beginning(db, server, clock):
    key = arxiv.checkpoint_key(server.url("/oai"), "cs", FROM, None)
    with db.engine.begin() as conn:
        runs.save_checkpoint(conn, key, {"token": "stale|1", "cursor": 3,
                                         "complete_list_size": 8})
    expired = (FIXTURES / "oai" / "error_badResumptionToken.xml").read_bytes()
    server.route("/oai", [Reply(body=expired)], when=token("stale|1"))
    route_three_pages(server)
    messages: list[str] = []
    report = harvest(db, server, clock, messages)
    assert [hit.query.get("resumptionToken") for hit in server.hits] == \
        ["stale|1", None, TOKEN_2, TOKEN_3]
    assert any("restarting the harvest from the beginning" in m for m in messages)
    assert report.counts.new == 7
    with db.engine.connect() as conn:
        assert runs.load_checkpoint(conn, key) is None


def test_a_token_refused_twice_is_an_error_not_a_loop(db, server, clock):
    expired = (FIXTURES / "oai" / "error_badResumptionToken.xml").read_bytes()
    server.route("/oai", [Reply(body=PAGE_1)] * 2, when=first_request)
    server.route("/oai", [Reply(body=expired)] * 2, when=token(TOKEN_2))
    with pytest.raises(FetchError, match="badResumptionToken"):
        harvest(db, server, clock)
    assert len(server.hits) == 4
    assert logged_runs(db)[0]["status"] == "failed"


def test_a_token_answered_with_itself_stops_the_harvest(db, server, clock):
    server.route("/oai", [Reply(body=PAGE_1)], when=first_request)
    server.route("/oai", [Reply(body=PAGE_1)], when=token(TOKEN_2))
    with pytest.raises(FetchError, match="same token"):
        harvest(db, server, clock)
    assert len(server.hits) == 2


def test_requests_are_spaced_by_the_interval(db, server):
    route_three_pages(server)
    settings = settings_for(server, request_interval=0.2)
    arxiv.harvest(db, settings, "cs", FROM)
    gaps = server.arrival_gaps()
    assert len(gaps) == 2 and min(gaps) >= 0.2


def test_an_oai_error_fails_the_harvest_and_is_logged(db, server, clock):
    error = (FIXTURES / "oai" / "error_badArgument.xml").read_bytes()
    server.route("/oai", [Reply(body=error)])
    with pytest.raises(FetchError, match="badArgument: The value of the from argument"):
        harvest(db, server, clock)
    [run] = logged_runs(db)
    assert run["status"] == "failed" and "badArgument" in run["error"]


def test_bad_records_are_counted_and_named_with_their_page(db, server, clock):
    server.route("/oai", [Reply(body=(FIXTURES / "oai" / "list_records_mixed.xml").read_bytes())])
    report = harvest(db, server, clock)
    assert report.counts.new == 1 and report.counts.rejected == 6
    assert str(report.errors[0]).endswith(
        "page 1, record 1 (id 2403.00001): version 'first' is not like 'v2'")
    assert logged_runs(db)[0]["rejected"] == 6


def test_no_records_match_is_an_empty_successful_harvest(db, server, clock):
    server.route("/oai", [Reply(body=(FIXTURES / "oai" / "error_noRecordsMatch.xml")
                                .read_bytes())])
    report = harvest(db, server, clock)
    assert report.counts.as_dict() == {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    assert logged_runs(db)[0]["status"] == "ok"


@pytest.mark.parametrize("name", ["html error page", "truncated", "empty", "binary"])
def test_a_page_that_is_not_oai_fails_with_a_clear_error(db, server, clock, name):
    server.route("/oai", [Reply(body=HOSTILE_BODIES[name])])
    with pytest.raises(FetchError) as raised:
        harvest(db, server, clock)
    assert str(raised.value).startswith(server.url("/oai"))
    assert logged_runs(db)[0]["status"] == "failed"


def test_until_and_a_category_set(db, server, clock):
    server.route("/oai", [Reply(body=PAGE_3)])
    settings = settings_for(server)
    with client(settings, clock) as http:
        arxiv.harvest(db, settings, "cs.CL", FROM, date(2024, 1, 31), client=http)
    assert server.hits[0].query == {"verb": "ListRecords", "metadataPrefix": "arXivRaw",
                                    "from": "2024-01-01", "until": "2024-01-31",
                                    "set": "cs:cs:CL"}


@pytest.mark.parametrize(("typed", "oai_set"), [
    ("cs", "cs"), ("cs.CL", "cs:cs:CL"), ("cs:cs:CL", "cs:cs:CL"), ("math.AG", "math:math:AG"),
    ("hep-th", "physics:hep-th"), ("astro-ph.CO", "physics:astro-ph:CO"),
    ("cond-mat.mes-hall", "physics:cond-mat:mes-hall"), ("physics:quant-ph", "physics:quant-ph"),
    ("q-bio.NC", "q-bio:q-bio:NC"), ("", ""),
])
def test_oai_set_names(typed, oai_set):
    assert arxiv.oai_set(typed) == oai_set


def test_a_malformed_set_is_refused():
    with pytest.raises(InvalidRecord, match="not an arXiv set"):
        arxiv.oai_set("cs CL; DROP")


def test_long_checkpoint_keys_are_hashed_to_fit():
    key = arxiv.checkpoint_key("https://example.org/" + "x" * 300, "cs", FROM, None)
    assert len(key) <= 200 and key.startswith("oai:")


IDS_PAGE = (FIXTURES / "arxiv_atom" / "ids.xml").read_bytes()
EMPTY_PAGE = (FIXTURES / "arxiv_atom" / "empty.xml").read_bytes()


def fetch_ids(db: Database, server: ReplayServer, clock: ManualClock, ids: list[str]):
    settings = settings_for(server)
    with client(settings, clock) as http:
        return arxiv.fetch_ids(db, settings, ids, client=http)


def test_fetch_ids_happy_path(db, server, clock):
    server.route("/api/query", [Reply(body=IDS_PAGE)])
    report = fetch_ids(db, server, clock,
                       ["https://arxiv.org/abs/1706.03762v7", "arXiv:hep-th/9711200v2",
                        "1706.03762"])
    [hit] = server.hits
    assert hit.query == {"id_list": "1706.03762v7,hep-th/9711200v2",  # one form of each id
                         "start": "0", "max_results": "2"}
    assert report.counts.as_dict() == {"new": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert report.format == "arxiv-atom"
    with db.engine.connect() as conn:
        attention = papers.get(conn, "1706.03762")
        assert attention is not None and attention.version == 7
    assert logged_runs(db)[0]["status"] == "ok"


def test_fetch_ids_reports_an_id_arxiv_does_not_know(db, server, clock, monkeypatch):
    monkeypatch.setattr(arxiv, "ID_CHUNK", 2)
    server.route("/api/query", [Reply(body=IDS_PAGE)],
                 when=lambda q: q["id_list"] == "1706.03762,hep-th/9711200")
    server.route("/api/query", [Reply(body=EMPTY_PAGE)],
                 when=lambda q: q["id_list"] == "2401.99999")
    report = fetch_ids(db, server, clock, ["1706.03762", "hep-th/9711200", "2401.99999"])
    assert len(server.hits) == 2
    assert report.counts.new == 2 and report.counts.rejected == 1
    [error] = report.errors
    assert "2401.99999" in str(error) and "no paper with this id" in str(error)
    assert stored_uids(db) == ["1706.03762", "hep-th/9711200"]


def test_fetch_ids_pages_within_a_chunk(db, server, clock):
    first = IDS_PAGE.replace(b"<opensearch:itemsPerPage>3", b"<opensearch:itemsPerPage>1")
    first = first[:first.index(b"<entry>", first.index(b"</entry>"))] + b"</feed>"
    second = first.replace(b"<opensearch:startIndex>0", b"<opensearch:startIndex>1")
    second = second.replace(b"1706.03762v7", b"hep-th/9711200v2")
    server.route("/api/query", [Reply(body=first)], when=lambda q: q["start"] == "0")
    server.route("/api/query", [Reply(body=second)], when=lambda q: q["start"] == "1")
    report = fetch_ids(db, server, clock, ["1706.03762", "hep-th/9711200"])
    assert [hit.query["start"] for hit in server.hits] == ["0", "1"]
    assert report.counts.new == 2 and report.counts.rejected == 0


def test_fetch_ids_refuses_a_malformed_id_before_any_request(db, server, clock):
    with pytest.raises(InvalidRecord, match=r"'2401\.1'.*not an arXiv id"):
        fetch_ids(db, server, clock, ["2401.00001", "2401.1"])
    assert server.hits == [] and logged_runs(db) == []


def test_fetch_ids_drops_the_subject_class_of_old_ids(db, server, clock):
    server.route("/api/query", [Reply(body=EMPTY_PAGE)])
    fetch_ids(db, server, clock, ["math.GT/0309136v1"])
    assert server.hits[0].query["id_list"] == "math/0309136v1"


def test_fetch_ids_api_error_is_a_fetch_error(db, server, clock):
    server.route("/api/query", [Reply(body=(FIXTURES / "arxiv_atom" / "error.xml").read_bytes())])
    with pytest.raises(FetchError, match="incorrect id format"):
        fetch_ids(db, server, clock, ["2401.00001"])
    assert logged_runs(db)[0]["status"] == "failed"
