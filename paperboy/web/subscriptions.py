"""Delivery on the web: the settings page (subscriptions and digest schedule; the page itself
is web/desk.py, shared with the manage link's web/manage.py), the digest preview, "For you",
sign-up for digests by email alone (double opt-in), the confirmation link, one-click
unsubscribe (RFC 8058, no sign-in: the signed token is the proof) and the admin's view of jobs
and failed mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import Response

from paperboy import schedule
from paperboy.config import Settings
from paperboy.errors import PaperboyError
from paperboy.mail import digests as digest_runs
from paperboy.mail import signup, tokens
from paperboy.mail.recommend import for_you
from paperboy.ranking import InvalidPeriod, Period, parse_day
from paperboy.store import deliveries, digests, subscriptions
from paperboy.store import jobs as job_store
from paperboy.store.users import User
from paperboy.views import PaperView
from paperboy.web import auth, outbox
from paperboy.web import desk as pages
from paperboy.web.auth import current_user, require_admin, require_user, verify_csrf
from paperboy.web.desk import Desk, ScheduleForm, Short, Text, schedule_form
from paperboy.web.errors import PageError
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)
Csrf = Depends(verify_csrf)
SETTINGS = "/settings/subscriptions"


def signed_in_desk(user: User = Depends(require_user)) -> Desk:
    return Desk(user, signed_in=True)


SignedIn = Annotated[Desk, Depends(signed_in_desk)]


@router.get(SETTINGS)
def subscriptions_page(request: Request, desk: SignedIn,
                       done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    return pages.page(request, desk, done=done)


@router.post(SETTINGS, dependencies=[Csrf])
def add_subscription(request: Request, background: BackgroundTasks, desk: SignedIn,
                     kind: Short = "", value: Text = "") -> Response:
    return pages.add(request, background, desk, kind, value)


@router.post(SETTINGS + "/{subscription_id}/remove", dependencies=[Csrf])
def remove_subscription(request: Request, subscription_id: int, desk: SignedIn) -> Response:
    return pages.remove(request, desk, subscription_id)


@router.post("/settings/digest", dependencies=[Csrf])
def save_schedule(request: Request, desk: SignedIn,
                  form: ScheduleForm = Depends(schedule_form)) -> Response:
    return pages.save_schedule(request, desk, form)


@router.post("/settings/digest/pause", dependencies=[Csrf])
def pause_digest(request: Request, desk: SignedIn, paused: Short = "1") -> Response:
    return pages.pause(request, desk, paused == "1")


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
                       pages.number(hour, "hour"))
    except PaperboyError as exc:
        return _signup_page(request, form, str(exc), 400)
    outbox.mail_soon(request, background)
    return render(request, "digest_message.html", {
        "title": "Check your inbox", "noindex": True,
        "message": f"If {email.strip().lower()} can receive digests, a confirmation mail is on "
                   "its way. Follow its link to start your digest."})


@router.get("/digest/confirm")
def confirm_form(request: Request, token: str = "") -> Response:
    return render(request, "digest_message.html", {
        "title": "Confirm your address", "noindex": True, "action": "/digest/confirm",
        "token": token[:500], "button": "Confirm my address",
        "message": "One more step: confirm that this address is yours and wants the paper "
                   "digest."})


@router.post("/digest/confirm")
def confirm_post(request: Request, token: Text = "") -> Response:
    try:
        signup.confirm(request.app.state.db, request.app.state.settings, token)
    except tokens.InvalidToken as exc:
        raise PageError(400, "Confirmation link", str(exc)) from exc
    return render(request, "digest_message.html", {
        "title": "Address confirmed", "noindex": True,
        "message": "Thank you: your digest will arrive at the hour you chose.",
        "link": SETTINGS if current_user(request) else None})


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
