"""The "manage your digest" link, end to end: a subscriber by email alone follows the link in
their mails and changes their digest without a password; bad links are refused with a way to a
new one; the link signs no one in; choosing a password is a second, mailed link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from paperboy.config import load_settings
from paperboy.jobs.specs import JOBS
from paperboy.jobs.worker import Worker
from paperboy.mail import tokens
from paperboy.schedule import local_moment, zone
from paperboy.store import digests, papers, subscriptions, users
from tests.mail.conftest import SECRET, paper
from tests.web.community import PASSWORD, csrf, fresh_client, post, sign_in

PARIS = zone("Europe/Paris")
MANAGE = re.compile(r"http://testserver(/digest/manage\?token=[\w.\-]+)")
PASSWORD_LINK = re.compile(r"http://testserver(/digest/password\?token=[\w.\-]+)")


def plain(mail):
    return mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html(mail):
    return mail.message.get_body(("html",)).get_content()


def link_in(mail, pattern=MANAGE):
    """The link's path, after checking both parts of the mail carry it."""
    found = pattern.search(plain(mail))
    assert found, plain(mail)
    assert f'href="http://testserver{found.group(1)}"' in html(mail)
    return found.group(1)


def next_weekday(day):
    day += timedelta(days=1)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


@pytest.fixture
def hub_settings(db, smtp):
    url = db.engine.url.render_as_string(hide_password=False)
    return {"database_url": url, "secret_key": SECRET, "smtp_url": smtp.url,
            "mail_from": "papers@hub.test", "base_url": "http://testserver", "mail_backoff": 0}


@pytest.fixture
def web(hub_settings):
    client = fresh_client(**hub_settings)
    with client:
        yield client, load_settings(**hub_settings)


@pytest.fixture
def browser_two(hub_settings):
    """A second browser (its own cookies) on the same hub."""
    client = fresh_client(**hub_settings)
    with client:
        yield client


@pytest.fixture
def reader(db):
    """A confirmed subscriber by email alone (no password) with one search."""
    with db.engine.begin() as conn:
        user = users.create(conn, name="reader-1", email="reader@example.org", confirmed=True)
        subscriptions.add(conn, user.id, "query", "kv cache")
    return user


def manage_link(settings, user, **options):
    return "/digest/manage?token=" + tokens.manage_token(settings, user.id, user.email,
                                                         user.session_epoch, **options)


def opened(client, link):
    """Follow a manage link: it keeps the token in the session and leaves the address bar."""
    response = client.get(link)
    assert response.status_code == 303 and response.headers["location"] == "/digest/manage"
    return client.get("/digest/manage")


def stored(db, email="reader@example.org"):
    with db.engine.connect() as conn:
        user = users.by_email(conn, email)
        return ([s.describe() for s in subscriptions.for_user(conn, user.id)],
                digests.get(conn, user.id), user)


