"""The digest settings page, one page for two kinds of visitor: the signed-in user
(`/settings/subscriptions`, web/subscriptions.py) and the holder of a manage link from a mail
(`/digest/manage`, web/manage.py). Same page, same checks, same writes; a `Desk` says whose
digest it is and where its forms post. The routes only differ in who they let in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response

from paperboy import schedule
from paperboy.errors import InvalidValue
from paperboy.mail import signup, tokens
from paperboy.store import deliveries, digests, subscriptions, users
from paperboy.store.users import User
from paperboy.web import auth, outbox
from paperboy.web.templating import render

Text = Annotated[str, Form(max_length=600)]
Short = Annotated[str, Form(max_length=64)]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# What a form did, named in the redirect after it (`?done=added`): the page shows a fixed
# sentence (with the user's own address), never text from the address bar.
DONE = {
    "added": "Subscription added.",
    "added-confirm": "Subscription added. A link to confirm {email} is on its way: your "
                     "digest starts once you follow it.",
    "confirm-sent": "A link to confirm {email} is on its way: digests start once you follow "
                    "it.",
    "confirm-before": "A confirmation link went to {email} today already: look for it (in the "
                      "spam folder too), or ask again tomorrow.",
    "confirmed": "Your address is confirmed.",
    "reset": "Your new password is set: you are signed in, and every other session was "
             "signed out.",
    "removed": "Subscription removed.",
    "saved": "Digest schedule saved.",
    "paused": "Your digest is stopped: nothing more is sent until you resume it.",
    "resumed": "Your digest is on again.",
    "password": "Your password is set: you are signed in, and sign in with your email from "
                "now on.",
}


@dataclass(frozen=True)
class Desk:
    user: User
    signed_in: bool  # False: a manage link's holder, who may change this digest and no more

    @property
    def page(self) -> str:
        return "/settings/subscriptions" if self.signed_in else "/digest/manage"

    @property
    def add(self) -> str:
        return "/settings/subscriptions" if self.signed_in else "/digest/manage/subscriptions"

    def remove(self, subscription_id: int) -> str:
        return f"{self.add}/{subscription_id}/remove"

    @property
    def schedule(self) -> str:
        return "/settings/digest" if self.signed_in else "/digest/manage/schedule"

    @property
    def pause(self) -> str:
        return f"{self.schedule}/pause"


@dataclass(frozen=True)
class ScheduleForm:
    frequency: str
    hour: str
    weekday: str
    timezone: str
    paused: bool


def schedule_form(frequency: Short = "", hour: Short = "7", weekday: Short = "0",
                  timezone: Short = "UTC", paused: Short = "") -> ScheduleForm:
    """The schedule form's fields (a dependency both desks' routes share)."""
    return ScheduleForm(frequency, hour, weekday, timezone.strip(), paused == "1")


def done_notice(done: str | None, user: User) -> str | None:
    """The sentence of a `?done=` code, for this user; None for an unknown code."""
    sentence = DONE.get(done or "")
    return sentence.format(email=user.email) if sentence else None


def page(request: Request, desk: Desk, *, error: str | None = None, done: str | None = None,
         notice: str | None = None, status_code: int = 200) -> Response:
    with request.app.state.db.engine.connect() as conn:
        subs = subscriptions.for_user(conn, desk.user.id)
        schedule_now = digests.get(conn, desk.user.id)
        sent = deliveries.for_user(conn, desk.user.id, 10, kind="digest")
    response = render(request, "settings_subscriptions.html", {
        "title": "Subscriptions" if desk.signed_in else "Your digest", "desk": desk,
        "user": desk.user, "subscriptions": subs, "schedule": schedule_now,
        "deliveries": sent, "weekdays": WEEKDAYS, "frequencies": digests.FREQUENCIES,
        "error": error, "notice": notice or done_notice(done, desk.user), "noindex": True,
        "password_hours": tokens.PASSWORD_MAX_AGE // 3600,
        "manage_days": tokens.MANAGE_MAX_AGE // 86400}, status_code=status_code)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def done(desk: Desk, what: str) -> Response:
    return RedirectResponse(f"{desk.page}?done={what}", status_code=303)


def add(request: Request, background: BackgroundTasks, desk: Desk, kind: str, value: str
        ) -> Response:
    auth.rate_limit(request, "write", desk.user)
    try:
        confirming = signup.add_subscription(request.app.state.db, desk.user, kind, value)
    except InvalidValue as exc:
        return page(request, desk, error=str(exc), status_code=400)
    if not confirming:
        return done(desk, "added")
    outbox.mail_soon(request, background)
    return done(desk, "added-confirm")


def remove(request: Request, desk: Desk, subscription_id: int) -> Response:
    auth.rate_limit(request, "write", desk.user)
    with request.app.state.db.engine.begin() as conn:
        subscriptions.remove(conn, subscription_id, user_id=desk.user.id)
    return done(desk, "removed")


def save_schedule(request: Request, desk: Desk, form: ScheduleForm) -> Response:
    auth.rate_limit(request, "write", desk.user)
    try:
        numbers = {"hour": number(form.hour, "hour"), "weekday": number(form.weekday, "weekday")}
        schedule.zone(form.timezone)
        with request.app.state.db.engine.begin() as conn:
            digests.save(conn, desk.user.id, frequency=form.frequency, paused=form.paused,
                         **numbers)
            users.set_timezone(conn, desk.user.id, form.timezone)
    except (digests.InvalidDigestSettings, schedule.InvalidTimezone) as exc:
        return page(request, desk, error=str(exc), status_code=400)
    return done(desk, "saved")


def pause(request: Request, desk: Desk, paused: bool) -> Response:
    auth.rate_limit(request, "write", desk.user)
    with request.app.state.db.engine.begin() as conn:
        digests.save(conn, desk.user.id, paused=paused)
    return done(desk, "paused" if paused else "resumed")


def number(text: str, field: str) -> int:
    """A form's whole number, or InvalidDigestSettings naming the field."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 6:  # not "²" or "٣"
        raise digests.InvalidDigestSettings(field, f"{text[:20]!r} is not a number")
    return int(cleaned)
