from datetime import date
from typing import Any

import pytest

from paperboy.config import Settings
from paperboy.errors import FetchError, InvalidRecord
from paperboy.fetchers.http import HttpClient
from paperboy.fetchers.rss import fetch_rss, valid_categories
from paperboy.store import Database, papers, runs
from tests.fetchers.conftest import last_run, stored
from tests.replay import HOSTILE_BODIES, ManualClock, ReplayServer, Reply

PATH = "/rss/cs.CL+cs.LG"


def settings(server: ReplayServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"arxiv_rss_url": server.url(), "request_interval": 0.0,
                              "max_retries": 2, "http_timeout": 5.0}
    return Settings(**(values | overrides))


def fetch(db: Database, server: ReplayServer, clock: ManualClock, categories=("cs.CL", "cs.LG"),
          progress=None):
    config = settings(server)
    with HttpClient(config, sleep=clock.sleep, clock=clock) as http:
        return fetch_rss(db, config, list(categories), progress, client=http)


def test_fetches_several_categories_in_one_feed_and_logs_the_run(db, server, clock, fixtures):
    server.route(PATH, [Reply(body=(fixtures / "rss" / "cs.CL.rss.xml").read_bytes(),
                              headers={"Content-Type": "application/rss+xml"})])
    messages: list[str] = []
    report = fetch(db, server, clock, progress=messages.append)
    assert report.counts.as_dict() == {"new": 5, "updated": 0, "unchanged": 0, "rejected": 0}
    assert report.format == "rss" and report.source == server.url(PATH)
    assert [hit.path for hit in server.hits] == [PATH]
    assert messages == [f"GET {server.url(PATH)}", "5 announcement(s) in the feed"]
    run = last_run(db)
    assert (run["status"], run["format"], run["source"]) == ("ok", "rss", server.url(PATH))
    assert (run["new"], run["rejected"], run["error"]) == (5, 0, None)
    with db.engine.connect() as conn:
        paper = papers.get(conn, "2401.05952")
    assert paper is not None and paper.categories == ("cs.LG", "cs.CL", "stat.ML")
    assert paper.announced == date(2024, 1, 15) and paper.source == "rss"


def test_a_second_fetch_of_the_same_feed_changes_nothing(db, server, clock, fixtures):
    body = (fixtures / "rss" / "cs.CL.rss.xml").read_bytes()
    server.route(PATH, [Reply(body=body), Reply(body=body)])
    fetch(db, server, clock)
    assert fetch(db, server, clock).counts.unchanged == 5


def test_without_a_client_it_makes_its_own(db, server, fixtures):
    server.route("/rss/cs.CL", [Reply(body=(fixtures / "rss" / "cs.CL.atom.xml").read_bytes())])
    report = fetch_rss(db, settings(server), ["cs.CL"])
    assert report.counts.new == 4


def test_an_empty_weekend_feed_is_a_successful_run(db, server, clock, fixtures):
    server.route("/rss/cs.CL", [Reply(body=(fixtures / "rss" / "weekend.rss.xml").read_bytes())])
    report = fetch(db, server, clock, ["cs.CL"])
    assert report.counts.as_dict() == {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    assert last_run(db)["status"] == "ok"


def test_503_then_success_waits_as_asked(db, server, clock, fixtures):
    server.route(PATH, [Reply(503, b"busy", {"Retry-After": "4"}),
                        Reply(body=(fixtures / "rss" / "cs.CL.rss.xml").read_bytes())])
    assert fetch(db, server, clock).counts.new == 5
    assert len(server.hits) == 2 and clock.sleeps == [4.0]
    assert last_run(db)["status"] == "ok"


def test_404_is_logged_and_raised_as_fetch_error(db, server, clock):
    server.route(PATH, [Reply(404, b"no such feed")])
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(db, server, clock)
    run = last_run(db)
    assert run["status"] == "failed" and "HTTP 404" in run["error"]
    assert stored(db) == 0


def test_503_every_time_gives_up_and_writes_nothing(db, server, clock):
    server.route(PATH, [Reply(503)] * 3)
    with pytest.raises(FetchError, match="gave up after 2 retries"):
        fetch(db, server, clock)
    assert last_run(db)["status"] == "failed" and stored(db) == 0


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_a_hostile_body_is_a_failed_run_not_a_traceback(db, server, clock, name):
    server.route(PATH, [Reply(body=HOSTILE_BODIES[name])])
    with pytest.raises(FetchError) as caught:
        fetch(db, server, clock)
    assert str(caught.value).startswith(server.url(PATH))
    run = last_run(db)
    assert run["status"] == "failed" and run["error"]
    assert stored(db) == 0


def test_invalid_items_are_counted_and_the_rest_written(db, server, clock, fixtures):
    body = (fixtures / "rss" / "cs.CL.rss.xml").read_bytes()
    body = body.replace(b"<title>Graph Priors for Low-Resource Parsing</title>", b"<title/>")
    server.route(PATH, [Reply(body=body)])
    report = fetch(db, server, clock)
    assert (report.counts.new, report.counts.rejected) == (4, 1)
    assert str(report.errors[0]) == f"{server.url(PATH)}, item 3 (id 2401.05952): no title"
    assert (last_run(db)["status"], last_run(db)["rejected"]) == ("ok", 1)


@pytest.mark.parametrize("categories", [[], ["cs.CL", "cs CL"], ["../etc"], ["cs.CL+cs.LG"],
                                        ["cs.CL?x=1"], [""], ["cs.ZZ"]])
def test_bad_categories_are_refused_before_any_request(db, server, clock, categories):
    with pytest.raises(InvalidRecord) as caught:
        fetch(db, server, clock, categories)
    assert caught.value.place == "categories"
    assert server.hits == []
    with db.engine.connect() as conn:
        assert runs.recent_runs(conn) == []


def test_valid_categories_accepts_arxiv_names_and_drops_repeats():
    names = ["cs.CL", "hep-th", "cond-mat.mes-hall", "q-bio.NC", "math", "cs.cl", " stat.ML "]
    assert valid_categories(names) == ["cs.CL", "hep-th", "cond-mat.mes-hall", "q-bio.NC",
                                       "math", "stat.ML"]
