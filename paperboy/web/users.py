"""A user's page `/u/{name}`: what they upvoted and submitted, their collections; and its
feeds (`/u/{name}/feed.rss|atom`: the papers they upvoted, latest first)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from paperboy.store import collections, comments, listings, papers, users, votes
from paperboy.store.users import User
from paperboy.views import PaperView
from paperboy.web import feeds
from paperboy.web.auth import current_user
from paperboy.web.errors import PageError
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)
SHOWN = 30


@router.get("/u/{name}")
def user_page(request: Request, name: str) -> Response:
    viewer = current_user(request)
    with request.app.state.db.engine.connect() as conn:
        user = find_user(conn, name)
        upvoted = papers.get_many(conn, votes.voted_uids(conn, user.id, limit=SHOWN))
        submitted = listings.submitted_by(conn, user.name, limit=SHOWN)
        own = viewer is not None and viewer.id == user.id
        lists = collections.of_user(conn, user.id, private_too=own)
        comment_count = comments.count_by_user(conn, user.id)
    path = f"/u/{user.name}"
    return render(request, "user.html", {
        "title": user.name, "user": user, "own": own, "collections": lists,
        "upvoted": [PaperView.of(r) for r in upvoted],
        "submitted": [PaperView.of(r) for r in submitted], "comment_count": comment_count,
        "feeds": feeds.alternates(path, f"Upvoted by {user.name}")})


@router.get("/u/{name}/feed.{fmt}")
def user_feed(request: Request, name: str, fmt: str) -> Response:
    kind = feeds.feed_format(fmt)
    with request.app.state.db.engine.connect() as conn:
        user = find_user(conn, name)
        upvoted = papers.get_many(conn, votes.voted_uids(conn, user.id, limit=feeds.FEED_SIZE))
    channel = feeds.Channel(f"Upvoted by {user.name}", f"Papers {user.name} upvoted on this hub",
                            f"/u/{user.name}")
    return feeds.response(request, kind, channel, [PaperView.of(r) for r in upvoted])


def find_user(conn: Connection, name: str) -> User:
    """The user called `name`, or a 404 page (suspended users are not shown)."""
    user = users.by_name(conn, name[:64])
    if user is None or user.suspended:
        raise PageError(404, "No such user", f"There is no user {name[:64]!r} on this hub.")
    return user
