"""The manage link of a digest in the browser: a subscriber without a password opens it, adds
a category, moves the hour and stops the digest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from paperboy.config import load_settings
from paperboy.mail import tokens
from paperboy.store import digests, open_database, subscriptions, users
from tests.browser.conftest import Hub, Pages, running_hub, shoot, watched_pages
from tests.browser.reading import at

SECRET = "manage-link-browser-test-secret-key-0123456789"


@pytest.fixture(scope="module")
def digest_hub(tmp_path_factory: pytest.TempPathFactory, papers_db: Path) -> Iterator[Hub]:
    """A hub whose secret key the test knows, to sign the link a digest would carry."""
    yield from running_hub(papers_db, tmp_path_factory.mktemp("digest-hub"),
                           {"PAPERBOY_SECRET_KEY": SECRET})


@pytest.fixture
def digest_pages(browser: Browser, digest_hub: Hub) -> Iterator[Pages]:
    yield from watched_pages(browser, digest_hub)


def test_a_manage_link_changes_the_digest_without_a_password(digest_pages: Pages,
                                                             digest_hub: Hub):
    db = open_database(str(digest_hub.db))
    with db.engine.begin() as conn:
        reader = users.create(conn, name="reader-b1", email="reader@example.org",
                              confirmed=True)
        subscriptions.add(conn, reader.id, "query", "kv cache")
    settings = load_settings(database_url=str(digest_hub.db), secret_key=SECRET)
    token = tokens.manage_token(settings, reader.id, reader.email, reader.session_epoch)

    page = digest_pages.open()
    page.goto(f"/digest/manage?token={token}")
    at(page, "/digest/manage")  # the token left the address bar
    expect(page.get_by_role("heading", name="Your digest", exact=True)).to_be_visible()
    expect(page.get_by_text("reader@example.org", exact=True)).to_be_visible()
    page.get_by_label("Follow").select_option("category")
    page.get_by_label("Search, name, category or number").fill("cs.CL")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_have_text("Subscription added.")
    page.get_by_role("button", name="Remove search 'kv cache'").click()
    expect(page.get_by_role("status")).to_have_text("Subscription removed.")
    page.get_by_label("At", exact=True).select_option("9")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Digest schedule saved.")
    shoot(page, "digest-manage")
    page.get_by_role("button", name="Stop my digest").click()
    expect(page.get_by_role("button", name="Resume my digest")).to_be_visible()
    page.goto("/account")  # the link signed no one in
    at(page, "/login?next=%2Faccount")

    with db.engine.connect() as conn:
        assert [s.describe() for s in subscriptions.for_user(conn, reader.id)] == [
            "category cs.CL"]
        schedule = digests.get(conn, reader.id)
    assert schedule.hour == 9 and schedule.paused
    db.dispose()
