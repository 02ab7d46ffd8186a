"""Forgot your password? in the browser: ask from the sign-in page, follow the mailed link
(a real SMTP server on loopback receives it), choose a new password, and sign in with it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from paperboy.accounts import service
from paperboy.store import open_database
from tests.browser.conftest import Hub, Pages, running_hub, shoot, watched_pages
from tests.browser.members import PASSWORD, account_nav, expect_signed_in, sign_in
from tests.browser.reading import at
from tests.mail.smtpd import SmtpServer

NEW = "a much better passphrase"
LINK = re.compile(r"https?://\S+?(/password/reset\?token=[\w.\-]+)")


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail_hub(tmp_path_factory: pytest.TempPathFactory, papers_db: Path,
             smtp: SmtpServer) -> Iterator[Hub]:
    """A hub that mails to the test's SMTP server."""
    yield from running_hub(papers_db, tmp_path_factory.mktemp("mail-hub"), {
        "PAPERBOY_SMTP_URL": smtp.url, "PAPERBOY_MAIL_FROM": "papers@hub.test"})


@pytest.fixture
def mail_pages(browser: Browser, mail_hub: Hub) -> Iterator[Pages]:
    yield from watched_pages(browser, mail_hub)


def mailed_link(smtp: SmtpServer, seconds: float = 10) -> str:
    """The path of the reset link in the first mail the hub sends."""
    deadline = time.monotonic() + seconds
    while not smtp.received and time.monotonic() < deadline:
        time.sleep(0.1)
    assert smtp.received, "no mail arrived"
    body = smtp.received[0].message.get_body(("plain",))
    assert body is not None, "the mail has no text part"
    text = body.get_content()
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def test_forgot_password_then_sign_in_with_the_new_one(mail_pages: Pages, mail_hub: Hub,
                                                       smtp: SmtpServer):
    db = open_database(str(mail_hub.db))
    with db.engine.begin() as conn:
        service.sign_up(conn, name="forgetful", email="forgetful@example.org",
                        password=PASSWORD, confirmed=True)
    db.dispose()

    page = mail_pages.open()
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    at(page, "/password/forgot")
    page.get_by_label("Your account's email").fill("forgetful@example.org")
    page.get_by_role("button", name="Mail me a link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    page.goto(mailed_link(smtp))
    expect(page.get_by_text("forgetful@example.org", exact=True)).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("New password again").fill(NEW)
    shoot(page, "password-reset")
    page.get_by_role("button", name="Set my new password").click()
    at(page, "/account?done=reset")
    expect(page.get_by_role("status")).to_contain_text("Your new password is set")
    expect_signed_in(page, "forgetful")

    account_nav(page).get_by_role("button", name="Sign out").click()
    at(page, "/")
    page.goto("/login")
    sign_in(page, "forgetful@example.org", NEW)
    at(page, "/")
    expect_signed_in(page, "forgetful")
