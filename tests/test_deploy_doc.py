"""docs/deploy.md, run: its shell blocks against the test PostgreSQL and SQLite files, its
systemd units through `systemd-analyze verify`, its nginx site through `nginx -t`.

The guide's paths (/etc/paperboy, /var/lib/paperboy, ports) are mapped to temporary ones.
Blocks are fenced with what they are: `sh tested` (run; `session` ones are kept for every
later block, `as-user` ones run as a non-root user, `serving` ones with the web unit's
command running), `sh system` (package installs, users, systemctl: checked for what they
name, not run), `ini file=...` (a systemd unit) and `nginx file=...`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from paperboy.store import open_database
from tests import postgres
from tests.store import sample_hub

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "deploy.md"
VENV = Path(sys.executable).parent.parent
STATIC = ROOT / "paperboy" / "web" / "static"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SYSTEM_COMMANDS = ("apt-get", "useradd", "python3.11", "/opt/paperboy/.venv/bin/pip",
                   "chown", "chmod", "install", "ln", "nginx", "systemctl")


@dataclass(frozen=True)
class Block:
    language: str
    tags: tuple[str, ...]
    file: str | None
    code: str


def blocks() -> list[Block]:
    found = []
    for language, info, code in FENCE.findall(DOC.read_text()):
        words = info.split()
        file = next((w.removeprefix("file=") for w in words if w.startswith("file=")), None)
        found.append(Block(language, tuple(w for w in words if "=" not in w), file, code))
    return found


def test_every_block_says_what_it_is():
    for block in blocks():
        kind = (block.language, block.tags[:1])
        assert kind in {("sh", ("tested",)), ("sh", ("system",)), ("ini", ()),
                        ("nginx", ())}, block
        assert block.language == "sh" or block.file, block


def test_system_lines_name_known_commands_and_units():
    units = {Path(b.file).name.removesuffix(".service") for b in blocks()
             if b.language == "ini" and b.file}  # paperboy-web, paperboy-worker@, *.timer
    for block in blocks():
        if block.tags[:1] != ("system",):
            continue
        for line in block.code.strip().splitlines():
            assert line.split()[0] in SYSTEM_COMMANDS, line
            if line.startswith("systemctl"):
                for name in re.findall(r"paperboy[\w@.*-]*", line):
                    assert re.sub(r"@[^.]+", "@", name) in units, (name, line)


@pytest.fixture
def place(tmp_path, postgres_server):
    """Where the guide's paths land, and how to run its shell blocks."""
    place = Place(tmp_path, postgres_server, _free_port(), _free_port())
    yield place
    place.close()


