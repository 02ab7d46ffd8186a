"""Signing up and in through the pages, as a person would."""

from __future__ import annotations

import itertools

from playwright.sync_api import Locator, Page, expect

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def new_name(prefix: str) -> str:
    """A user name no other test of this session uses."""
    return f"{prefix}{next(_numbers)}"


def sign_up(page: Page, name: str) -> str:
    """Create the account `name` on the sign-up page; the page ends signed in. Its name."""
    page.goto("/signup")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect_signed_in(page, name)
    return name


def sign_in(page: Page, login: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email or user name").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def account_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Account")


def expect_signed_in(page: Page, name: str) -> None:
    expect(account_nav(page).get_by_role("link", name=name, exact=True)).to_have_attribute(
        "href", f"/u/{name}")
