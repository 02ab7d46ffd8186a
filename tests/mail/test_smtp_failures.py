"""Servers that refuse, defer and hang up: temporary failures are retried, permanent ones
recorded for the admin, and nothing is sent twice."""

from __future__ import annotations

import pytest

from paperboy.config import load_settings
from paperboy.errors import ConfigError
from paperboy.mail import digests as runs
from paperboy.mail.smtp import target_from
from paperboy.store import deliveries, users
from tests.mail.conftest import DAY
from tests.mail.smtpd import GreetingServer


def ledger(db, email):
    with db.engine.connect() as conn:
        user = users.by_email(conn, email)
        return deliveries.get(conn, user.id, "digest", DAY.isoformat())


def ada_only(db):
    return runs.for_date(db, DAY, "ada@example.org")


def test_a_451_is_retried_and_the_mail_goes_once(hub, smtp, settings_for):
    smtp.sink.replies = ["451 4.3.0 try again", "451 4.3.0 try again"]
    waits = []
    report = runs.send(hub, settings_for(smtp.url, mail_backoff=0.5), ada_only(hub),
                       sleep=waits.append)
    assert report.sent == 1
    assert waits == [0.5, 1.0]  # backoff doubles
    assert len(smtp.received) == 1
    assert ledger(hub, "ada@example.org").status == "sent"


def test_a_451_that_lasts_leaves_the_mail_for_a_later_run(hub, smtp, settings_for):
    smtp.sink.replies = ["451 4.3.0 mailbox busy"] * 3
    report = runs.send(hub, settings_for(smtp.url, mail_retries=2), runs.for_date(hub, DAY))
    assert (report.retry, report.sent) == (1, 1)  # bob's mail still went
    row = ledger(hub, "ada@example.org")
    assert row.status == "retry" and "451 4.3.0 mailbox busy" in row.error
    assert row.next_attempt_at is not None
    # when it is due again, the next run sends it, once
    with hub.engine.begin() as conn:
        deliveries.mark_retry(conn, row.id, row.error, row.updated_at, row.updated_at)
    again = runs.send(hub, settings_for(smtp.url), runs.for_date(hub, DAY))
    assert (again.sent, again.done_before) == (1, 1)
    assert sorted(r.recipients[0] for r in smtp.received) == ["ada@example.org",
                                                              "bob@example.org"]


def test_a_550_is_permanent_and_shown_to_the_admin(hub, smtp, settings_for):
    smtp.sink.rcpt_replies = ["550 5.1.1 no such user"]
    report = runs.send(hub, settings_for(smtp.url), ada_only(hub))
    assert (report.failed, report.sent) == (1, 0)
    with hub.engine.connect() as conn:
        [failure] = deliveries.failures(conn)
    assert failure.email == "ada@example.org"
    assert failure.delivery.status == "failed"
    assert "550 5.1.1 no such user" in failure.delivery.error
    assert runs.send(hub, settings_for(smtp.url), ada_only(hub)).done_before == 1  # not retried
    assert smtp.received == []


def test_a_550_after_data_is_permanent_too(hub, smtp, settings_for):
    smtp.sink.replies = ["554 5.7.1 rejected as spam"]
    assert runs.send(hub, settings_for(smtp.url), ada_only(hub)).failed == 1


@pytest.mark.parametrize("greeting", ["421 4.3.2 service not available", None])
def test_a_server_that_is_busy_or_hangs_up_stops_the_run_for_later(hub, settings_for,
                                                                   greeting):
    server = GreetingServer(greeting).start()
    try:
        report = runs.send(hub, settings_for(server.url, mail_retries=2),
                           runs.for_date(hub, DAY))
    finally:
        server.stop()
    assert server.connections == 3  # one try and two retries, then the run stops
    assert report.stopped is not None and report.retry == 1 and report.sent == 0
    row = ledger(hub, "ada@example.org")
    assert row.status == "retry"
    assert ("421" in row.error) if greeting else ("Disconnected" in row.error)
    assert ledger(hub, "bob@example.org") is None  # untouched: the next run sends it


def test_a_connection_dropped_during_data_is_retried_on_a_new_one(hub, smtp, settings_for):
    smtp.sink.replies = ["drop"]
    report = runs.send(hub, settings_for(smtp.url), runs.for_date(hub, DAY))
    assert report.sent == 2
    assert sorted(r.recipients[0] for r in smtp.received) == ["ada@example.org",
                                                              "bob@example.org"]


def test_names_cannot_inject_headers(db, smtp, settings_for):
    from paperboy.store import papers, subscriptions
    from tests.mail.conftest import PAPERS
    with db.engine.begin() as conn:
        papers.upsert(conn, PAPERS)
        eve = users.create(conn, name="eve\r\nBcc: x@evil.test", email="eve@example.org",
                           confirmed=True)
        subscriptions.add(conn, eve.id, "trending", 1)
    runs.send(db, settings_for(smtp.url), runs.for_date(db, DAY))
    [mail] = smtp.received
    assert mail.recipients == ["eve@example.org"]
    assert mail.message["Bcc"] is None
    assert mail.message["To"] == '"eve Bcc: x@evil.test" <eve@example.org>'


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("smtp_url", "http://mail.example.org", "PAPERBOY_SMTP_URL: Value error, scheme 'http'"),
    ("smtp_url", "smtp://u:secret@host:99999", "the port is not a number"),
    ("smtp_url", "smtp://u:secret@:25", "no host"),
    ("mail_from", "Paperboy <papers@example.org>\r\nBcc: x@y.z", "PAPERBOY_MAIL_FROM"),
    ("mail_from", "not an address", "PAPERBOY_MAIL_FROM"),
    ("base_url", "ftp://hub", "PAPERBOY_BASE_URL"),
])
def test_bad_mail_settings_are_refused_by_name(variable, value, expected):
    with pytest.raises(ConfigError, match="invalid settings") as caught:
        load_settings(**{variable: value})
    assert expected in str(caught.value)
    assert "secret" not in str(caught.value)  # a password in the URL is never repeated


def test_the_password_file_wins_over_the_url(tmp_path, monkeypatch):
    secret = tmp_path / "smtp-password"
    secret.write_text("from-file\n")
    monkeypatch.setenv("PAPERBOY_SMTP_PASSWORD_FILE", str(secret))
    settings = load_settings(smtp_url="smtps://mailer:in-url@mail.example.org",
                             mail_from="p@example.org")
    target = target_from(settings)
    assert (target.host, target.port, target.security) == ("mail.example.org", 465, "tls")
    assert (target.username, target.password) == ("mailer", "from-file")
    assert "from-file" not in repr(target) and "in-url" not in repr(settings)


def test_sending_without_smtp_settings_says_which_is_missing(hub, settings_for):
    with pytest.raises(ConfigError, match="PAPERBOY_SMTP_URL is not set"):
        runs.send(hub, settings_for(None), ada_only(hub))
