"""Accounts on the web: sign up, sign in and out, and the account page (the address's
confirmation, name, password, time zone, API tokens, log out everywhere, delete). Every form posts
its CSRF token; sign-in and sign-up are rate limited per address (and sign-in per account
too). A sign-up mails a link to confirm the address: digests wait for it (mail/signup.py).
Forgotten passwords are web/reset.py's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperboy.accounts import rules, service
from paperboy.mail import signup as confirmation
from paperboy.store import tokens, users
from paperboy.store.users import User, UserExists
from paperboy.web import auth, outbox
from paperboy.web.auth import require_user, verify_csrf
from paperboy.web.desk import done_notice
from paperboy.web.links import safe_next
from paperboy.web.subscriptions import SETTINGS
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[])
Text = Annotated[str, Form(max_length=rules.MAX_PASSWORD)]
Csrf = Depends(verify_csrf)
ACCOUNT = "/account"


@router.get("/signup")
def signup_page(request: Request, next: str = "/") -> Response:
    return render(request, "signup.html", {"title": "Sign up", "next": safe_next(next),
                                           "form": {}, "error": None, "noindex": True})


@router.post("/signup", dependencies=[Csrf])
def signup(request: Request, background: BackgroundTasks, name: Text = "", email: Text = "",
           password: Text = "", password_again: Text = "", next: Text = "/") -> Response:
    auth.rate_limit(request, "signup")
    form = {"name": name, "email": email}
    try:
        rules.same_passwords(password, password_again)
        user = confirmation.sign_up_with_password(request.app.state.db, name=name, email=email,
                                                  password=password)
    except rules.InvalidInput as problem:
        return _form_again(request, "signup.html", "Sign up", form, next,
                           f"{problem.field.capitalize()}: {problem.reason}.")
    except UserExists as taken:
        message = ("That name is taken; choose another." if taken.field == "name" else
                   "We could not create an account with these details. If you already have "
                   "one, sign in instead.")
        return _form_again(request, "signup.html", "Sign up", form, next, message)
    outbox.mail_soon(request, background)
    auth.log_in(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"title": "Sign in", "next": safe_next(next),
                                          "form": {}, "error": None, "noindex": True})


@router.post("/login", dependencies=[Csrf])
def login(request: Request, login: Text = "", password: Text = "", next: Text = "/") -> Response:
    auth.rate_limit(request, "login")
    auth.rate_limit(request, "login", account=login.strip().lower()[:254])
    with request.app.state.db.engine.begin() as conn:
        user = service.sign_in(conn, login, password)
    if user is None:
        return _form_again(request, "login.html", "Sign in", {"login": login}, next,
                           "That email or name and password do not match an account.")
    auth.log_in(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request) -> Response:
    auth.log_out(request)
    return RedirectResponse("/", status_code=303)


@router.get(ACCOUNT)
def account_page(request: Request, user: User = Depends(require_user),
                 done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    return _account(request, user, notice=done_notice(done, user))


@router.post(ACCOUNT + "/confirmation", dependencies=[Csrf])
def confirm_again(request: Request, background: BackgroundTasks,
                  user: User = Depends(require_user),
                  next: Annotated[str, Form(max_length=64)] = ACCOUNT) -> Response:
    """Mail the link that confirms the user's address again (one a day); back to the page
    the button was on, the account page or the settings page, and nowhere else."""
    auth.rate_limit(request, "mail-link", user)
    if user.confirmed:
        outcome = "confirmed"
    elif confirmation.queue_confirmation(request.app.state.db, user):
        outbox.mail_soon(request, background)
        outcome = "confirm-sent"
    else:
        outcome = "confirm-before"
    back = next if next == SETTINGS else ACCOUNT
    return RedirectResponse(f"{back}?done={outcome}", status_code=303)


@router.post("/account/password", dependencies=[Csrf])
def change_password(request: Request, user: User = Depends(require_user),
                    current: Text = "", password: Text = "", password_again: Text = "",
                    ) -> Response:
    auth.rate_limit(request, "login", user)
    if not service.password_matches(user, current):
        return _account(request, user, error="Your current password is not that.")
    if password != password_again:
        return _account(request, user, error="The two new passwords differ.")
    try:
        with request.app.state.db.engine.begin() as conn:
            service.change_password(conn, user, password)
            fresh = users.by_id(conn, user.id)
    except rules.InvalidInput as problem:
        return _account(request, user, error=f"New password: {problem.reason}.")
    assert fresh is not None
    auth.log_in(request, fresh)  # other sessions ended with the old epoch; this one goes on
    return _account(request, fresh, notice="Password changed; other sessions were signed out.")


@router.post("/account/name", dependencies=[Csrf])
def change_name(request: Request, user: User = Depends(require_user),
                name: Annotated[str, Form(max_length=64)] = "") -> Response:
    """A new public name (the one in /u/NAME and beside comments); the old one is free again."""
    auth.rate_limit(request, "write", user)
    try:
        with request.app.state.db.engine.begin() as conn:
            users.rename(conn, user.id, rules.name(name))
            fresh = users.by_id(conn, user.id)
    except rules.InvalidInput as problem:
        return _account(request, user, error=f"Name: {problem.reason}.")
    except UserExists:
        return _account(request, user, error="Name: someone has that name already.")
    assert fresh is not None
    return _account(request, fresh, notice=f"You are {fresh.name} now.")


@router.post("/account/timezone", dependencies=[Csrf])
def change_timezone(request: Request, user: User = Depends(require_user),
                    timezone: Annotated[str, Form(max_length=64)] = "") -> Response:
    auth.rate_limit(request, "write", user)
    try:
        chosen = rules.timezone(timezone)
    except rules.InvalidInput as problem:
        return _account(request, user, error=f"Time zone: {problem.reason}.")
    with request.app.state.db.engine.begin() as conn:
        users.set_timezone(conn, user.id, chosen)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/tokens", dependencies=[Csrf])
def create_token(request: Request, user: User = Depends(require_user),
                 name: Annotated[str, Form(max_length=64)] = "") -> Response:
    auth.rate_limit(request, "write", user)
    with request.app.state.db.engine.begin() as conn:
        token = service.new_token(conn, user, name)
    return _account(request, user, new_token=token)


@router.post("/account/tokens/{token_id}/revoke", dependencies=[Csrf])
def revoke_token(request: Request, token_id: int, user: User = Depends(require_user)
                 ) -> Response:
    with request.app.state.db.engine.begin() as conn:
        tokens.revoke(conn, user.id, token_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/logout-everywhere", dependencies=[Csrf])
def logout_everywhere(request: Request, user: User = Depends(require_user)) -> Response:
    with request.app.state.db.engine.begin() as conn:
        users.end_sessions(conn, user.id)
    auth.log_out(request)
    return RedirectResponse("/login", status_code=303)


@router.post("/account/delete", dependencies=[Csrf])
def delete_account(request: Request, user: User = Depends(require_user),
                   password: Text = "") -> Response:
    auth.rate_limit(request, "login", user)
    if not service.password_matches(user, password):
        return _account(request, user, error="To delete your account, give your password.")
    with request.app.state.db.engine.begin() as conn:
        users.remove(conn, user.id)
    auth.log_out(request)
    return RedirectResponse("/", status_code=303)


def _account(request: Request, user: User, *, error: str | None = None,
             notice: str | None = None, new_token: str | None = None) -> Response:
    with request.app.state.db.engine.connect() as conn:
        user_tokens = tokens.of_user(conn, user.id)
    return render(request, "account.html", {
        "title": "Your account", "user": user, "tokens": user_tokens, "error": error,
        "notice": notice, "new_token": new_token, "noindex": True},
        status_code=400 if error else 200)


def _form_again(request: Request, template: str, title: str, form: dict[str, str], next: str,
                error: str) -> Response:
    return render(request, template, {"title": title, "form": form, "next": safe_next(next),
                                      "error": error, "noindex": True}, status_code=400)
