import json
from datetime import date

import pytest

from paperboy.config import Settings
from paperboy.errors import FetchError
from paperboy.fetchers.daily import PAGE_SIZE, fetch_daily
from paperboy.fetchers.http import HttpClient
from paperboy.store import Database, papers
from tests.fetchers.conftest import last_run, stored
from tests.replay import HOSTILE_BODIES, ManualClock, ReplayServer, Reply

PATH = "/api/daily_papers"
DAY = date(2024, 11, 18)


def page(start: int, count: int) -> bytes:
    """A listing page of `count` made-up papers, 2411.00000 + start onwards."""
    return json.dumps([
        {"paper": {"id": f"2411.{start + n:05d}", "title": f"Paper {start + n}",
                   "summary": "Text.", "authors": [{"_id": "a", "name": "A. Author"}],
                   "publishedAt": "2024-11-15T18:58:19.000Z",
                   "submittedOnDailyAt": "2024-11-18T00:00:00.000Z", "upvotes": n},
         "numComments": 0, "submittedBy": {"name": "someone", "fullname": "Some One"}}
        for n in range(count)
    ]).encode()


def fetch(db: Database, server: ReplayServer, clock: ManualClock, progress=None):
    config = Settings(daily_papers_url=server.url(PATH), request_interval=0.0, max_retries=2,
                      http_timeout=5.0)
    with HttpClient(config, sleep=clock.sleep, clock=clock) as http:
        return fetch_daily(db, config, DAY, progress, client=http)


def first_page(query: dict[str, str]) -> bool:
    return "p" not in query


def page_number(number: int):
    return lambda query: query.get("p") == str(number)


def test_fetches_a_day_and_logs_the_run(db, server, clock, fixtures):
    server.route(PATH, [Reply(body=(fixtures / "daily_papers" / "2024-11-18.json").read_bytes(),
                              headers={"Content-Type": "application/json"})])
    messages: list[str] = []
    report = fetch(db, server, clock, messages.append)
    assert report.counts.as_dict() == {"new": 5, "updated": 0, "unchanged": 0, "rejected": 0}
    assert report.source == f"{server.url(PATH)}?date=2024-11-18"
    assert [hit.query for hit in server.hits] == [{"date": "2024-11-18", "limit": "100"}]
    assert messages[-1] == "5 paper(s) listed on 2024-11-18"
    run = last_run(db)
    assert (run["status"], run["format"], run["new"]) == ("ok", "daily-papers", 5)
    with db.engine.connect() as conn:
        paper = papers.get(conn, "2411.10958")
    assert paper is not None
    assert paper.listing_date == DAY  # no submittedOnDailyAt: the day asked for
    assert (paper.upvotes, paper.num_comments, paper.source) == (15, 2, "daily-papers")


def test_a_full_page_is_followed_by_the_next(db, server, clock):
    server.route(PATH, [Reply(body=page(0, PAGE_SIZE))], when=first_page)
    server.route(PATH, [Reply(body=page(100, PAGE_SIZE))], when=page_number(1))
    server.route(PATH, [Reply(body=page(200, 30))], when=page_number(2))
    report = fetch(db, server, clock)
    assert report.counts.new == 230 and stored(db) == 230
    assert [hit.query.get("p") for hit in server.hits] == [None, "1", "2"]
    assert all(hit.query["limit"] == "100" for hit in server.hits)


def test_exactly_one_full_page_then_an_empty_one(db, server, clock):
    server.route(PATH, [Reply(body=page(0, PAGE_SIZE))], when=first_page)
    server.route(PATH, [Reply(body=b"[]")], when=page_number(1))
    assert fetch(db, server, clock).counts.new == 100
    assert len(server.hits) == 2


def test_a_server_that_ignores_paging_does_not_loop(db, server, clock):
    server.route(PATH, [Reply(body=page(0, PAGE_SIZE))] * 5)
    assert fetch(db, server, clock).counts.new == 100
    assert len(server.hits) == 2  # the repeat brought nothing new


def test_pages_that_overlap_write_each_paper_once(db, server, clock):
    server.route(PATH, [Reply(body=page(0, PAGE_SIZE))], when=first_page)
    server.route(PATH, [Reply(body=page(90, 20))], when=page_number(1))
    assert fetch(db, server, clock).counts.new == 110


def test_503_then_success(db, server, clock, fixtures):
    server.route(PATH, [Reply(503, headers={"Retry-After": "2"}),
                        Reply(body=(fixtures / "daily_papers" / "2024-11-18.json").read_bytes())])
    assert fetch(db, server, clock).counts.new == 5
    assert clock.sleeps == [2.0] and last_run(db)["status"] == "ok"


def test_404_is_logged_and_raised(db, server, clock):
    server.route(PATH, [Reply(404, b'{"error": "Not Found"}')])
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(db, server, clock)
    run = last_run(db)
    assert run["status"] == "failed" and "HTTP 404" in run["error"] and stored(db) == 0


def test_a_failure_on_a_later_page_writes_nothing(db, server, clock):
    server.route(PATH, [Reply(body=page(0, PAGE_SIZE))], when=first_page)
    server.route(PATH, [Reply(500)] * 3, when=page_number(1))
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch(db, server, clock)
    assert stored(db) == 0 and last_run(db)["status"] == "failed"


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_a_hostile_body_is_a_failed_run(db, server, clock, name):
    server.route(PATH, [Reply(body=HOSTILE_BODIES[name])])
    with pytest.raises(FetchError) as caught:
        fetch(db, server, clock)
    assert str(caught.value).startswith(server.url(PATH))
    assert last_run(db)["status"] == "failed" and stored(db) == 0


def test_an_error_object_instead_of_a_list_is_reported(db, server, clock):
    server.route(PATH, [Reply(body=b'{"error": "Invalid date format"}')])
    with pytest.raises(FetchError, match="got an object: Invalid date format"):
        fetch(db, server, clock)


def test_bad_items_are_rejected_and_named_the_rest_written(db, server, clock):
    items = json.loads(page(0, 3))
    items[1]["paper"]["upvotes"] = "many"
    server.route(PATH, [Reply(body=json.dumps(items).encode())])
    report = fetch(db, server, clock)
    assert (report.counts.new, report.counts.rejected) == (2, 1)
    assert "item 2" in str(report.errors[0]) and "'upvotes' must be an integer" in \
        str(report.errors[0])
    assert last_run(db)["rejected"] == 1
