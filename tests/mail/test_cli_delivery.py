"""The delivery commands as real processes: subscriptions, digests (and a digest run killed
with SIGKILL mid-send, then rerun: each mail arrives exactly once), jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperboy.store import subscriptions, users
from tests.mail.conftest import SECRET

PAPERBOY = str(Path(sys.executable).parent / "paperboy")


@pytest.fixture
def env(db):
    url = db.engine.url.render_as_string(hide_password=False)
    return {**os.environ, "PAPERBOY_DATABASE_URL": url, "PAPERBOY_SECRET_KEY": SECRET,
            "PAPERBOY_MAIL_FROM": "Paperboy <papers@hub.test>",
            "PAPERBOY_BASE_URL": "http://hub.test", "PAPERBOY_MAIL_BACKOFF": "0"}


def run(env, *args, smtp=None):
    extra = {"PAPERBOY_SMTP_URL": smtp.url} if smtp else {}
    return subprocess.run([PAPERBOY, *args], capture_output=True, text=True, timeout=120,
                          env={**env, **extra})


def test_subscriptions_are_added_listed_and_removed(hub, env):
    added = run(env, "subscription", "add", "bob@example.org", "--query", "speculative decoding")
    assert added.returncode == 0, added.stderr
    assert "gets search 'speculative decoding'" in added.stdout
    listed = json.loads(run(env, "subscription", "list", "bob@example.org", "--json").stdout)
    assert [(s["kind"], s["value"]) for s in listed] == [("category", "cs.RO"),
                                                        ("query", "speculative decoding")]
    removed = run(env, "subscription", "remove", str(listed[1]["id"]))
    assert removed.returncode == 0
    assert "speculative" not in run(env, "subscription", "list").stdout
    assert "ada@example.org  search 'kv cache'" in run(env, "subscription", "list").stdout


@pytest.mark.parametrize(("args", "message"), [
    (["add", "ada@example.org", "--query", "x", "--recommended"], "give exactly one of"),
    (["add", "ada@example.org", "--category", "not a category"], "category: 'not a category'"),
    (["add", "nobody@example.org", "--recommended"], "email: no user 'nobody@example.org'"),
    (["schedule", "ada@example.org", "--timezone", "Mars/Base"], "timezone: 'Mars/Base'"),
])
def test_bad_values_get_one_line_naming_the_place(hub, env, args, message):
    result = run(env, "subscription", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_schedule_is_shown_and_changed(hub, env):
    result = run(env, "subscription", "schedule", "ada@example.org", "--frequency", "weekly",
                 "--weekday", "4", "--hour", "18", "--timezone", "Europe/Paris", "--pause")
    assert result.stdout.strip() == "ada@example.org: weekly on Fri at 18:00 Europe/Paris (paused)"
    shown = run(env, "subscription", "schedule", "ada@example.org", "--resume")
    assert shown.stdout.strip() == "ada@example.org: weekly on Fri at 18:00 Europe/Paris"


def test_a_dry_run_prints_the_mails(hub, env, smtp):
    result = run(env, "digest", "--date", "2026-11-24", "--dry-run", smtp=smtp)
    assert result.returncode == 0, result.stderr
    assert "To: ada@example.org\nSubject: Your papers on Tue 24 Nov 2026: 3 papers" in result.stdout
    assert "Why: matches your search 'kv cache'; trending #1" in result.stdout
    as_json = json.loads(run(env, "digest", "--date", "2026-11-24", "--dry-run", "--json",
                             "--user", "bob@example.org").stdout)
    assert [p["to"] for p in as_json["previews"]] == ["bob@example.org"]
    assert smtp.received == []


def test_a_digest_run_killed_mid_send_and_rerun_sends_each_mail_once(hub, env, smtp, db):
    with db.engine.begin() as conn:
        for n in range(6):
            user = users.create(conn, name=f"reader{n}", email=f"reader{n}@example.org",
                                confirmed=True)
            subscriptions.add(conn, user.id, "trending", 3)
    env = {**env, "PAPERBOY_MAIL_LEASE": "2"}
    command = [PAPERBOY, "digest", "--date", "2026-11-24"]
    process = subprocess.Popen(command, env={**env, "PAPERBOY_SMTP_URL": smtp.url},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill_on_third(n):
        if n == 3:  # the third mail's data is in; its 250 never reaches the client
            os.kill(process.pid, signal.SIGKILL)

    smtp.sink.on_data = kill_on_third
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL
    assert len(smtp.received) == 2
    smtp.sink.on_data = None
    time.sleep(2.1)  # the dead run's claim on the third mail lasts PAPERBOY_MAIL_LEASE
    report = json.loads(run(env, "digest", "--date", "2026-11-24", "--json", smtp=smtp).stdout)
    assert (report["sent"], report["done_before"]) == (6, 2)
    recipients = [r.recipients[0] for r in smtp.received]
    assert sorted(recipients) == sorted({*recipients})  # nobody twice
    assert len(recipients) == 8  # ada, bob and six readers
    final = run(env, "digest", "--date", "2026-11-24", smtp=smtp)
    assert "0 sent, 0 empty, 8 sent before" in final.stdout


def test_jobs_are_listed_and_run_one_shot(hub, env, smtp):
    ran = run(env, "jobs", "run", "digests", smtp=smtp)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("digests: ok")
    listed = json.loads(run(env, "jobs", "list", "--json").stdout)
    by_name = {job["name"]: job for job in listed["jobs"]}
    assert set(by_name) == {"harvest", "daily", "embed", "digests", "confirmations"}
    assert by_name["digests"]["last_status"] == "ok"
    bad = run(env, "worker", "--once", "--job", "nope")
    assert bad.returncode == 2 and "no job 'nope'" in bad.stderr
