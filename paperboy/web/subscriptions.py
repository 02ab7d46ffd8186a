"""Delivery on the web: the settings page (subscriptions and digest schedule), the digest
preview, "For you", sign-up for digests by email alone (double opt-in), the confirmation link,
one-click unsubscribe (RFC 8058, no sign-in: the signed token is the proof) and the admin's
view of jobs and failed mails."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperboy import schedule
from paperboy.config import Settings
from paperboy.errors import PaperboyError
from paperboy.mail import digests as digest_runs
from paperboy.mail import signup, tokens
from paperboy.mail.recommend import for_you
from paperboy.ranking import InvalidPeriod, Period, parse_day
from paperboy.store import deliveries, digests, subscriptions, users
from paperboy.store import jobs as job_store
from paperboy.store.users import User
from paperboy.views import PaperView
from paperboy.web import auth
from paperboy.web.auth import current_user, require_admin, require_user, verify_csrf
from paperboy.web.errors import PageError
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("paperboy.web")
Csrf = Depends(verify_csrf)
Text = Annotated[str, Form(max_length=600)]
Short = Annotated[str, Form(max_length=64)]
SETTINGS = "/settings/subscriptions"
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def settings_page(request: Request, user: User, error: str | None = None,
                  notice: str | None = None, status_code: int = 200) -> Response:
    with request.app.state.db.engine.connect() as conn:
        subs = subscriptions.for_user(conn, user.id)
        schedule_now = digests.get(conn, user.id)
        sent = deliveries.for_user(conn, user.id, 10)
    return render(request, "settings_subscriptions.html", {
        "title": "Subscriptions", "subscriptions": subs, "schedule": schedule_now,
        "deliveries": sent, "user": user, "weekdays": WEEKDAYS, "error": error,
        "notice": notice, "frequencies": digests.FREQUENCIES, "noindex": True},
        status_code=status_code)


@router.get(SETTINGS)
def subscriptions_page(request: Request, user: User = Depends(require_user),
                       notice: str | None = None) -> Response:
    return settings_page(request, user, notice=notice[:200] if notice else None)


@router.post(SETTINGS, dependencies=[Csrf])
def add_subscription(request: Request, user: User = Depends(require_user), kind: Short = "",
                     value: Text = "") -> Response:
    auth.rate_limit(request, "write", user)
    try:
        with request.app.state.db.engine.begin() as conn:
            subscriptions.add(conn, user.id, kind, value)
    except subscriptions.InvalidSubscription as exc:
        return settings_page(request, user, error=str(exc), status_code=400)
    return RedirectResponse(f"{SETTINGS}?notice=Subscription+added", status_code=303)


@router.post(SETTINGS + "/{subscription_id}/remove", dependencies=[Csrf])
def remove_subscription(request: Request, subscription_id: int,
                        user: User = Depends(require_user)) -> Response:
    with request.app.state.db.engine.begin() as conn:
        subscriptions.remove(conn, subscription_id, user_id=user.id)
    return RedirectResponse(f"{SETTINGS}?notice=Subscription+removed", status_code=303)


@router.post("/settings/digest", dependencies=[Csrf])
def save_schedule(request: Request, user: User = Depends(require_user), frequency: Short = "",
                  hour: Short = "7", weekday: Short = "0", timezone: Short = "UTC",
                  paused: Short = "") -> Response:
    try:
        numbers = {"hour": _number(hour, "hour"), "weekday": _number(weekday, "weekday")}
        schedule.zone(timezone.strip())
        with request.app.state.db.engine.begin() as conn:
            digests.save(conn, user.id, frequency=frequency, paused=paused == "1", **numbers)
            users.set_timezone(conn, user.id, timezone.strip())
    except (digests.InvalidDigestSettings, schedule.InvalidTimezone) as exc:
        return settings_page(request, user, error=str(exc), status_code=400)
    return RedirectResponse(f"{SETTINGS}?notice=Digest+schedule+saved", status_code=303)


def _number(text: str, field: str) -> int:
    if not text.strip().isdigit():
        raise digests.InvalidDigestSettings(field, f"{text[:20]!r} is not a number")
    return int(text)


@router.get("/digest")
def digest_preview(request: Request, user: User = Depends(require_user),
                   start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                   to: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    """The signed-in user's digest of a period (default: what their next digest would hold)."""
    period = _period(request, user, start, to)
    settings: Settings = request.app.state.settings
    value = digest_runs.preview(request.app.state.db, settings, request.app.state.search,
                                user.id, user.email, user.name, period)
    return render(request, "digest_preview.html", {
        "title": "Your digest", "digest": value, "period": period, "noindex": True})


