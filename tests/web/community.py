"""Helpers for tests that sign up, sign in and post forms like a browser would."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from paperboy.config import load_settings
from paperboy.web.app import create_app

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def fresh_client(database_url: str, **settings: object) -> TestClient:
    app = create_app(load_settings(database_url=database_url, **settings))
    return TestClient(app, follow_redirects=False)


def csrf(client: TestClient, url: str = "/login") -> str:
    """The CSRF token of the client's session, read off a page's form."""
    found = CSRF.search(client.get(url).text)
    assert found, f"no form on {url}"
    return found.group(1)


def post(client: TestClient, url: str, data: dict[str, str] | None = None, *,
         form_page: str = "/login"):
    """POST a form with the session's CSRF token."""
    return client.post(url, data={"csrf_token": csrf(client, form_page), **(data or {})})


def sign_up(client: TestClient, name: str, email: str | None = None,
            password: str = PASSWORD):
    response = post(client, "/signup", {
        "name": name, "email": email or f"{name}@example.org", "password": password,
        "password_again": password}, form_page="/signup")
    assert response.status_code == 303, response.text[:500]
    return response


def sign_in(client: TestClient, login: str, password: str = PASSWORD):
    return post(client, "/login", {"login": login, "password": password})
