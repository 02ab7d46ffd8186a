"""The manage link from a mail: the digest settings page without a password (mail/manage.py).

Following `/digest/manage?token=…` keeps the token in this browser's signed session (under
its own key: the visitor is not signed in) and redirects to `/digest/manage`, so the token
leaves the address bar and every form of the page posts without it. Each request reads the
token again, so its expiry, a new password or "end every link" take effect at once. An address
with a password is sent to sign in instead. A bad token gets a page that says what is wrong
and mails a new link on request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperboy.accounts import rules
from paperboy.mail import manage, tokens
from paperboy.web import auth, outbox
from paperboy.web import desk as pages
from paperboy.web.auth import current_user, verify_csrf
from paperboy.web.desk import Desk, ScheduleForm, Short, Text, schedule_form
from paperboy.web.errors import PageError
from paperboy.web.links import with_next
from paperboy.web.subscriptions import SETTINGS
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)
Csrf = Depends(verify_csrf)
Email = Annotated[str, Form(max_length=254)]
Password = Annotated[str, Form(max_length=rules.MAX_PASSWORD)]
GRANT = "manage"  # the session key holding the manage token this browser last opened
PAGE = "/digest/manage"
LINK_FORM = "_manage_link_form.html"
NO_GRANT = ("This page needs the manage link from your latest digest or confirmation mail. "
            "Open that link again, or have a new one mailed to you.")


def link_desk(request: Request) -> Desk:
    """The desk of the manage token in this browser's session; a page that mails a new link
    when there is none or it no longer works."""
    token = request.session.get(GRANT)
    if not isinstance(token, str):
        raise PageError(403, "Manage link needed", NO_GRANT, LINK_FORM)
    try:
        return Desk(manage.holder(request.app.state.db, request.app.state.settings, token),
                    signed_in=False)
    except tokens.InvalidToken as exc:
        request.session.pop(GRANT, None)
        raise PageError(403, "Manage link", str(exc), LINK_FORM) from exc
    except manage.SignInInstead:
        request.session.pop(GRANT, None)
        raise auth.SignInRequired() from None


ByLink = Annotated[Desk, Depends(link_desk)]


@router.get(PAGE)
def manage_page(request: Request, token: Annotated[str | None, Query(max_length=600)] = None,
                done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    if token is not None:
        return _open_link(request, token)
    if not isinstance(request.session.get(GRANT), str) and current_user(request) is not None:
        return RedirectResponse(SETTINGS, status_code=303)
    return pages.page(request, link_desk(request), done=done)


def _open_link(request: Request, token: str) -> Response:
    try:
        manage.holder(request.app.state.db, request.app.state.settings, token)
    except tokens.InvalidToken as exc:
        raise PageError(400, "Manage link", str(exc), LINK_FORM) from exc
    except manage.SignInInstead as account:
        viewer = current_user(request)
        target = (SETTINGS if viewer is not None and viewer.id == account.user.id
                  else with_next("/login", SETTINGS))
        return RedirectResponse(target, status_code=303)
    request.session[GRANT] = token
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/subscriptions", dependencies=[Csrf])
def add_subscription(request: Request, background: BackgroundTasks, desk: ByLink,
                     kind: Short = "", value: Text = "") -> Response:
    return pages.add(request, background, desk, kind, value)


@router.post(PAGE + "/subscriptions/{subscription_id}/remove", dependencies=[Csrf])
def remove_subscription(request: Request, subscription_id: int, desk: ByLink) -> Response:
    return pages.remove(request, desk, subscription_id)


@router.post(PAGE + "/schedule", dependencies=[Csrf])
def save_schedule(request: Request, desk: ByLink,
                  form: ScheduleForm = Depends(schedule_form)) -> Response:
    return pages.save_schedule(request, desk, form)


@router.post(PAGE + "/schedule/pause", dependencies=[Csrf])
def pause_digest(request: Request, desk: ByLink, paused: Short = "1") -> Response:
    return pages.pause(request, desk, paused == "1")


@router.post(PAGE + "/password-link", dependencies=[Csrf])
def mail_password_link(request: Request, background: BackgroundTasks, desk: ByLink) -> Response:
    auth.rate_limit(request, "mail-link", desk.user)
    manage.request_password_link(request.app.state.db, desk.user)
    outbox.mail_soon(request, background)
    hours = tokens.PASSWORD_MAX_AGE // 3600
    return pages.page(request, desk, notice=f"A link to choose your password is on its way to "
                                            f"{desk.user.email}. It works once, for {hours} "
                                            "hours.")


@router.post(PAGE + "/end-links", dependencies=[Csrf])
def end_links(request: Request, background: BackgroundTasks, desk: ByLink) -> Response:
    auth.rate_limit(request, "mail-link", desk.user)
    manage.end_links(request.app.state.db, desk.user)
    request.session.pop(GRANT, None)
    outbox.mail_soon(request, background)
    return _message(request, "Every manage link ended",
                    f"Every earlier link to manage the digest of {desk.user.email} has stopped "
                    "working, this page's too. A new one is on its way to that address.")


@router.get(PAGE + "/link")
def link_form(request: Request) -> Response:
    return _link_page(request)


@router.post(PAGE + "/link", dependencies=[Csrf])
def mail_new_link(request: Request, background: BackgroundTasks, email: Email = "") -> Response:
    auth.rate_limit(request, "mail-link")
    auth.rate_limit(request, "mail-link", account=email.strip().lower()[:254])
    try:
        address = manage.request_link(request.app.state.db, email)
    except rules.InvalidInput as exc:
        return _link_page(request, email, str(exc), 400)
    outbox.mail_soon(request, background)
    days = tokens.MANAGE_MAX_AGE // 86400
    return _message(request, "Check your inbox",
                    f"If {address} gets digests here, a new link to manage them is on its way. "
                    f"It works for {days} days.")


@router.get("/digest/password")
def password_form(request: Request,
                  token: Annotated[str, Query(max_length=600)] = "") -> Response:
    _password_holder(request, token)
    return _password_page(request, token)


@router.post("/digest/password", dependencies=[Csrf])
def choose_password(request: Request, token: Text = "", password: Password = "",
                    password_again: Password = "") -> Response:
    auth.rate_limit(request, "login")
    try:
        rules.same_passwords(password, password_again)
        user = manage.choose_password(request.app.state.db, request.app.state.settings, token,
                                      password)
    except rules.InvalidInput as problem:
        return _password_page(request, token, f"Password: {problem.reason}.", 400)
    except tokens.InvalidToken as exc:
        raise PageError(400, "Password link", str(exc), LINK_FORM) from exc
    except manage.SignInInstead as exc:
        raise _has_password(exc) from exc
    auth.log_in(request, user)
    return RedirectResponse(f"{SETTINGS}?done=password", status_code=303)


def _password_holder(request: Request, token: str) -> None:
    try:
        manage.password_holder(request.app.state.db, request.app.state.settings, token)
    except tokens.InvalidToken as exc:
        raise PageError(400, "Password link", str(exc), LINK_FORM) from exc
    except manage.SignInInstead as exc:
        raise _has_password(exc) from exc


def _has_password(exc: manage.SignInInstead) -> PageError:
    return PageError(400, "Password link", f"{exc.user.email} has a password already: sign "
                                           "in with it.")


def _password_page(request: Request, token: str, error: str | None = None,
                   status_code: int = 200) -> Response:
    return render(request, "digest_password.html", {
        "title": "Choose a password", "token": token, "error": error, "noindex": True},
        status_code=status_code)


def _link_page(request: Request, email: str = "", error: str | None = None,
               status_code: int = 200) -> Response:
    return render(request, "digest_manage_link.html", {
        "title": "A link to manage your digest", "email": email, "error": error,
        "noindex": True}, status_code=status_code)


def _message(request: Request, title: str, message: str) -> Response:
    return render(request, "digest_message.html", {"title": title, "message": message,
                                                   "noindex": True})
