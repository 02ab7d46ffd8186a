"""Delivery on the web, end to end: an email-only sign-up gets the confirmation mail, follows
it, and the worker mails the right digest at their hour; the settings page, the preview,
"For you", one-click unsubscribe without signing in, and the admin's status page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from paperboy.jobs.specs import JOBS
from paperboy.jobs.worker import Worker
from paperboy.schedule import local_moment, zone
from paperboy.store import deliveries, digests, papers, users
from tests.mail.conftest import PAPERS, paper
from tests.web.community import csrf, post, sign_up

PARIS = zone("Europe/Paris")


def body(mail):
    return mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def next_weekday(day):
    day += timedelta(days=1)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


def test_sign_up_confirm_then_the_worker_sends_the_digest_at_their_hour(db, smtp, web):
    client, settings = web
    today = datetime.now(UTC).date()
    with db.engine.begin() as conn:
        papers.upsert(conn, [paper("2699.00001", "Paged KV cache for serving", day=today),
                             paper("2699.00002", "Unrelated robotics", day=today)])
    response = post(client, "/digest/signup", {
        "email": "Reader@Example.org", "query": "kv cache", "timezone": "Europe/Paris",
        "hour": "7"}, form_page="/digest/signup")
    assert response.status_code == 200 and "confirmation mail is on its way" in response.text
    [confirmation] = smtp.received
    assert confirmation.recipients == ["reader@example.org"]
    link = re.search(r"http://testserver(/digest/confirm\?token=\S+)", body(confirmation))
    assert link, body(confirmation)
    # nothing is sent before the confirmation
    send_day = next_weekday(today)
    at_seven = local_moment(send_day, time(7), PARIS)
    worker = Worker(db, settings, specs={"digests": JOBS["digests"]},
                    clock=lambda: at_seven + timedelta(minutes=5))
    assert worker.run_once(force=True)[0].summary["users"] == 0
    page = client.get(link.group(1))
    assert page.status_code == 200 and 'name="token"' in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    assert "confirmed" in client.post("/digest/confirm", data={"token": token}).text
    # at 06:59 in Paris nothing is due; from 07:00 it is, once
    worker.clock = lambda: at_seven - timedelta(minutes=1)
    assert worker.run_once(force=True)[0].summary["users"] == 0
    worker.clock = lambda: at_seven + timedelta(minutes=5)
    assert worker.run_once(force=True)[0].summary["sent"] == 1
    assert worker.run_once(force=True)[0].summary["done_before"] == 1
    digest = smtp.received[-1]
    assert len(smtp.received) == 2 and digest.recipients == ["reader@example.org"]
    assert "Paged KV cache for serving" in body(digest)
    assert "Why: matches your search 'kv cache'" in body(digest)
    assert "Unrelated robotics" not in body(digest)


def test_the_signup_form_says_what_is_wrong(web):
    client, _ = web
    for data, message in [({"email": "nope", "trending": "1"}, "email: not an email address"),
                          ({"email": "a@b.org"}, "choose at least one"),
                          ({"email": "a@b.org", "category": "no such"}, "category: "),
                          ({"email": "a@b.org", "trending": "1", "timezone": "Mars/Base"},
                           "timezone: ")]:
        response = post(client, "/digest/signup", data, form_page="/digest/signup")
        assert response.status_code == 400 and message in response.text


def test_one_click_unsubscribe_works_without_signing_in(hub, smtp, web):
    from paperboy.mail import digests as runs

    client, settings = web
    runs.send(hub, settings, runs.for_date(hub, PAPERS[0].announced, "ada@example.org"))
    url = re.fullmatch(r"<http://testserver(\S+)>", smtp.received[0].message["List-Unsubscribe"])
    page = client.get(url.group(1))
    assert page.status_code == 200 and "Stop my digest" in page.text
    # what a mail client does for RFC 8058: POST to the URL, no cookies, no CSRF token
    done = client.post(url.group(1), data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "No more digests will be sent to ada@example.org" in done.text
    with hub.engine.connect() as conn:
        ada = users.by_email(conn, "ada@example.org")
        assert digests.get(conn, ada.id).paused
    assert runs.for_date(hub, PAPERS[0].announced, "ada@example.org") == []
    forged = client.post("/unsubscribe?token=WzEsImFkYUBleGFtcGxlLm9yZyJd.forged.sig")
    assert forged.status_code == 400


def test_the_settings_page_adds_subscriptions_and_sets_the_schedule(db, web):
    client, _ = web
    with db.engine.begin() as conn:
        papers.upsert(conn, PAPERS)
    sign_up(client, "ada")
    token = csrf(client, "/settings/subscriptions")
    added = client.post("/settings/subscriptions", data={"csrf_token": token, "kind": "query",
                                                         "value": "kv cache"})
    assert added.status_code == 303
    bad = client.post("/settings/subscriptions", data={"csrf_token": token, "kind": "category",
                                                       "value": "nonsense here"})
    assert bad.status_code == 400 and "category: &#39;nonsense here&#39;" in bad.text
    saved = client.post("/settings/digest", data={
        "csrf_token": token, "frequency": "weekly", "hour": "18", "weekday": "4",
        "timezone": "Asia/Tokyo"})
    assert saved.status_code == 303
    page = client.get("/settings/subscriptions").text
    assert "search &#39;kv cache&#39;" in page
    assert '<option value="weekly" selected>' in page and 'value="Asia/Tokyo"' in page
    assert client.post("/settings/digest", data={"csrf_token": token, "frequency": "daily",
                                                 "timezone": "Nowhere"}).status_code == 400
    assert client.post("/settings/digest", data={"frequency": "daily"}).status_code == 403
    preview = client.get("/digest?from=2026-11-24&to=2026-11-24")
    assert preview.status_code == 200
    assert "KV cache compression for long context" in preview.text
    assert "Why: matches your search &#39;kv cache&#39;" in preview.text
    assert client.get("/digest?from=2026-11-24&to=2025-01-01").status_code == 400
    assert client.get("/for-you").status_code == 200


def test_pages_for_one_user_need_a_sign_in(web):
    client, _ = web
    for url in ("/settings/subscriptions", "/digest", "/for-you", "/admin/delivery"):
        assert client.get(url).status_code == 303


def test_the_admin_sees_jobs_and_failed_mails(db, smtp, web):
    client, settings = web
    sign_up(client, "boss")
    with db.engine.begin() as conn:
        boss = users.by_name(conn, "boss")
        row = deliveries.ensure(conn, boss.id, "digest", "2026-11-24", datetime.now(UTC))
        deliveries.mark_failed(conn, row.id, "550 5.1.1 no such user", datetime.now(UTC))
    Worker(db, settings, specs={"digests": JOBS["digests"]}).run_once()
    assert client.get("/admin/delivery").status_code == 403
    with db.engine.begin() as conn:
        users.set_admin(conn, boss.id, True)
    page = client.get("/admin/delivery").text
    assert "550 5.1.1 no such user" in page and "boss@example.org" in page
    assert "digests" in page and "ok" in page
