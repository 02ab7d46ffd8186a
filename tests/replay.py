"""A local HTTP server that replays canned responses, for tests that must not touch the internet.

    with ReplayServer() as server:
        server.route("/oai", [Reply(body=page1)], when=lambda q: "resumptionToken" not in q)
        server.route("/oai", [Reply(503, headers={"Retry-After": "5"}), Reply(body=page2)])
        ... fetch from server.url("/oai") ...
        assert [hit.query for hit in server.hits] == [...]

A route answers requests to its path whose query satisfies `when`, with its replies in turn;
the first route that matches and still has replies answers. A request nothing answers gets
418 (a 4xx, so clients fail at once instead of retrying). Every request is recorded with the
monotonic time it arrived. `ManualClock` lets a client wait without real time passing.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

Query = dict[str, str]

# Bodies a broken or hostile server might send instead of a feed; parsers must refuse each
# with a clear InvalidRecord.
HOSTILE_BODIES: dict[str, bytes] = {
    "billion laughs": b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol3;</title></feed>""",
    "external entity": b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><OAI-PMH>&x;</OAI-PMH>""",
    "empty": b"",
    "blank": b"  \n\t ",
    "html error page": b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title>"
                       b"</head><body><h1>Service Unavailable</h1><p>Try later<br></body></html>",
    "xhtml page": b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Oops</p></body></html>',
    "plain text": b"Rate exceeded.",
    "binary": bytes(range(256)) * 4,
    "gzip bytes": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00",
    "truncated": b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
                 b"<ListRecords><record><header><identifier>oai:arXiv.org:2401.0",
}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop_after: int | None = None  # send this many body bytes, then close the connection
    delay: float = 0.0  # seconds to wait before answering


@dataclass(frozen=True)
class Hit:
    path: str
    query: Query
    headers: dict[str, str]
    arrived: float  # time.monotonic() when the request line was read


@dataclass
class _Route:
    path: str
    when: Callable[[Query], bool]
    replies: list[Reply]


class ReplayServer:
    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    def route(self, path: str, replies: Sequence[Reply],
              when: Callable[[Query], bool] = lambda query: True) -> None:
        with self._lock:
            self._routes.append(_Route(path, when, list(replies)))

    def url(self, path: str = "") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def hits_to(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    def arrival_gaps(self) -> list[float]:
        """Seconds between the arrivals of successive requests."""
        arrivals = [hit.arrived for hit in self.hits]
        return [later - earlier for earlier, later in itertools.pairwise(arrivals)]

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _answer(self, path: str, query: Query, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.hits.append(Hit(path, query, headers, time.monotonic()))
            for route in self._routes:
                if route.path == path and route.replies and route.when(query):
                    return route.replies.pop(0)
        return Reply(418, f"replay: nothing left to answer {path} {query}".encode())


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up early
            super().handle_error(request, client_address)


class ManualClock:
    """A monotonic clock that only moves when slept on: pass `clock` and `clock.sleep` to
    HttpClient to run retries and intervals instantly and still see every wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            reply = server._answer(parts.path, query, dict(self.headers.items()))
            time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            if reply.drop_after is not None:
                self.send_header("Connection", "close")
            self.end_headers()
            if reply.drop_after is None:
                self.wfile.write(reply.body)
                return
            self.wfile.write(reply.body[:reply.drop_after])
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler
