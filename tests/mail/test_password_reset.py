"""Forgot your password? A mailed link, once, for an hour: it sets a new password, signs the
person in and ends every other session and link; asking says the same for any address; bad
links are refused with a way to ask again; asking is rate limited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from paperboy.accounts import service
from paperboy.config import load_settings
from paperboy.mail import links, tokens
from paperboy.store import deliveries, users
from paperboy.web.app import create_app
from tests.mail.conftest import SECRET
from tests.web.community import PASSWORD, csrf, fresh_client, post, sign_in, sign_up

RESET = re.compile(r"http://testserver(/password/reset\?token=[\w.\-]+)")
NEW = "a much better passphrase"
ASK_AGAIN = 'action="/password/forgot"'


def plain(mail):
    return mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def reset_link(mail):
    """The link's path, after checking both parts of the mail carry it."""
    found = RESET.search(plain(mail))
    assert found, plain(mail)
    html = mail.message.get_body(("html",)).get_content()
    assert f'href="http://testserver{found.group(1)}"' in html
    return found.group(1)


@pytest.fixture
def hub_settings(db, smtp):
    return {"database_url": db.engine.url.render_as_string(hide_password=False),
            "secret_key": SECRET, "smtp_url": smtp.url, "mail_from": "papers@hub.test",
            "base_url": "http://testserver", "mail_backoff": 0}


@pytest.fixture
def browsers(hub_settings):
    """Three browsers (their own cookies) on one hub: a laptop, a phone, a stranger's."""
    clients = [fresh_client(**hub_settings) for _ in range(3)]
    for client in clients:
        client.__enter__()
    yield clients
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def settings(hub_settings):
    return load_settings(**hub_settings)


@pytest.fixture
def ada(db):
    """An account with a password (confirmed, so no confirmation mail gets in the way)."""
    with db.engine.begin() as conn:
        return service.sign_up(conn, name="ada", email="ada@example.org", password=PASSWORD,
                               confirmed=True)


def ask(client, email):
    return post(client, "/password/forgot", {"email": email}, form_page="/password/forgot")


def token_of(link):
    return link.split("token=", 1)[1]


def stored(db, email="ada@example.org"):
    with db.engine.connect() as conn:
        return users.by_email(conn, email)


def test_a_reset_link_sets_a_new_password_and_ends_every_other_session(db, smtp, browsers):
    laptop, phone, kiosk = browsers
    sign_up(laptop, "ada")  # a web sign-up: unconfirmed, its confirmation mailed
    sign_in(phone, "ada")
    assert phone.get("/account").status_code == 200
    login = kiosk.get("/login").text
    assert 'href="/password/forgot"' in login and "Forgot your password?" in login
    asked = ask(kiosk, " ADA@example.org ")
    assert asked.status_code == 200
    assert "If an account here uses ada@example.org, a link to choose a new password" in (
        asked.text)
    mail = smtp.received[-1]
    assert len(smtp.received) == 2 and mail.recipients == ["ada@example.org"]
    assert mail.message["Subject"] == "Reset your paperboy password"
    assert "works once, for 60 minutes" in plain(mail)
    link = reset_link(mail)

    form = kiosk.get(link)
    assert form.status_code == 200 and "ada@example.org" in form.text
    assert form.headers["cache-control"] == "private, no-store"
    for password, again, message in [
            (NEW, "something else entirely", "New password: the two passwords differ."),
            ("short", "short", "New password: at least 10 characters."),
            ("          ", "          ", "New password: not only spaces.")]:
        refused = post(kiosk, "/password/reset", {
            "token": token_of(link), "password": password, "password_again": again},
            form_page=link)
        assert refused.status_code == 400 and message in refused.text
    assert phone.get("/account").status_code == 200  # nothing changed yet
    done = post(kiosk, "/password/reset", {"token": token_of(link), "password": NEW,
                                           "password_again": NEW}, form_page=link)
    assert done.status_code == 303 and done.headers["location"] == "/account?done=reset"
    account = kiosk.get(done.headers["location"])
    assert account.status_code == 200  # signed in
    assert "Your new password is set" in account.text
    assert stored(db).confirmed  # the link proved the address
    for other in (laptop, phone):
        assert other.get("/account").status_code == 303  # signed out
    assert sign_in(laptop, "ada", PASSWORD).status_code == 400  # the old password is refused
    assert sign_in(phone, "ada", NEW).status_code == 303

    used = kiosk.get(link)
    assert used.status_code == 400 and "password reset link: no longer valid" in used.text
    assert ASK_AGAIN in used.text