def test_sign_up_then_change_the_digest_from_the_link_in_the_mails(db, smtp, web, browser_two):
    client, settings = web
    today = datetime.now(UTC).date()
    with db.engine.begin() as conn:
        papers.upsert(conn, [paper("2699.00001", "Paged KV cache for serving", day=today)])
    post(client, "/digest/signup", {"email": "reader@example.org", "query": "kv cache",
                                    "timezone": "Europe/Paris", "hour": "7"},
         form_page="/digest/signup")
    [confirmation] = smtp.received
    link_in(confirmation)  # the confirmation mail carries the manage link too
    confirm = re.search(r"http://testserver/digest/confirm\?token=(\S+)", plain(confirmation))
    assert client.post("/digest/confirm", data={"token": confirm.group(1)}).status_code == 200

    send_day = next_weekday(today)
    worker = Worker(db, settings, specs={"digests": JOBS["digests"]},
                    clock=lambda: local_moment(send_day, time(7, 5), PARIS))
    assert worker.run_once(force=True)[0].summary["sent"] == 1
    digest = smtp.received[-1]
    assert "Paged KV cache for serving" in plain(digest)
    link = link_in(digest)
    assert "Manage your digest: http://testserver" + link in plain(digest)

    reader = browser_two  # where the mail is read: no session of the sign-up
    page = opened(reader, link)
    assert page.status_code == 200 and "reader@example.org" in page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert "search &#39;kv cache&#39;" in page.text
    [remove] = re.findall(r'action="(/digest/manage/subscriptions/\d+/remove)"', page.text)
    token = csrf(reader, "/digest/manage")
    added = reader.post("/digest/manage/subscriptions",
                        data={"csrf_token": token, "kind": "category", "value": "cs.RO"})
    assert added.status_code == 303
    assert added.headers["location"] == "/digest/manage?done=added"
    assert reader.post(remove, data={"csrf_token": token}).status_code == 303
    saved = reader.post("/digest/manage/schedule", data={
        "csrf_token": token, "frequency": "daily-weekdays", "hour": "9", "weekday": "0",
        "timezone": "Europe/Paris"})
    assert saved.status_code == 303
    page = reader.get(saved.headers["location"]).text
    assert "Digest schedule saved." in page and "category cs.RO" in page
    assert '<option value="9" selected>' in page
    assert reader.get("/account").status_code == 303  # still nobody signed in

    subs, schedule, _ = stored(db)
    assert subs == ["category cs.RO"] and schedule.hour == 9
    with db.engine.begin() as conn:  # new papers, stored after the first digest went out
        papers.upsert(conn, [paper("2699.00003", "Robots that fold towels", day=today,
                                   categories=("cs.RO",)),
                             paper("2699.00004", "Another KV cache trick", day=today)])
    second_day = next_weekday(send_day)
    worker.clock = lambda: local_moment(second_day, time(7, 5), PARIS)
    assert worker.run_once(force=True)[0].summary["users"] == 0  # 07:00 is no more its hour
    worker.clock = lambda: local_moment(second_day, time(9, 5), PARIS)
    assert worker.run_once(force=True)[0].summary["sent"] == 1
    text = plain(smtp.received[-1])
    assert "Robots that fold towels" in text and "in cs.RO, a category you follow" in text
    assert "KV cache" not in text


def test_bad_links_are_refused_with_a_way_to_a_new_one(db, smtp, web, reader):
    client, settings = web
    now = datetime.now(UTC)
    expired = manage_link(settings, reader, signed_at=now - timedelta(days=61))
    fine = manage_link(settings, reader, signed_at=now - timedelta(days=59))
    tampered = fine[:-3] + ("AAA" if not fine.endswith("AAA") else "BBB")
    unsubscribe = tokens.unsubscribe_token(settings, reader.id, reader.email)
    confirm = tokens.confirm_token(settings, reader.id, reader.email)
    for link, reason in [(expired, "manage link: expired; ask for a new one"),
                         (tampered, "manage link: not valid"),
                         (f"/digest/manage?token={unsubscribe}", "manage link: not valid"),
                         (f"/digest/manage?token={confirm}", "manage link: not valid"),
                         ("/digest/manage?token=", "manage link: not valid")]:
        page = client.get(link)
        assert page.status_code == 400 and reason in page.text, link
        assert 'action="/digest/manage/link"' in page.text  # "mail me a new link"
    no_link = client.get("/digest/manage")
    assert no_link.status_code == 403 and 'action="/digest/manage/link"' in no_link.text
    # a manage token is no unsubscribe or confirmation token either
    token = fine.removeprefix("/digest/manage?token=")
    assert client.post(f"/unsubscribe?token={token}").status_code == 400
    assert client.post("/digest/confirm", data={"token": token}).status_code == 400
    assert not stored(db)[1].paused
    assert opened(client, fine).status_code == 200

    # ended by the user, by a suspension, by deleting the user
    page = client.post("/digest/manage/end-links", data={"csrf_token": csrf(client,
                                                                            "/digest/manage")})
    assert page.status_code == 200 and "stopped working" in page.text
    assert "no longer valid" in client.get(fine).text
    assert client.get("/digest/manage").status_code == 403
    fresh = link_in(smtp.received[-1])
    assert opened(client, fresh).status_code == 200
    with db.engine.begin() as conn:
        users.set_suspended(conn, reader.id, True)
    assert client.get("/digest/manage").status_code == 403
    with db.engine.begin() as conn:
        users.set_suspended(conn, reader.id, False)
        reader_now = users.by_id(conn, reader.id)
    again = manage_link(settings, reader_now)
    assert opened(client, again).status_code == 200
    with db.engine.begin() as conn:
        users.remove(conn, reader.id)
    gone = client.get(again)
    assert gone.status_code == 400 and "no longer has a digest here" in gone.text


