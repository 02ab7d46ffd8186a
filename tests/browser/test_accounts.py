"""Accounts in the browser: sign up, sign out, sign in (and a wrong password), the user page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Pages, shoot
from tests.browser.members import (
    PASSWORD,
    account_nav,
    expect_signed_in,
    new_name,
    sign_in,
    sign_up,
)
from tests.browser.reading import at


def test_sign_up_sign_out_and_sign_in_again(member_pages: Pages):
    page = member_pages.open()
    page.goto("/papers/date/2025-03-04")
    account_nav(page).get_by_role("link", name="Sign in").click()
    at(page, "/login?next=%2Fpapers%2Fdate%2F2025-03-04")
    shoot(page, "sign-in")
    page.get_by_role("link", name="Create an account").click()
    name = new_name("reader")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    shoot(page, "sign-up")
    page.get_by_role("button", name="Create account").click()
    at(page, "/papers/date/2025-03-04")  # back where the visitor was
    expect_signed_in(page, name)

    account_nav(page).get_by_role("button", name="Sign out").click()
    at(page, "/")
    expect(account_nav(page).get_by_role("link", name="Sign in")).to_be_visible()

    member_pages.watch.allowed_errors.append("400 (Bad Request)")  # the form, shown again
    account_nav(page).get_by_role("link", name="Sign in").click()
    sign_in(page, name, "not the password at all")
    expect(page.get_by_role("alert")).to_have_text(
        "That email or name and password do not match an account.")
    expect(page.get_by_label("Email or user name")).to_have_value(name)
    sign_in(page, f"{name}@example.org")
    at(page, "/")
    expect_signed_in(page, name)


def test_a_user_page_shows_what_they_did(member_pages: Pages):
    page = member_pages.open()
    name = sign_up(page, new_name("owner"))
    page.goto(f"/u/{name}")
    expect(page.locator("h1")).to_have_text(name)
    expect(page.get_by_role("heading", name="Upvoted")).to_be_visible()
    shoot(page, "user")
    visitor = member_pages.open()
    visitor.goto(f"/u/{name}")
    expect(visitor.get_by_text("No public collections.")).to_be_visible()
    expect(visitor.locator("summary", has_text="New collection")).to_have_count(0)