def test_other_sessions_and_outstanding_links_end_with_a_reset(db, smtp, browsers, settings,
                                                               ada):
    laptop, stranger, _ = browsers
    earlier = tokens.reset_token(settings, ada.id, ada.email, ada.session_epoch,
                                 signed_at=datetime.now(UTC) - timedelta(minutes=20))
    password_link = tokens.password_token(settings, ada.id, ada.email, ada.session_epoch)
    manage_link = tokens.manage_token(settings, ada.id, ada.email, ada.session_epoch)
    ask(laptop, "ada@example.org")
    link = reset_link(smtp.received[-1])
    assert stranger.get(f"/password/reset?token={earlier}").status_code == 200
    done = post(laptop, "/password/reset", {"token": token_of(link), "password": NEW,
                                            "password_again": NEW}, form_page=link)
    assert done.status_code == 303
    for old in (f"/password/reset?token={earlier}", link):
        assert "no longer valid" in stranger.get(old).text
    refused = post(stranger, "/password/reset", {"token": earlier, "password": "x" * 12,
                                                 "password_again": "x" * 12})
    assert refused.status_code == 400 and ASK_AGAIN in refused.text
    assert stranger.get(f"/digest/password?token={password_link}").status_code == 400
    assert stranger.get(f"/digest/manage?token={manage_link}").headers["location"].startswith(
        "/login")  # an account's manage link means "sign in"
    assert sign_in(stranger, "ada", NEW).status_code == 303  # "x" * 12 was not stored


def test_any_address_gets_the_same_answer_and_only_an_account_gets_mail(db, smtp, browsers,
                                                                        ada):
    client = browsers[0]
    with db.engine.begin() as conn:  # a digest by email alone (no password), a suspended one
        users.create(conn, name="reader-1", email="reader@example.org", confirmed=True)
        eve = service.sign_up(conn, name="eve", email="eve@example.org", password=PASSWORD,
                              confirmed=True)
        users.set_suspended(conn, eve.id, True)
    answers = {email: ask(client, email) for email in (
        "ada@example.org", "nobody@example.org", "reader@example.org", "eve@example.org")}
    texts = {a.text.replace(email, "X") for email, a in answers.items()}
    assert {a.status_code for a in answers.values()} == {200} and len(texts) == 1
    [mail] = smtp.received
    assert mail.recipients == ["ada@example.org"]
    bad = ask(client, "not an address")
    assert bad.status_code == 400 and "Email: not an email address." in bad.text
    assert 'value="not an address"' in bad.text
    assert client.post("/password/forgot", data={"email": "ada@example.org"}).status_code == 403
    assert len(smtp.received) == 1


