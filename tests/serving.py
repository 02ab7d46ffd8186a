"""`paperboy serve` as a subprocess on a free loopback port, for the browser tests and
bench/web.py:

    with serve(db_path, log_path, env) as hub:   # hub.url: http://127.0.0.1:PORT
        ...

It waits until the hub answers, and stops it (SIGTERM, then SIGKILL) when the block ends.
`hub.cpu_seconds()` is the CPU time its processes (all workers) have used so far.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

PAPERBOY = str(Path(sys.executable).parent / "paperboy")


@dataclass(frozen=True)
class Served:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU of the server and its worker processes."""
        return cpu_seconds(self.pid)


def cpu_seconds(pid: int) -> float:
    """User and system CPU of process `pid` and its live children (Linux /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if pid in (int(stat.parent.name), int(fields[1])):
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve(db: Path | str, log: Path, env: dict[str, str], workers: int = 1,
          start_seconds: float = 60) -> Iterator[Served]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [PAPERBOY, "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)], stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            if not answers(url, process, start_seconds):
                raise RuntimeError(f"paperboy serve did not start:\n{log.read_text()}")
            yield Served(url, process.pid)
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
