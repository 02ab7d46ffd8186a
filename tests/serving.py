"""`paperboy serve` as a subprocess on a free loopback port, for the browser tests and
bench/web.py:

    with serve(db_path, log_path, env) as url:   # http://127.0.0.1:PORT
        ...

It waits until the hub answers, and stops it (SIGTERM, then SIGKILL) when the block ends.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

PAPERBOY = str(Path(sys.executable).parent / "paperboy")


@contextmanager
def serve(db: Path, log: Path, env: dict[str, str], workers: int = 1,
          start_seconds: float = 60) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [PAPERBOY, "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)], stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            if not answers(url, process, start_seconds):
                raise RuntimeError(f"paperboy serve did not start:\n{log.read_text()}")
            yield url
        finally:
            stop(process)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(url: str, process: subprocess.Popen[bytes], seconds: float) -> bool:
    """Whether the hub answers at `url` within `seconds` (False as soon as it exits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(url + "/", timeout=5)
            return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
