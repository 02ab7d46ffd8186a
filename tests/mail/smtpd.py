"""A real SMTP server for the tests (aiosmtpd on loopback) that can misbehave on cue."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes = b""  # as it came over the wire


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sink:
    """Collects messages. `replies` are consumed one per DATA ("451 ...", "550 ...", "drop");
    `rcpt_replies` one per RCPT; `on_data(n)` runs before message n is accepted (n from 1)."""

    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    rcpt_replies: list[str] = field(default_factory=list)
    on_data: Callable[[int], None] | None = None
    delay: float = 0.0
    data_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_count += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.on_data is not None:
            self.on_data(self.data_count)
            await asyncio.sleep(0.3)  # lets a client that died meanwhile be noticed
        if self.replies:
            reply = self.replies.pop(0)
            if reply == "drop":
                server.transport.close()
                return "250 dropped"  # never reaches the client
            return reply
        if server.transport is None or server.transport.is_closing():
            return "421 client went away"  # the client never saw a 250: not delivered
        message = message_from_bytes(envelope.original_content, policy=policy.SMTP)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message,
                                          envelope.original_content))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, sink: Sink | None = None) -> None:
        self.sink = sink or Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.sink.received

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


class GreetingServer:
    """Answers every connection with one line (e.g. "421 busy") and hangs up, or with
    nothing at all (`line=None`): a server that drops the connection."""

    def __init__(self, line: str | None) -> None:
        self.line = line
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> GreetingServer:
        self.thread.start()
        return self

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                if self.line is not None:
                    conn.sendall(f"{self.line}\r\n".encode())

    def stop(self) -> None:
        self.sock.close()