def _period(request: Request, user: User, start: str | None, end: str | None) -> Period:
    try:
        if start or end:
            first = parse_day(start or end or "", "from")
            last = parse_day(end or start or "", "to")
            if last < first or last - first > timedelta(days=31):
                raise InvalidPeriod("to", "give at most 31 days, the last after the first")
            return Period(first, last)
    except InvalidPeriod as exc:
        raise PageError(400, "Digest dates", str(exc)) from exc
    with request.app.state.db.engine.connect() as conn:
        frequency = digests.get(conn, user.id).frequency
    try:
        today = datetime.now(schedule.zone(user.timezone)).date()
    except schedule.InvalidTimezone:
        today = datetime.now(UTC).date()
    return schedule.covered(today, frequency)


@router.get("/for-you")
def for_you_page(request: Request, user: User = Depends(require_user)) -> Response:
    found, cold = for_you(request.app.state.db, user.id, datetime.now(UTC))
    return render(request, "digest_for_you.html", {
        "title": "For you", "papers": [PaperView.of(p) for p in found], "cold": cold,
        "noindex": True})


@router.get("/digest/signup")
def signup_form(request: Request) -> Response:
    return _signup_page(request, {})


def _signup_page(request: Request, form: dict[str, Any], error: str | None = None,
                 status_code: int = 200) -> Response:
    return render(request, "digest_signup.html", {
        "title": "Get papers by email", "form": form, "error": error, "noindex": True},
        status_code=status_code)


@router.post("/digest/signup", dependencies=[Csrf])
def signup_post(request: Request, background: BackgroundTasks, email: Short = "",
                query: Text = "", category: Short = "", trending: Short = "",
                timezone: Short = "UTC", hour: Short = "7") -> Response:
    auth.rate_limit(request, "signup")
    form = {"email": email, "query": query, "category": category, "trending": trending,
            "timezone": timezone, "hour": hour}
    wanted = [(kind, value.strip()) for kind, value in (("query", query),
                                                        ("category", category)) if value.strip()]
    wanted += [("trending", "10")] if trending else []
    try:
        if not wanted:
            raise subscriptions.InvalidSubscription("subscriptions", "choose at least one")
        signup.sign_up(request.app.state.db, email, wanted, timezone.strip() or "UTC",
                       _number(hour, "hour"))
    except PaperboyError as exc:
        return _signup_page(request, form, str(exc), 400)
    background.add_task(_send_confirmations, request.app.state.db, request.app.state.settings)
    return render(request, "digest_message.html", {
        "title": "Check your inbox", "noindex": True,
        "message": f"If {email.strip().lower()} can receive digests, a confirmation mail is on "
                   "its way. Follow its link to start your digest."})


def _send_confirmations(db: Any, settings: Settings) -> None:
    """After the response: the worker's `confirmations` job retries whatever fails here."""
    try:
        signup.send_confirmations(db, settings)
    except PaperboyError as exc:
        log.warning("confirmation mails not sent yet (the worker will retry): %s", exc)


@router.get("/digest/confirm")
def confirm_form(request: Request, token: str = "") -> Response:
    return render(request, "digest_message.html", {
        "title": "Confirm your digest", "noindex": True, "action": "/digest/confirm",
        "token": token[:500], "button": "Confirm my subscription",
        "message": "One more step: confirm that you want the paper digest."})


@router.post("/digest/confirm")
def confirm_post(request: Request, token: Text = "") -> Response:
    try:
        signup.confirm(request.app.state.db, request.app.state.settings, token)
    except tokens.InvalidToken as exc:
        raise PageError(400, "Confirmation link", str(exc)) from exc
    return render(request, "digest_message.html", {
        "title": "Subscription confirmed", "noindex": True,
        "message": "Thank you: your digest will arrive at the hour you chose."})


@router.get("/unsubscribe")
def unsubscribe_form(request: Request, token: str = "") -> Response:
    return render(request, "digest_message.html", {
        "title": "Unsubscribe", "noindex": True, "action": "/unsubscribe", "token": token[:500],
        "button": "Stop my digest", "message": "Stop sending me the paper digest."})


@router.post("/unsubscribe")
def unsubscribe_post(request: Request, token: str = "", form_token: Annotated[
        str, Form(alias="token", max_length=600)] = "") -> Response:
    """RFC 8058 one-click: the token rides in the URL (mail clients POST to it) or the form."""
    try:
        email = signup.unsubscribe(request.app.state.db, request.app.state.settings,
                                   token or form_token)
    except tokens.InvalidToken as exc:
        raise PageError(400, "Unsubscribe link", str(exc)) from exc
    signed_in = current_user(request)
    return render(request, "digest_message.html", {
        "title": "Unsubscribed", "noindex": True,
        "message": f"No more digests will be sent to {email}.",
        "link": SETTINGS if signed_in else None})


@router.get("/admin/delivery")
def delivery_status(request: Request, admin: User = Depends(require_admin)) -> Response:
    with request.app.state.db.engine.connect() as conn:
        jobs = job_store.all_jobs(conn)
        runs = job_store.recent_runs(conn, 30)
        failures = deliveries.failures(conn, 100)
        counts = deliveries.counts(conn)
    return render(request, "settings_admin_delivery.html", {
        "title": "Delivery status", "jobs": jobs, "runs": runs, "failures": failures,
        "counts": counts, "noindex": True})
