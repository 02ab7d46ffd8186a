from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from paperboy.config import Settings
from paperboy.errors import FetchError
from paperboy.fetchers.http import MAX_RETRY_AFTER, HttpClient, backoff, retry_after
from tests.replay import ManualClock, ReplayServer, Reply


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"request_interval": 0.0, "max_retries": 3, "http_timeout": 5.0,
                              "user_agent": "paperboy-tests/1"}
    return Settings(**(values | overrides))


def client(clock: ManualClock, **overrides: Any) -> HttpClient:
    return HttpClient(settings(**overrides), sleep=clock.sleep, clock=clock)


def test_returns_the_body_and_sends_our_user_agent_and_the_params(server, clock):
    server.route("/a", [Reply(body=b"hello")])
    with client(clock) as http:
        assert http.get(server.url("/a"), {"verb": "ListRecords", "n": 2}) == b"hello"
    [hit] = server.hits
    assert hit.query == {"verb": "ListRecords", "n": "2"}
    assert hit.headers["User-Agent"] == "paperboy-tests/1"


def test_requests_to_one_host_are_spaced_by_the_interval_in_real_time(server):
    server.route("/a", [Reply(body=b"x")] * 4)
    with HttpClient(settings(request_interval=0.2)) as http:
        for _ in range(4):
            http.get(server.url("/a"))
    gaps = server.arrival_gaps()
    assert len(gaps) == 3 and min(gaps) >= 0.2


def test_the_interval_counts_from_the_end_of_the_previous_request(clock):
    def slow(request: httpx.Request) -> httpx.Response:
        clock.now += 5  # the request takes five seconds
        return httpx.Response(200, content=b"x")

    http = HttpClient(settings(request_interval=3.0), sleep=clock.sleep, clock=clock,
                      transport=httpx.MockTransport(slow))
    with http:
        http.get("https://example.org/a")
        http.get("https://example.org/b")
        http.get("https://other.example.org/c")  # another host does not wait
    assert clock.sleeps == [3.0]


def test_503_with_retry_after_is_retried_after_the_wait_it_asks_for(server, clock):
    server.route("/a", [Reply(503, b"busy", {"Retry-After": "7"}), Reply(body=b"ok")])
    with client(clock, request_interval=1.0) as http:
        assert http.get(server.url("/a")) == b"ok"
    assert clock.sleeps == [7.0]
    assert len(server.hits) == 2


def test_retry_after_as_an_http_date_and_too_long_a_wait_is_capped(server, clock):
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.route("/a", [Reply(429, headers={"Retry-After": later}),
                        Reply(503, headers={"Retry-After": "86400"}), Reply(body=b"ok")])
    with client(clock) as http:
        assert http.get(server.url("/a")) == b"ok"
    first, second = clock.sleeps
    assert 27 <= first <= 30
    assert second == MAX_RETRY_AFTER


def test_server_errors_without_retry_after_back_off_exponentially(server, clock):
    server.route("/a", [Reply(500), Reply(502), Reply(504), Reply(body=b"ok")])
    with client(clock) as http:
        assert http.get(server.url("/a")) == b"ok"
    assert clock.sleeps == [backoff(0), backoff(1), backoff(2)] == [2.0, 4.0, 8.0]


def test_gives_up_after_max_retries_naming_the_url(server, clock):
    server.route("/a", [Reply(503)] * 5)
    with client(clock, max_retries=2) as http, pytest.raises(FetchError) as raised:
        http.get(server.url("/a"), {"q": "x"})
    assert len(server.hits) == 3
    message = str(raised.value)
    assert server.url("/a?q=x") in message
    assert "HTTP 503" in message and "gave up after 2 retries" in message


@pytest.mark.parametrize("status", [400, 403, 404, 501])
def test_client_errors_fail_at_once(server, clock, status):
    server.route("/a", [Reply(status, b"no")])
    with client(clock) as http, pytest.raises(FetchError, match=f"HTTP {status}"):
        http.get(server.url("/a"))
    assert len(server.hits) == 1 and clock.sleeps == []


def test_a_connection_dropped_mid_body_is_retried(server, clock):
    body = b"<OAI-PMH>" + b"x" * 5000 + b"</OAI-PMH>"
    server.route("/a", [Reply(body=body, drop_after=100), Reply(body=body)])
    with client(clock) as http:
        assert http.get(server.url("/a")) == body
    assert len(server.hits) == 2 and clock.sleeps == [backoff(0)]


def test_a_dropped_connection_that_persists_is_a_fetch_error(server, clock):
    server.route("/a", [Reply(body=b"y" * 1000, drop_after=10)] * 2)
    with client(clock, max_retries=1) as http, pytest.raises(FetchError) as raised:
        http.get(server.url("/a"))
    assert "connection dropped" in str(raised.value) and server.url("/a") in str(raised.value)


def test_a_read_timeout_is_retried(server, clock):
    server.route("/a", [Reply(body=b"late", delay=0.5), Reply(body=b"ok")])
    with client(clock, http_timeout=0.1) as http:
        assert http.get(server.url("/a")) == b"ok"
    assert len(clock.sleeps) == 1


def test_nothing_listening_is_a_fetch_error(clock):
    with ReplayServer() as closed:
        url = closed.url("/a")
    with client(clock, max_retries=1) as http, pytest.raises(FetchError, match="cannot connect"):
        http.get(url)


def test_responses_over_the_size_limit_are_refused(server, clock):
    server.route("/a", [Reply(body=b"z" * 1000)])
    http = HttpClient(settings(), sleep=clock.sleep, clock=clock, max_bytes=100)
    with http, pytest.raises(FetchError, match="over the 100-byte limit"):
        http.get(server.url("/a"))


def test_streamed_responses_without_a_length_are_cut_at_the_limit(clock):
    def endless(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"z" * 64] * 1000))

    http = HttpClient(settings(), sleep=clock.sleep, clock=clock, max_bytes=1000,
                      transport=httpx.MockTransport(endless))
    with http, pytest.raises(FetchError, match="over the 1,000-byte limit"):
        http.get("https://example.org/a")


def test_an_invalid_url_is_a_fetch_error(clock):
    with client(clock) as http, pytest.raises(FetchError, match="GET"):
        http.get("ftp://example.org/a")


def test_retry_after_values():
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert retry_after("120", now) == 120.0
    assert retry_after("Mon, 01 Jan 2024 00:01:00 GMT", now) == 60.0
    assert retry_after("Sun, 31 Dec 2023 00:00:00 GMT", now) == 0.0  # in the past
    assert retry_after("soon", now) is None
    assert retry_after("", now) is None and retry_after(None, now) is None
