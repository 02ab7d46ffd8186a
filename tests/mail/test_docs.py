"""docs/mail.md's console example, run as written against a real SMTP server."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from paperboy.store import papers, users
from tests.mail.conftest import PAPERS, SECRET

DOC = Path(__file__).resolve().parents[2] / "docs" / "mail.md"
PAPERBOY = str(Path(sys.executable).parent / "paperboy")


def console_steps(text: str) -> list[tuple[str, str]]:
    found = re.search(r"```console\n(.*?)```", text, re.S)
    assert found is not None
    block = found.group(1)
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in steps]


def test_the_console_example_runs_as_written(db, smtp):
    with db.engine.begin() as conn:
        papers.upsert(conn, PAPERS)
        users.create(conn, name="ada", email="ada@example.org", confirmed=True)
    env = {**os.environ, "PAPERBOY_DATABASE_URL": db.engine.url.render_as_string(
               hide_password=False), "PAPERBOY_SECRET_KEY": SECRET,
           "PAPERBOY_SMTP_URL": smtp.url, "PAPERBOY_MAIL_FROM": "papers@hub.test"}
    steps = console_steps(DOC.read_text())
    assert len(steps) >= 6
    for command, expected in steps:
        args = shlex.split(command)
        assert args[0] == "paperboy"
        result = subprocess.run([PAPERBOY, *args[1:]], capture_output=True, text=True,
                                timeout=120, env=env)
        shown = result.stdout if result.returncode == 0 else result.stderr
        assert shown.rstrip("\n") == expected, command
    assert len(smtp.received) == 1
