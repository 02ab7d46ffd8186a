"""A few seconds of memory for the busiest anonymous pages (listings and `/api/daily_papers`).

A listing is the same for every visitor who is not signed in, and it is read far more often
than it changes: answering repeats from memory for `PAPERBOY_PAGE_CACHE_SECONDS` (5 by
default; 0 turns it off) takes the front page from ~11 ms of CPU to well under one. Anyone
with a session cookie (signed in, or mid-form) always gets a fresh page, so a vote shows at
once to its voter and within the window to everyone else. Per process, bounded, GET only,
200 answers that set no cookie only.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIXES = ("/papers/date/", "/papers/week/", "/papers/month/", "/papers/trending",
            "/api/daily_papers")
SESSION_COOKIE = b"paperboy_session="
SIZE = 512
Entry = tuple[float, Message, bytes]  # expiry, the response start message, the body


class MicroCache:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.entries: OrderedDict[bytes, Entry] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        found = self.entries.get(key)
        if found is not None and found[0] > time.monotonic():
            self.entries.move_to_end(key)
            await send(found[1])
            await send({"type": "http.response.body", "body": found[2]})
            return
        await self.app(scope, receive, self._recording(key, send))

    def _key(self, scope: Scope) -> bytes | None:
        if self.seconds <= 0 or scope["type"] != "http" or scope["method"] != "GET":
            return None
        path: str = scope["path"]
        if path != "/" and not path.startswith(PREFIXES):
            return None
        for name, value in scope["headers"]:
            if name == b"cookie" and SESSION_COOKIE in value:
                return None
        query: bytes = scope.get("query_string", b"")
        return path.encode() + b"?" + query

    def _recording(self, key: bytes, send: Send) -> Send:
        start: Message | None = None
        chunks: list[bytes] = []

        async def record(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                cacheable = message["status"] == 200 and not any(
                    name == b"set-cookie" for name, _ in message.get("headers", []))
                start = dict(message) if cacheable else None
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(key, start, b"".join(chunks))
            await send(message)

        return record

    def _store(self, key: bytes, start: Message, body: bytes) -> None:
        self.entries[key] = (time.monotonic() + self.seconds, start, body)
        self.entries.move_to_end(key)
        while len(self.entries) > SIZE:
            self.entries.popitem(last=False)
