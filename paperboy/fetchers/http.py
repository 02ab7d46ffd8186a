"""A polite HTTP client: one request at a time per host, and retries that respect the server.

arXiv asks for no more than one request every three seconds and answers overload with 503
and a Retry-After header. Every fetcher goes through `HttpClient.get`, which waits its turn
(the interval counts from the end of the previous request to the same host), retries what
retrying can fix, and turns everything else into a `FetchError` that names the URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType

import httpx

from paperboy.config import Settings
from paperboy.errors import FetchError

MAX_RESPONSE = 256 * 1024 * 1024  # bytes, after decompression
MAX_RETRY_AFTER = 300.0  # seconds; a longer Retry-After is shortened to this
BACKOFF_FIRST = 2.0  # seconds before retrying a network failure; doubles with each retry
BACKOFF_MAX = 120.0

Params = Mapping[str, str | int]

# Failures of the connection rather than of the request: worth another try.
_TRANSIENT: tuple[type[Exception], ...] = (
    httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, httpx.DecodingError,
)


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class HttpClient:
    """GET with politeness and retries. `sleep` and `clock` are injectable for tests."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, max_bytes: int = MAX_RESPONSE,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent}, timeout=settings.http_timeout,
            follow_redirects=True, transport=transport,
        )
        self._interval = settings.request_interval
        self._max_retries = settings.max_retries
        self._sleep = sleep
        self._clock = clock
        self._max_bytes = max_bytes
        self._not_before: dict[str, float] = {}  # host -> earliest clock time of its next request

    def get(self, url: str, params: Params | None = None) -> bytes:
        """The body of a 2xx answer to GET url?params; FetchError once retrying has not helped."""
        try:
            request = self._client.build_request("GET", url, params=params)
        except httpx.InvalidURL as exc:
            raise FetchError(f"GET {url}: invalid URL ({exc})") from exc
        host = request.url.host
        retries = 0
        while True:
            self._wait_turn(host)
            try:
                return self._send(request)
            except _Transient as problem:
                if retries >= self._max_retries:
                    raise FetchError(f"GET {request.url}: {problem.reason} "
                                     f"(gave up after {retries} retries)") from problem
                delay = problem.retry_after
                self._hold(host, backoff(retries) if delay is None else delay)
                retries += 1
            finally:
                self._hold(host, self._interval)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _wait_turn(self, host: str) -> None:
        wait = self._not_before.get(host, float("-inf")) - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _hold(self, host: str, seconds: float) -> None:
        """No request to `host` until `seconds` from now (an earlier hold still applies)."""
        until = self._clock() + seconds
        self._not_before[host] = max(self._not_before.get(host, until), until)

    def _send(self, request: httpx.Request) -> bytes:
        try:
            response = self._client.send(request, stream=True)
            try:
                _check_status(response)
                return self._body(response)
            finally:
                response.close()
        except _TRANSIENT as exc:
            raise _Transient(describe(exc)) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"GET {request.url}: {describe(exc)}") from exc

    def _body(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise _too_large(response, self._max_bytes)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise _too_large(response, self._max_bytes)
            chunks.append(chunk)
        return b"".join(chunks)


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    reason = f"HTTP {status} {response.reason_phrase}".rstrip()
    if status == 429 or (status >= 500 and status not in (501, 505)):
        raise _Transient(reason, retry_after(response.headers.get("Retry-After")))
    raise FetchError(f"GET {response.request.url}: {reason}")


def _too_large(response: httpx.Response, limit: int) -> FetchError:
    return FetchError(f"GET {response.request.url}: response is over the {limit:,}-byte limit")


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (seconds or HTTP date), capped at MAX_RETRY_AFTER."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def backoff(retries: int) -> float:
    """Seconds before retry number `retries + 1` after a failure that said nothing about waiting."""
    return float(min(BACKOFF_FIRST * 2**retries, BACKOFF_MAX))


def describe(exc: Exception) -> str:
    """A failure in words, e.g. 'connection dropped (peer closed connection ...)'."""
    kinds: list[tuple[type[Exception], str]] = [
        (httpx.ConnectError, "cannot connect"), (httpx.TimeoutException, "timed out"),
        (httpx.RemoteProtocolError, "connection dropped"), (httpx.NetworkError, "network error"),
        (httpx.DecodingError, "cannot decode the response"),
        (httpx.TooManyRedirects, "too many redirects"),
    ]
    label = next((text for kind, text in kinds if isinstance(exc, kind)), type(exc).__name__)
    detail = str(exc).strip()
    return f"{label} ({detail})" if detail else label
