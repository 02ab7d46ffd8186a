"""Who is asking, and may they: signed sessions, CSRF tokens, rate limits, API tokens.

The session is a cookie signed with the secret key (Starlette's SessionMiddleware) holding the
user id, the user's `session_epoch` (bumped on password change, suspension and "log out
everywhere", which ends every older session) and the CSRF token that every form posts back.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from starlette.middleware.sessions import SessionMiddleware

from paperboy.accounts import service
from paperboy.config import Settings
from paperboy.store import limits, users, votes
from paperboy.store.users import User
from paperboy.web.errors import PageError
from paperboy.web.links import with_next

log = logging.getLogger("paperboy.web")

# (hits, window): per client address and, once signed in, per user.
LIMITS = {
    "login": (10, timedelta(minutes=15)),
    "signup": (5, timedelta(hours=1)),
    "write": (60, timedelta(minutes=10)),
    # mails a link: manage, first password, password reset, confirmation again
    "mail-link": (5, timedelta(hours=1)),
}


def add_sessions(app: FastAPI, settings: Settings) -> None:
    """Add the signed-session middleware to `app`."""
    key = settings.secret_key
    if key is None:
        log.warning("PAPERBOY_SECRET_KEY is not set: using a random key, so sessions end "
                    "when the server restarts; set it (32+ characters) in production")
        secret = secrets.token_urlsafe(48)
    else:
        secret = key.get_secret_value()
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="paperboy_session",
                       max_age=settings.session_days * 86400, same_site="lax",
                       https_only=settings.secure_cookies)


def current_user(request: Request) -> User | None:
    """The signed-in user, or None (also for a suspended user or an outdated session)."""
    if "user" in request.state._state:
        cached: User | None = request.state.user
        return cached
    user = None
    user_id, epoch = request.session.get("uid"), request.session.get("epoch")
    if isinstance(user_id, int):
        with request.app.state.db.engine.connect() as conn:
            found = users.by_id(conn, user_id)
        if found is not None and not found.suspended and found.session_epoch == epoch:
            user = found
    request.state.user = user
    return user


def log_in(request: Request, user: User) -> None:
    request.session.clear()  # a new session on sign-in: no fixation
    request.session.update({"uid": user.id, "epoch": user.session_epoch,
                            "csrf": secrets.token_urlsafe(32)})
    request.state.user = user


def log_out(request: Request) -> None:
    request.session.clear()
    request.state.user = None


class SignInRequired(Exception):
    """Raised by `require_user` on pages: answered with a redirect to the sign-in page."""


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise SignInRequired()
    return user


def require_admin(user: User = Depends(require_user)) -> User:
    if not user.is_admin:
        raise PageError(403, "Admins only", "This page is for the hub's admins.")
    return user


def sign_in_redirect(request: Request) -> RedirectResponse:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = path if request.method == "GET" else request.headers.get("referer", "/")
    target = target.removeprefix(str(request.base_url).rstrip("/"))
    return RedirectResponse(with_next("/login", target), status_code=303)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def voted(request: Request) -> set[str]:
    """The uids the signed-in user has upvoted (loaded once per request; a template global)."""
    if "voted" not in request.state._state:
        user = current_user(request)
        with request.app.state.db.engine.connect() as conn:
            request.state.voted = (set(votes.voted_uids(conn, user.id, limit=None))
                                   if user else set())
    found: set[str] = request.state.voted
    return found


def csrf_input(request: Request) -> Markup:
    """The hidden field every form carries (a template global)."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(
        csrf_token(request))


def verify_csrf(request: Request, csrf_token_: str = Form("", alias="csrf_token")) -> None:
    """Every form post carries the session's token; anything else is refused."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, csrf_token_):
        raise PageError(403, "The form expired",
                        "This form was not sent from this site's page, or your session "
                        "changed. Go back, reload the page and try again.")


def rate_limit(request: Request, action: str, user: User | None = None,
               account: str | None = None) -> None:
    """Count this request against `action`'s limits (per address, and per user or account
    name when given); 429 when over."""
    settings: Settings = request.app.state.settings
    allowed, window = LIMITS[action]
    allowed = max(1, round(allowed * settings.rate_limit_scale))
    client = request.client.host if request.client else "unknown"
    keys = [f"{action}:user:{user.id}"] if user else []
    keys += [f"{action}:account:{account}"] if account is not None else [f"{action}:ip:{client}"]
    now = datetime.now(UTC)
    with request.app.state.db.engine.begin() as conn:
        ok = all([limits.hit(conn, key, limit=allowed, window=window, now=now) for key in keys])
    if not ok:
        minutes = int(window.total_seconds() // 60)
        raise PageError(429, "Slow down",
                        f"Too many attempts; this allows {allowed} every {minutes} minutes. "
                        "Wait a little and try again.")


def user_from_token(request: Request) -> User | None:
    """The user of an `Authorization: Bearer pb_…` header, if valid."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    with request.app.state.db.engine.begin() as conn:
        return service.user_of_token(conn, token.strip())