class Place:
    def __init__(self, root: Path, server: postgres.Server, web_port: int, try_port: int):
        self.root, self.server, self.web_port = root, server, web_port
        for name in ("etc", "var-lib", "backups", "home", "units", "nginx", "tls"):
            (root / name).mkdir()
        self.mapping = [  # longest first
            ("/opt/paperboy/.venv/lib/python3.11/site-packages/paperboy/web/static", str(STATIC)),
            ("/opt/paperboy/.venv", str(VENV)),
            ("/etc/paperboy", str(root / "etc")),
            ("/var/lib/paperboy", str(root / "var-lib")),
            ("/var/backups/paperboy", str(root / "backups")),
            ("/etc/letsencrypt/live/papers.example.org", str(root / "tls")),
            ("localhost:5432", f"127.0.0.1:{server.port}"),
            ("127.0.0.1:8000", f"127.0.0.1:{web_port}"),
            ("--port 8000", f"--port {web_port}"),
            ("--workers 4", "--workers 2"),
            ("-p 5433", f"-p {try_port}"),
            ("127.0.0.1:5433", f"127.0.0.1:{try_port}"),
        ]
        if os.geteuid() != 0:
            self.mapping.append(("runuser -u postgres -- ", ""))
        pgbin = Path(postgres._tool("psql")).parent
        self.environment = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY")}
        self.environment.update(PATH=f"{pgbin}:{VENV / 'bin'}:{os.environ['PATH']}",
                                PGHOST="127.0.0.1", PGPORT=str(server.port),
                                PGUSER=postgres.SERVICE_USER, HOME=str(root / "home"))
        self.session = ""
        self._user_home: Path | None = None

    def mapped(self, text: str) -> str:
        for old, new in self.mapping:
            text = text.replace(old, new)
        return text

    def run(self, code: str, as_user: bool = False) -> subprocess.CompletedProcess[str]:
        script = "set -euo pipefail\n" + ("" if as_user else self.session) + self.mapped(code)
        environment = dict(self.environment)
        if as_user:
            script, environment["HOME"] = self._as_user(script), str(self.user_home())
        done = subprocess.run(["bash", "-c", script], cwd=ROOT, env=environment,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{code}\n--- stdout\n{done.stdout}\n--- stderr\n" \
                                     f"{done.stderr}"
        return done

    def _as_user(self, script: str) -> str:
        """As root, the server's own programs run as the postgres user (the venv's python may
        sit where that user cannot read, so the rest stays root's)."""
        if os.geteuid() != 0:
            return script
        for tool in ("initdb", "pg_ctl"):
            script = script.replace(f'"$PGBIN/{tool}"',
                                    f'runuser -u {postgres.SERVICE_USER} -- "$PGBIN/{tool}"')
        return script

    def user_home(self) -> Path:
        """A home the postgres user can reach (pytest's tmp_path is root's alone)."""
        if self._user_home is None:
            self._user_home = Path(tempfile.mkdtemp(prefix="paperboy-doc-"))
            if os.geteuid() == 0:
                shutil.chown(self._user_home, user=postgres.SERVICE_USER)
        return self._user_home

    def close(self) -> None:
        """Stop a server the trying-out block left running (it failed half-way)."""
        if self._user_home is None:
            return
        data = self._user_home / "paperboy-pg"
        if (data / "postmaster.pid").exists():
            subprocess.run(["bash", "-c", self._as_user(
                f'PGBIN={Path(postgres._tool("pg_ctl")).parent}; "$PGBIN/pg_ctl" -D {data} '
                "-m immediate -w stop")], capture_output=True, timeout=120)
        shutil.rmtree(self._user_home, ignore_errors=True)

    @contextmanager
    def web(self, unit: str) -> Iterator[None]:
        """The web unit's ExecStart, running with its EnvironmentFile."""
        start = re.search(r"^ExecStart=(.*)$", unit, re.MULTILINE)
        settings = re.search(r"^EnvironmentFile=(.*)$", unit, re.MULTILINE)
        assert start and settings
        script = f"set -a; . {settings.group(1)}; set +a; exec {start.group(1)}"
        server = subprocess.Popen(["bash", "-c", script], env=self.environment, cwd=self.root,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  start_new_session=True)
        try:
            _wait_until_up(f"http://127.0.0.1:{self.web_port}/healthz", server)
            yield
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            assert server.stderr is not None
            server.stderr.close()


def test_the_guide_runs(place):
    lab = open_database(str(place.root / "var-lib" / "paperboy.db"))  # the hub to move up
    sample_hub.fill(lab)
    lab.dispose()
    units: dict[str, str] = {}
    outputs = []
    for block in blocks():
        if block.language == "ini" and block.file:
            units[Path(block.file).name] = place.mapped(block.code)
        elif block.tags[:1] == ("tested",):
            if "serving" in block.tags:
                with place.web(units["paperboy-web.service"]):
                    outputs.append(place.run(block.code).stdout)
            else:
                outputs.append(place.run(block.code, as_user="as-user" in block.tags).stdout)
            if "session" in block.tags:
                place.session += place.mapped(block.code)
    text = "\n".join(outputs)
    assert "copy verified" in text and "backup verified" in text
    assert '"status":"ok"' in text.replace(" ", "")
    assert list((place.root / "backups").glob("lab-*.db"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed")
def test_the_units_verify(place):
    for block in blocks():
        if block.language != "ini" or not block.file:
            continue
        name = Path(block.file).name.replace("@.", "@1.")  # a template verifies as an instance
        path = place.root / "units" / name
        path.write_text(place.mapped(block.code))
        done = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0 and not done.stderr.strip(), (name, done.stderr)


def nginx() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


@pytest.mark.skipif(nginx() is None, reason="nginx is not installed (make system-deps "
                                            "installs nginx-light)")
def test_the_nginx_site_is_accepted(place):
    site = next(b for b in blocks() if b.language == "nginx")
    tls = place.root / "tls"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=papers.example.org", "-keyout", str(tls / "privkey.pem"),
                    "-out", str(tls / "fullchain.pem")], check=True, capture_output=True,
                   timeout=120)
    folder = place.root / "nginx"
    (folder / "paperboy.conf").write_text(place.mapped(site.code))
    (folder / "nginx.conf").write_text(
        f"pid {folder}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {folder}/paperboy.conf;\n}}\n")
    nginx_path = nginx()
    assert nginx_path is not None
    done = subprocess.run([nginx_path, "-t", "-q", "-e", "stderr", "-p", str(folder), "-c",
                           str(folder / "nginx.conf")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert STATIC.is_dir() and (STATIC / "katex").is_dir()  # what the alias serves


def _wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            assert server.stderr is not None
            raise AssertionError(f"the web unit's command exited: {server.stderr.read()!r}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} never answered")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
