"""An account made on the web gets digests once its address is confirmed: the sign-up mails a
confirmation link (double opt-in, as a sign-up by email alone), the settings and account pages
say that digests wait for it and send it again on request (once a day, rate limited), and the
first subscription of an unconfirmed address mails it too. Users the operator adds on the
command line are confirmed from the start."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from paperboy.accounts import service
from paperboy.jobs.specs import JOBS
from paperboy.jobs.worker import Worker
from paperboy.schedule import local_moment, zone
from paperboy.store import deliveries, papers, users
from tests.mail.conftest import paper
from tests.web.community import PASSWORD, csrf, post, sign_in, sign_up

UTC_ZONE = zone("UTC")
CONFIRM = re.compile(r"http://testserver(/digest/confirm\?token=[\w.\-]+)")
PAPERBOY = str(Path(sys.executable).parent / "paperboy")
WAITING = "is not confirmed yet: no digest is sent to it"


def plain(mail):
    return mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html(mail):
    return mail.message.get_body(("html",)).get_content()


def confirm_link(mail):
    found = CONFIRM.search(plain(mail))
    assert found, plain(mail)
    assert f'href="http://testserver{found.group(1)}"' in html(mail)
    return found.group(1)


@pytest.fixture
def kv_paper_today(db):
    with db.engine.begin() as conn:
        papers.upsert(conn, [paper("2699.00001", "Paged KV cache for serving",
                                   day=datetime.now(UTC).date())])


def digest_worker(db, settings):
    """The digests job at 07:05 UTC on the next weekday (the default hour of a new user)."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return Worker(db, settings, specs={"digests": JOBS["digests"]},
                  clock=lambda: local_moment(day, time(7, 5), UTC_ZONE))


def add_subscription(client, value="kv cache"):
    return client.post("/settings/subscriptions", data={
        "csrf_token": csrf(client, "/settings/subscriptions"), "kind": "query", "value": value})


def unconfirmed_account(db, name="ada"):
    """An account as a web sign-up made before confirmations existed: no mail in the ledger."""
    with db.engine.begin() as conn:
        return service.sign_up(conn, name=name, email=f"{name}@example.org", password=PASSWORD)


def test_a_web_sign_up_confirms_its_address_by_mail_then_gets_its_digest(
        db, smtp, web, kv_paper_today):
    client, settings = web
    sign_up(client, "ada")
    [mail] = smtp.received
    assert mail.recipients == ["ada@example.org"]
    assert mail.message["Subject"] == "Confirm your address for paperboy"
    link = confirm_link(mail)
    assert "/digest/manage" not in plain(mail)  # an account signs in to change its digest

    added = add_subscription(client)
    assert added.status_code == 303  # its first subscription: today's mail went already
    settings_page = client.get(added.headers["location"]).text
    assert WAITING in settings_page and "Send the confirmation again" in settings_page
    assert WAITING in client.get("/account").text
    assert len(smtp.received) == 1
    worker = digest_worker(db, settings)
    assert worker.run_once(force=True)[0].summary["users"] == 0  # digests wait

    form = client.get(link)
    assert form.status_code == 200 and "Confirm my address" in form.text
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    done = client.post("/digest/confirm", data={"token": token})
    assert done.status_code == 200 and "Address confirmed" in done.text
    assert 'href="/settings/subscriptions"' in done.text
    assert WAITING not in client.get("/settings/subscriptions").text
    assert WAITING not in client.get("/account").text

    assert worker.run_once(force=True)[0].summary["sent"] == 1
    digest = smtp.received[-1]
    assert digest.recipients == ["ada@example.org"]
    assert "Paged KV cache for serving" in plain(digest)