def test_bad_reset_links_are_refused_with_a_way_to_ask_again(db, smtp, browsers, settings,
                                                             ada):
    client = browsers[0]
    now = datetime.now(UTC)

    def reset_token(signed_at=now):
        return tokens.reset_token(settings, ada.id, ada.email, ada.session_epoch,
                                  signed_at=signed_at)
    fine = reset_token(now - timedelta(minutes=59))
    expired = reset_token(now - timedelta(minutes=61))
    tampered = fine[:-3] + ("AAA" if not fine.endswith("AAA") else "BBB")
    others = {"manage": tokens.manage_token(settings, ada.id, ada.email, ada.session_epoch),
              "password": tokens.password_token(settings, ada.id, ada.email,
                                                ada.session_epoch),
              "confirm": tokens.confirm_token(settings, ada.id, ada.email),
              "unsubscribe": tokens.unsubscribe_token(settings, ada.id, ada.email)}
    for token, reason in [(expired, "password reset link: expired; ask for a new one"),
                          (tampered, "password reset link: not valid"),
                          ("", "password reset link: not valid"),
                          *[(other, "password reset link: not valid (altered, from another "
                                    "hub, or a link of another kind)")
                            for other in others.values()]]:
        page = client.get(f"/password/reset?token={token}")
        assert page.status_code == 400 and reason in page.text, token
        assert ASK_AGAIN in page.text
        posted = post(client, "/password/reset", {"token": token, "password": NEW,
                                                  "password_again": NEW})
        assert posted.status_code == 400 and reason in posted.text and ASK_AGAIN in posted.text
    # nor does a reset token work as a link of another kind
    assert client.get(f"/digest/manage?token={fine}").status_code == 400
    assert post(client, "/digest/password", {"token": fine, "password": NEW,
                                             "password_again": NEW}).status_code == 400
    assert client.post("/digest/confirm", data={"token": fine}).status_code == 400
    assert client.post(f"/unsubscribe?token={fine}").status_code == 400
    with db.engine.begin() as conn:
        users.set_suspended(conn, ada.id, True)
    suspended = client.get(f"/password/reset?token={fine}")
    assert suspended.status_code == 400 and "this account is suspended" in suspended.text
    with db.engine.begin() as conn:
        users.set_suspended(conn, ada.id, False)  # which ended its sessions, and so the link
    assert "no longer valid" in client.get(f"/password/reset?token={fine}").text
    assert stored(db).password_hash == ada.password_hash  # nothing was written
    assert not smtp.received


@pytest.fixture
def app(hub_settings):
    """The hub's app, for test clients that each come from another client address."""
    made = create_app(load_settings(**hub_settings))
    yield made
    made.state.db.dispose()


def test_asking_is_rate_limited_per_client_and_per_address(db, smtp, app, ada):
    def browser(address):
        return TestClient(app, follow_redirects=False, client=(address, 50000))

    first = datetime.now(UTC)
    one = browser("192.0.2.1")
    statuses = [ask(one, email).status_code for email in (
        "ada@example.org", "ada@example.org", "b@example.org", "c@example.org",
        "d@example.org", "e@example.org")]
    assert statuses == [200] * 5 + [429]
    assert "Slow down" in ask(one, "f@example.org").text
    # five an hour per address typed, whichever client asks: ada was asked for twice so far
    statuses = [ask(browser(f"192.0.2.{n}"), "ada@example.org").status_code
                for n in range(2, 6)]
    assert statuses == [200, 200, 200, 429]
    assert ask(browser("192.0.2.9"), "g@example.org").status_code == 200
    # five answers for ada, one mail: one a quarter of an hour (two if one began meanwhile)
    quarters = {links.stamp("reset", ada.session_epoch, moment)
                for moment in (first, datetime.now(UTC))}
    assert [m.recipients for m in smtp.received] == [["ada@example.org"]] * len(quarters)
    with db.engine.connect() as conn:
        assert len(deliveries.for_user(conn, ada.id, kind="reset")) == len(quarters)


def test_the_reset_form_needs_csrf(db, smtp, browsers, ada):
    client = browsers[0]
    ask(client, "ada@example.org")
    link = reset_link(smtp.received[-1])
    forged = client.post("/password/reset", data={"token": token_of(link), "password": NEW,
                                                  "password_again": NEW,
                                                  "csrf_token": "forged"})
    assert forged.status_code == 403
    assert csrf(client, link)  # the link still works
    assert stored(db).password_hash == ada.password_hash
