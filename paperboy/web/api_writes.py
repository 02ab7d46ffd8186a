"""API writes for scripts, authenticated by a token (`Authorization: Bearer pb_…`, made on the
account page or with `paperboy user token`): upvote, comment, add to a collection, manage
digest subscriptions. No cookies
are read here, so there is nothing for CSRF to forge."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from paperboy.errors import InvalidValue
from paperboy.store import collections, comments, papers, subscriptions, votes
from paperboy.store.comments import Comment
from paperboy.store.users import User
from paperboy.views import api_timestamp
from paperboy.web import auth
from paperboy.web.comments import MAX_COMMENT, checked_body
from paperboy.web.errors import PageError
from paperboy.web.votes import paper_row

router = APIRouter(tags=["api writes"])
PaperId = Annotated[str, Path(description="arXiv id.", max_length=100)]
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid token: `{\"error\": \"...\"}`"}}


def token_user(request: Request) -> User:
    user = auth.user_from_token(request)
    if user is None:
        raise PageError(401, "Token needed", "send Authorization: Bearer <token> with a valid "
                                             "API token (make one on your account page)")
    auth.rate_limit(request, "write", user)
    return user


TokenUser = Annotated[User, Depends(token_user)]


class NewComment(BaseModel):
    comment: str = Field(min_length=1, max_length=MAX_COMMENT)
    parentCommentId: int | None = None  # the field names are the API's (camelCase)


class NewSubscription(BaseModel):
    kind: str = Field(description="query, author, category, trending or recommended",
                      max_length=20)
    value: str | int | None = Field(None, description="the search, author name, category or "
                                                      "number of trending papers")


class CollectPaper(BaseModel):
    paperId: str = Field(min_length=1, max_length=100)
    note: str = Field("", max_length=4000)


@router.post("/api/papers/{arxiv_id:path}/upvote", summary="Upvote a paper",
             responses=UNAUTHORIZED)
def upvote(request: Request, arxiv_id: PaperId, user: TokenUser) -> JSONResponse:
    return _vote(request, arxiv_id, user, True)


@router.delete("/api/papers/{arxiv_id:path}/upvote", summary="Take an upvote back",
               responses=UNAUTHORIZED)
def take_back(request: Request, arxiv_id: PaperId, user: TokenUser) -> JSONResponse:
    return _vote(request, arxiv_id, user, False)


@router.post("/api/papers/{arxiv_id:path}/comments", summary="Comment on a paper",
             status_code=201, responses=UNAUTHORIZED)
def comment(request: Request, arxiv_id: PaperId, body: NewComment, user: TokenUser
            ) -> JSONResponse:
    text = checked_body(body.comment)
    with request.app.state.db.engine.begin() as conn:
        try:
            made = comments.add(conn, paper_id=paper_row(conn, arxiv_id), user_id=user.id,
                                body=text, parent_id=body.parentCommentId)
        except LookupError as missing:
            raise PageError(422, "No such comment", str(missing)) from missing
    return JSONResponse(comment_json(made), status_code=201)


@router.post("/api/collections/{slug}/papers", summary="Add a paper to your collection",
             responses=UNAUTHORIZED)
def collect(request: Request, slug: Annotated[str, Path(max_length=100)], body: CollectPaper,
            user: TokenUser) -> JSONResponse:
    with request.app.state.db.engine.begin() as conn:
        chosen = collections.get(conn, user.id, slug)
        if chosen is None:
            raise PageError(404, "No such collection", f"you have no collection {slug!r}")
        added = collections.add_paper(conn, chosen.id, paper_row(conn, body.paperId),
                                      body.note.strip())
    return JSONResponse({"collection": slug, "paperId": body.paperId, "added": added})


@router.get("/api/subscriptions", summary="Your digest subscriptions", responses=UNAUTHORIZED)
def list_subscriptions(request: Request, user: TokenUser) -> JSONResponse:
    with request.app.state.db.engine.connect() as conn:
        found = subscriptions.for_user(conn, user.id)
    return JSONResponse([subscription_json(s) for s in found])


@router.post("/api/subscriptions", summary="Subscribe to a search, author, category, "
             "trending or recommendations", status_code=201, responses=UNAUTHORIZED)
def add_subscription(request: Request, body: NewSubscription, user: TokenUser) -> JSONResponse:
    try:
        with request.app.state.db.engine.begin() as conn:
            made = subscriptions.add(conn, user.id, body.kind, body.value)
    except InvalidValue as problem:
        raise PageError(422, "Invalid subscription", str(problem)) from problem
    return JSONResponse(subscription_json(made), status_code=201)


@router.delete("/api/subscriptions/{subscription_id}", summary="Remove a subscription",
               responses=UNAUTHORIZED)
def remove_subscription(request: Request, subscription_id: int, user: TokenUser
                        ) -> JSONResponse:
    with request.app.state.db.engine.begin() as conn:
        removed = subscriptions.remove(conn, subscription_id, user_id=user.id)
    if not removed:
        raise PageError(404, "No such subscription", f"you have no subscription {subscription_id}")
    return JSONResponse({"id": subscription_id, "removed": True})


def subscription_json(found: subscriptions.Subscription) -> dict[str, Any]:
    return {"id": found.id, "kind": found.kind, "value": found.value,
            "description": found.describe(), "createdAt": api_timestamp(found.created_at)}


def _vote(request: Request, paper_id: str, user: User, up: bool) -> JSONResponse:
    with request.app.state.db.engine.begin() as conn:
        row = paper_row(conn, paper_id)
        changed = votes.add(conn, user.id, row) if up else votes.remove(conn, user.id, row)
        record = papers.get(conn, paper_id)
    assert record is not None
    return JSONResponse({"paperId": paper_id, "upvoted": up, "changed": changed,
                         "upvotes": record.upvotes or 0})


def comment_json(made: Comment) -> dict[str, Any]:
    return {"id": made.id, "comment": made.body, "author": made.author,
            "parentCommentId": made.parent_id, "createdAt": api_timestamp(made.created_at)}
