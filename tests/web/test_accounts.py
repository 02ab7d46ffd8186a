"""Accounts on a real database: sign up, sign in and out, sessions, CSRF, rate limits,
password change, deletion, and no account enumeration."""

import pytest
from sqlalchemy import select

from paperboy.store import users
from paperboy.store.schema import users as users_table
from tests.web.community import PASSWORD, csrf, fresh_client, post, sign_in, sign_up


@pytest.fixture
def client(tmp_path):
    with fresh_client(str(tmp_path / "hub.db")) as client:
        yield client


def test_sign_up_signs_in_and_stores_an_argon2_hash(client):
    response = sign_up(client, "ada")
    assert response.headers["location"] == "/"
    home = client.get("/").text
    assert 'href="/u/ada"' in home and "Sign out" in home
    db = client.app.state.db
    with db.engine.connect() as conn:
        stored = conn.execute(select(users_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_session_cookie_is_signed_httponly_and_lax(client):
    response = sign_up(client, "ada")
    cookie = response.headers["set-cookie"]
    assert "paperboy_session=" in cookie and "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    value = client.cookies["paperboy_session"]
    client.cookies.clear()
    client.cookies.set("paperboy_session", ("x" if value[0] != "x" else "y") + value[1:])
    assert "Sign in" in client.get("/").text  # a tampered cookie is no session


def test_every_form_needs_the_csrf_token(client):
    sign_up(client, "ada")
    for url in ("/logout", "/account/password", "/papers/x/upvote", "/collections",
                "/submit", "/account/delete", "/account/name"):
        response = client.post(url, data={"csrf_token": "forged"})
        assert response.status_code == 403, url
        response = client.post(url, data={})
        assert response.status_code == 403, url
    assert "Sign out" in client.get("/").text  # still signed in: the forged logout did nothing


def test_sign_in_with_email_or_name_and_out(client):
    sign_up(client, "ada")
    post(client, "/logout", form_page="/account")
    assert "Sign in" in client.get("/").text
    assert sign_in(client, "ADA@example.org").status_code == 303
    post(client, "/logout", form_page="/account")
    response = sign_in(client, "ada")
    assert response.status_code == 303
    assert client.get("/account").status_code == 200


def test_wrong_password_and_unknown_user_look_the_same(client):
    sign_up(client, "ada")
    post(client, "/logout", form_page="/account")
    wrong = sign_in(client, "ada@example.org", "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    message = "That email or name and password do not match an account."
    assert message in wrong.text and message in unknown.text


def test_sign_up_problems_are_shown_in_the_form(client):
    token = csrf(client, "/signup")
    cases = [({"name": "a"}, "Name: 2 to 32"), ({"name": "admin"}, "reserved"),
             ({"email": "not-an-email"}, "Email: not an email"),
             ({"password": "short", "password_again": "short"}, "at least 10"),
             ({"password_again": "something else"}, "the two passwords differ")]
    for change, message in cases:
        data = {"csrf_token": token, "name": "ada", "email": "ada@example.org",
                "password": PASSWORD, "password_again": PASSWORD} | change
        response = client.post("/signup", data=data)
        assert response.status_code == 400 and message in response.text, change
        assert 'value="ada@example.org"' in response.text or "email" in change


def test_taken_names_are_said_taken_emails_are_not_revealed(client):
    sign_up(client, "ada")
    post(client, "/logout", form_page="/account")
    token = csrf(client, "/signup")
    base = {"csrf_token": token, "password": PASSWORD, "password_again": PASSWORD}
    same_name = client.post("/signup", data=base | {"name": "ADA", "email": "x@example.org"})
    assert "That name is taken" in same_name.text
    same_email = client.post("/signup", data=base | {"name": "bob", "email": "ada@example.org"})
    assert "could not create an account" in same_email.text
    assert "ada@example.org" not in same_email.text.replace('value="ada@example.org"', "")


def test_sign_in_is_rate_limited(tmp_path):
    with fresh_client(str(tmp_path / "hub.db")) as client:
        statuses = [sign_in(client, "ada", "wrong password!").status_code for _ in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]


def test_writes_are_rate_limited_per_user(tmp_path):
    with fresh_client(str(tmp_path / "hub.db"), rate_limit_scale=0.05) as client:
        sign_up(client, "ada")
        token = csrf(client, "/account")
        statuses = [client.post("/account/tokens", data={"csrf_token": token, "name": "t"}
                                ).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_password_change_ends_other_sessions(tmp_path):
    url = str(tmp_path / "hub.db")
    with fresh_client(url) as laptop, fresh_client(url) as phone:
        sign_up(laptop, "ada")
        sign_in(phone, "ada")
        assert phone.get("/account").status_code == 200
        new = "an even better password"
        response = post(laptop, "/account/password",
                        {"current": PASSWORD, "password": new, "password_again": new},
                        form_page="/account")
        assert "Password changed" in response.text
        assert laptop.get("/account").status_code == 200
        assert phone.get("/account").status_code == 303  # signed out: to the sign-in page
        post(laptop, "/logout", form_page="/account")
        assert sign_in(laptop, "ada", PASSWORD).status_code == 400
        assert sign_in(laptop, "ada", new).status_code == 303


def test_password_change_needs_the_current_one(client):
    sign_up(client, "ada")
    response = post(client, "/account/password", {"current": "wrong one!!", "password": "x" * 12,
                                                  "password_again": "x" * 12},
                    form_page="/account")
    assert response.status_code == 400 and "current password" in response.text


def test_pages_for_members_send_strangers_to_sign_in_and_back(client):
    response = client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)", "/ok\r\nX: y"])
def test_next_never_leaves_the_site(client, target):
    token = csrf(client, "/signup")
    response = client.post("/signup", data={"csrf_token": token, "name": "ada",
                                            "email": "ada@example.org", "password": PASSWORD,
                                            "password_again": PASSWORD, "next": target})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_delete_account_keeps_comments_without_a_name(client):
    sign_up(client, "ada")
    db = client.app.state.db
    response = post(client, "/account/delete", {"password": "wrong password"},
                    form_page="/account")
    assert response.status_code == 400
    response = post(client, "/account/delete", {"password": PASSWORD}, form_page="/account")
    assert response.status_code == 303
    with db.engine.connect() as conn:
        assert users.by_name(conn, "ada") is None
    assert sign_in(client, "ada").status_code == 400


def test_api_tokens_are_shown_once_and_stored_hashed(client):
    sign_up(client, "ada")
    response = post(client, "/account/tokens", {"name": "my script"}, form_page="/account")
    token = response.text.split('<code class="token">')[1].split("<")[0]
    assert token.startswith("pb_")
    page = client.get("/account").text
    assert "my script" in page and token not in page


def test_timezone_is_checked(client):
    sign_up(client, "ada")
    bad = post(client, "/account/timezone", {"timezone": "Mars/Olympus"}, form_page="/account")
    assert bad.status_code == 400 and "unknown time zone" in bad.text
    good = post(client, "/account/timezone", {"timezone": "Europe/Paris"}, form_page="/account")
    assert good.status_code == 303
    assert 'value="Europe/Paris"' in client.get("/account").text


def test_a_name_can_be_changed_to_a_free_one(client):
    sign_up(client, "bob")
    post(client, "/logout", form_page="/account")
    sign_up(client, "ada")
    for name, problem in [("bob", "someone has that name already"), ("admin", "is reserved"),
                          ("x", "2 to 32 characters"), ("<b>", "2 to 32 characters")]:
        refused = post(client, "/account/name", {"name": name}, form_page="/account")
        assert refused.status_code == 400 and problem in refused.text, name
    same = post(client, "/account/name", {"name": "ada"}, form_page="/account")
    assert same.status_code == 200 and "You are ada now." in same.text
    renamed = post(client, "/account/name", {"name": " Grace "}, form_page="/account")
    assert renamed.status_code == 200 and "You are grace now." in renamed.text
    assert 'href="/u/grace"' in client.get("/").text  # still signed in
    assert client.get("/u/grace").status_code == 200
    assert client.get("/u/ada").status_code == 404
    post(client, "/logout", form_page="/account")
    assert sign_in(client, "grace").status_code == 303
