"""Forgot your password? (mail/reset.py): `/password/forgot` takes an address and answers the
same whether or not it has an account; the mailed `/password/reset?token=…` link opens the
form that sets a new password, signs the person in and signs out every other session. A link
that does not work says why and offers to mail a new one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperboy.accounts import rules
from paperboy.mail import reset, tokens
from paperboy.store.users import User
from paperboy.web import auth, outbox
from paperboy.web.auth import verify_csrf
from paperboy.web.errors import PageError
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)
Csrf = Depends(verify_csrf)
Email = Annotated[str, Form(max_length=254)]
Password = Annotated[str, Form(max_length=rules.MAX_PASSWORD)]
Token = Annotated[str, Form(max_length=600)]
REQUEST_FORM = "_reset_request_form.html"
MINUTES = tokens.RESET_MAX_AGE // 60


@router.get("/password/forgot")
def forgot_page(request: Request) -> Response:
    return _forgot_page(request)


@router.post("/password/forgot", dependencies=[Csrf])
def mail_reset_link(request: Request, background: BackgroundTasks, email: Email = ""
                    ) -> Response:
    auth.rate_limit(request, "mail-link")
    auth.rate_limit(request, "mail-link", account=email.strip().lower()[:254])
    try:
        address = reset.request_reset(request.app.state.db, email)
    except rules.InvalidInput as problem:
        return _forgot_page(request, email, f"Email: {problem.reason}.", 400)
    outbox.mail_soon(request, background)
    return render(request, "digest_message.html", {
        "title": "Check your inbox", "noindex": True,
        "message": f"If an account here uses {address}, a link to choose a new password is on "
                   f"its way to it. It works once, for {MINUTES} minutes."})


@router.get("/password/reset")
def reset_page(request: Request, token: Annotated[str, Query(max_length=600)] = "") -> Response:
    user = _link_user(request, token)
    return _reset_page(request, token, user.email)


@router.post("/password/reset", dependencies=[Csrf])
def set_new_password(request: Request, token: Token = "", password: Password = "",
                     password_again: Password = "") -> Response:
    auth.rate_limit(request, "login")
    email = _link_user(request, token).email
    try:
        rules.same_passwords(password, password_again)
        user = reset.reset_password(request.app.state.db, request.app.state.settings, token,
                                    password)
    except rules.InvalidInput as problem:
        return _reset_page(request, token, email, f"New password: {problem.reason}.", 400)
    except tokens.InvalidToken as exc:
        raise _bad_link(exc) from exc
    auth.log_in(request, user)
    return RedirectResponse("/account?done=reset", status_code=303)


def _link_user(request: Request, token: str) -> User:
    try:
        return reset.reset_holder(request.app.state.db, request.app.state.settings, token)
    except tokens.InvalidToken as exc:
        raise _bad_link(exc) from exc


def _bad_link(exc: tokens.InvalidToken) -> PageError:
    return PageError(400, "Password reset link", str(exc), REQUEST_FORM)


def _forgot_page(request: Request, email: str = "", error: str | None = None,
                 status_code: int = 200) -> Response:
    return render(request, "password_forgot.html", {
        "title": "Forgot your password?", "email": email, "error": error,
        "reset_minutes": MINUTES, "noindex": True}, status_code=status_code)


def _reset_page(request: Request, token: str, email: str, error: str | None = None,
                status_code: int = 200) -> Response:
    response = render(request, "password_reset.html", {
        "title": "Choose a new password", "token": token, "email": email, "error": error,
        "noindex": True}, status_code=status_code)
    response.headers["Cache-Control"] = "private, no-store"
    return response