def test_the_confirmation_is_mailed_again_once_a_day_on_request(db, smtp, web):
    client, _ = web
    user = unconfirmed_account(db)
    sign_in(client, "ada")
    page = client.get("/account").text
    assert WAITING in page and 'action="/account/confirmation"' in page
    token = csrf(client, "/account")
    again = client.post("/account/confirmation", data={"csrf_token": token, "next": "/account"})
    assert again.status_code == 303 and again.headers["location"] == (
        "/account?done=confirm-sent")
    assert "A link to confirm ada@example.org is on its way" in client.get(
        again.headers["location"]).text
    [mail] = smtp.received
    link = confirm_link(mail)

    # one a day: the button says so and mails nothing; it goes back only to our two pages
    for back, location in [("/settings/subscriptions", "/settings/subscriptions"),
                           ("https://evil.example/", "/account"), ("//evil.example", "/account"),
                           ("/admin", "/account")]:
        response = client.post("/account/confirmation", data={"csrf_token": token,
                                                              "next": back})
        assert response.status_code == 303
        assert response.headers["location"] == f"{location}?done=confirm-before", back
    assert "went to ada@example.org today already" in client.get(
        "/settings/subscriptions?done=confirm-before").text
    assert len(smtp.received) == 1
    with db.engine.connect() as conn:
        assert len(deliveries.for_user(conn, user.id, kind="confirm")) == 1
    # five an hour per user and client, then 429; and never without the CSRF token
    assert client.post("/account/confirmation", data={"csrf_token": token}).status_code == 429
    assert client.post("/account/confirmation", data={}).status_code == 403

    client.post("/digest/confirm", data={"token": link.split("token=")[1]})
    assert WAITING not in client.get("/account").text


def test_a_confirmation_refused_for_good_can_be_asked_for_again_the_same_day(db, smtp, web):
    client, _ = web
    user = unconfirmed_account(db)
    sign_in(client, "ada")
    smtp.sink.rcpt_replies = ["550 5.1.1 mailbox full for good"]
    token = csrf(client, "/account")
    first = client.post("/account/confirmation", data={"csrf_token": token})
    assert first.headers["location"] == "/account?done=confirm-sent"
    assert smtp.received == []
    with db.engine.connect() as conn:
        [row] = deliveries.for_user(conn, user.id, kind="confirm")
    assert row.status == "failed" and "mailbox full" in row.error

    again = client.post("/account/confirmation", data={"csrf_token": token})
    assert again.headers["location"] == "/account?done=confirm-sent"
    [mail] = smtp.received
    assert mail.recipients == ["ada@example.org"]
    with db.engine.connect() as conn:
        [row] = deliveries.for_user(conn, user.id, kind="confirm")  # the same row, sent now
    assert row.status == "sent" and row.attempts == 1
    later = client.post("/account/confirmation", data={"csrf_token": token})
    assert later.headers["location"] == "/account?done=confirm-before"
    assert len(smtp.received) == 1


def test_a_confirmed_address_is_told_so_and_mailed_nothing(db, smtp, web):
    client, _ = web
    unconfirmed_account(db)
    with db.engine.begin() as conn:
        users.confirm(conn, users.by_email(conn, "ada@example.org").id)
    sign_in(client, "ada")
    response = post(client, "/account/confirmation", form_page="/account")
    assert response.headers["location"] == "/account?done=confirmed"
    assert not smtp.received


def test_the_first_subscription_of_an_unconfirmed_address_mails_the_confirmation(
        db, smtp, web):
    client, _ = web
    unconfirmed_account(db)
    sign_in(client, "ada")
    first = add_subscription(client)
    assert first.headers["location"] == "/settings/subscriptions?done=added-confirm"
    page = client.get(first.headers["location"]).text
    assert "Subscription added. A link to confirm ada@example.org is on its way" in page
    [mail] = smtp.received
    confirm_link(mail)
    second = add_subscription(client, "speculative decoding")
    assert second.headers["location"] == "/settings/subscriptions?done=added"
    assert len(smtp.received) == 1


def test_users_added_on_the_command_line_are_trusted_as_confirmed(db, smtp, web, tmp_path,
                                                                  kv_paper_today):
    client, settings = web
    secret = tmp_path / "password"
    secret.write_text(PASSWORD)
    added = subprocess.run(
        [PAPERBOY, "--db", db.engine.url.render_as_string(hide_password=False), "user", "add",
         "ada@example.org", "--name", "ada", "--password-file", str(secret)],
        capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert added.returncode == 0, added.stderr
    sign_in(client, "ada")
    assert add_subscription(client).headers["location"] == "/settings/subscriptions?done=added"
    assert WAITING not in client.get("/settings/subscriptions").text
    assert digest_worker(db, settings).run_once(force=True)[0].summary["sent"] == 1
    [digest] = smtp.received  # the digest, and no confirmation mail
    assert "Paged KV cache for serving" in plain(digest)