def test_a_manage_link_signs_no_one_in(db, web, reader):
    client, settings = web
    link = manage_link(settings, reader)
    assert client.get(link.replace("/digest/manage", "/settings/subscriptions")
                      ).status_code == 303
    opened(client, link)
    token = csrf(client, "/digest/manage")
    for url in ("/settings/subscriptions", "/account", "/digest", "/for-you", "/submit",
                "/admin"):
        response = client.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login"), url
    for url, data in [("/settings/subscriptions", {"kind": "category", "value": "cs.AI"}),
                      ("/settings/digest", {"frequency": "weekly", "hour": "3"}),
                      ("/account/tokens", {"name": "stolen"}),
                      ("/account/timezone", {"timezone": "Asia/Tokyo"})]:
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 303 and "/login" in response.headers["location"], url
    subs, schedule, user = stored(db)
    assert subs == ["search 'kv cache'"] and schedule.frequency == "daily-weekdays"
    assert user.timezone == "UTC"


def test_forms_need_csrf_and_name_the_field_that_is_wrong(db, web, reader):
    client, settings = web
    with db.engine.begin() as conn:
        other = users.create(conn, name="other", email="other@example.org", confirmed=True)
        theirs = subscriptions.add(conn, other.id, "author", "Ada Lovelace")
    opened(client, manage_link(settings, reader))
    token = csrf(client, "/digest/manage")
    before = stored(db)
    missing = client.post("/digest/manage/subscriptions", data={"kind": "category",
                                                                "value": "cs.AI"})
    assert missing.status_code == 403 and "The form expired" in missing.text
    assert client.post("/digest/manage/schedule/pause", data={"csrf_token": "forged"}
                       ).status_code == 403
    schedule = {"frequency": "daily", "hour": "7", "weekday": "0", "timezone": "UTC"}
    for url, data, status, message in [
        ("subscriptions", {"kind": "category", "value": "no such"}, 400,
         "category: &#39;no such&#39; is not an arXiv category"),
        ("subscriptions", {"kind": "query", "value": "   "}, 400, "query: must not be empty"),
        ("subscriptions", {"kind": "query", "value": "x " * 260}, 400,
         "query: longer than 500 characters"),
        ("subscriptions", {"kind": "query", "value": "x" * 5000}, 422,
         "value: String should have at most 600 characters"),
        ("subscriptions", {"kind": "trending", "value": "1000"}, 400, "trending: "),
        ("subscriptions", {"kind": "everything", "value": "1"}, 400, "kind: "),
        ("schedule", schedule | {"hour": "24"}, 400, "hour: 24 is not an hour from 0 to 23"),
        ("schedule", schedule | {"hour": "seven"}, 400, "hour: &#39;seven&#39; is not a number"),
        ("schedule", schedule | {"hour": "²"}, 400, "hour: "),
        ("schedule", schedule | {"weekday": "9"}, 400, "weekday: 9 is not a weekday"),
        ("schedule", schedule | {"frequency": "hourly"}, 400, "frequency: &#39;hourly&#39;"),
        ("schedule", schedule | {"timezone": "Mars/Olympus"}, 400,
         "timezone: &#39;Mars/Olympus&#39; is not a time zone name"),
    ]:
        response = client.post(f"/digest/manage/{url}", data={"csrf_token": token, **data})
        assert response.status_code == status and message in response.text, (data, status)
    # another user's subscription is not this link's to remove
    assert client.post(f"/digest/manage/subscriptions/{theirs.id}/remove",
                       data={"csrf_token": token}).status_code == 303
    assert stored(db) == before
    assert stored(db, "other@example.org")[0] == ["author Ada Lovelace"]
    # what is stored comes back escaped
    client.post("/digest/manage/subscriptions", data={
        "csrf_token": token, "kind": "author", "value": "<script>alert(1)</script>"})
    page = client.get("/digest/manage").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert client.get("/digest/manage?done=<b>hi</b>").status_code == 200  # fixed notices only
    assert "<b>hi</b>" not in client.get("/digest/manage?done=<b>hi</b>").text


def test_a_new_link_is_mailed_on_request_saying_the_same_for_any_address(db, smtp, web,
                                                                         reader):
    client, _ = web
    token = csrf(client, "/digest/manage/link")
    known = client.post("/digest/manage/link", data={"csrf_token": token,
                                                     "email": "Reader@Example.org"})
    unknown = client.post("/digest/manage/link", data={"csrf_token": token,
                                                       "email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("reader@", "X@") == unknown.text.replace("nobody@", "X@")
    [mail] = smtp.received
    assert mail.recipients == ["reader@example.org"]
    assert opened(client, link_in(mail)).status_code == 200
    bad = client.post("/digest/manage/link", data={"csrf_token": token, "email": "nope"})
    assert bad.status_code == 400 and "email: not an email address" in bad.text
    assert client.post("/digest/manage/link", data={"email": "reader@example.org"}
                       ).status_code == 403  # no CSRF token
    with db.engine.begin() as conn:  # signed up, never confirmed: no mail but the confirmation
        users.create(conn, name="reader-2", email="pending@example.org")
    # five an hour from one client address (three so far), then "slow down"
    answers = [client.post("/digest/manage/link", data={"csrf_token": token, "email": email}
                           ).status_code for email in ("pending@example.org", "b@example.org",
                                                       "c@example.org")]
    assert answers == [200, 200, 429]
    assert len(smtp.received) == 1


def test_choosing_a_password_is_a_mailed_link_and_then_the_manage_link_means_sign_in(
        db, smtp, web, browser_two, reader):
    client, settings = web
    old_link = manage_link(settings, reader)
    opened(browser_two, old_link)  # another browser keeps the old link open
    page = opened(client, old_link)
    assert "Mail me a link to choose a password" in page.text
    asked = client.post("/digest/manage/password-link",
                        data={"csrf_token": csrf(client, "/digest/manage")})
    assert asked.status_code == 200 and "on its way to reader@example.org" in asked.text
    password_link = link_in(smtp.received[-1], PASSWORD_LINK)
    assert client.get(password_link.replace("password?", "manage?")).status_code == 400
    form = client.get(password_link)
    assert form.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    for again, message in [("something else entirely", "Password: the two passwords differ."),
                           ("short", "Password: at least 10 characters.")]:
        refused = post(client, "/digest/password", {
            "token": token, "password": again if again == "short" else PASSWORD,
            "password_again": again}, form_page=password_link)
        assert refused.status_code == 400 and message in refused.text
    assert stored(db)[2].password_hash is None
    done = post(client, "/digest/password", {"token": token, "password": PASSWORD,
                                             "password_again": PASSWORD},
                form_page=password_link)
    assert done.status_code == 303 and done.headers["location"].startswith(
        "/settings/subscriptions")
    assert client.get("/account").status_code == 200  # signed in now
    assert client.get(old_link).headers["location"] == "/settings/subscriptions"
    used = post(client, "/digest/password", {"token": token, "password": PASSWORD + "2",
                                             "password_again": PASSWORD + "2"},
                form_page="/login")
    assert used.status_code == 400 and "has a password already" in used.text

    # the old manage link now asks to sign in, and so does the browser that had it open
    stranger = browser_two
    assert stranger.get(old_link).headers["location"] == (
        "/login?next=%2Fsettings%2Fsubscriptions")
    refused = stranger.post("/digest/manage/subscriptions", data={
        "csrf_token": csrf(stranger, "/login"), "kind": "category", "value": "cs.AI"})
    assert refused.status_code == 303 and "/login" in refused.headers["location"]
    assert stored(db)[0] == ["search 'kv cache'"]
    assert sign_in(stranger, "reader@example.org").status_code == 303
    assert stranger.get("/settings/subscriptions").status_code == 200
