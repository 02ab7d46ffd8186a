"""Comments: post one or a reply, edit or delete your own; admins hide and show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import Connection

from paperboy.store import comments, papers, users
from paperboy.store.comments import Comment
from paperboy.store.users import User
from paperboy.web import auth
from paperboy.web.auth import require_admin, require_user, verify_csrf
from paperboy.web.errors import PageError
from paperboy.web.links import paper_path
from paperboy.web.markup import mentions, render_comment
from paperboy.web.templating import render
from paperboy.web.votes import paper_row

router = APIRouter(include_in_schema=False)
MAX_COMMENT = 10_000
Body = Annotated[str, Form(max_length=MAX_COMMENT * 2)]
Csrf = Depends(verify_csrf)


def checked_body(body: str) -> str:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise PageError(400, "Empty comment", "Write something before posting.")
    if len(body) > MAX_COMMENT:
        raise PageError(400, "Comment too long",
                        f"Comments hold up to {MAX_COMMENT:,} characters; this had {len(body):,}.")
    return body


@router.post("/papers/{paper_id:path}/comments", dependencies=[Csrf])
def post_comment(request: Request, paper_id: str, user: User = Depends(require_user),
                 body: Body = "", parent: Annotated[int | None, Form()] = None) -> Response:
    auth.rate_limit(request, "write", user)
    text = checked_body(body)
    with request.app.state.db.engine.begin() as conn:
        row = paper_row(conn, paper_id)
        try:
            comment = comments.add(conn, paper_id=row, user_id=user.id, body=text,
                                   parent_id=parent)
        except LookupError as missing:
            raise PageError(400, "No such comment", str(missing)) from missing
    return RedirectResponse(f"{paper_path(paper_id)}#c{comment.id}", status_code=303)


@router.get("/comments/{comment_id}/edit")
def edit_page(request: Request, comment_id: int, user: User = Depends(require_user)
              ) -> Response:
    with request.app.state.db.engine.connect() as conn:
        comment = _own(conn, comment_id, user)
        uid = _paper_uid(conn, comment)
    return render(request, "comment_edit.html", {"title": "Edit comment", "comment": comment,
                                                 "paper_uid": uid, "noindex": True})


@router.post("/comments/{comment_id}/edit", dependencies=[Csrf])
def edit(request: Request, comment_id: int, user: User = Depends(require_user),
         body: Body = "") -> Response:
    auth.rate_limit(request, "write", user)
    text = checked_body(body)
    with request.app.state.db.engine.begin() as conn:
        comment = _own(conn, comment_id, user)
        comments.edit(conn, comment.id, text)
        uid = _paper_uid(conn, comment)
    return RedirectResponse(f"{paper_path(uid)}#c{comment_id}", status_code=303)


@router.post("/comments/{comment_id}/delete", dependencies=[Csrf])
def delete(request: Request, comment_id: int, user: User = Depends(require_user)) -> Response:
    auth.rate_limit(request, "write", user)
    with request.app.state.db.engine.begin() as conn:
        comment = _own(conn, comment_id, user, admin_too=True)
        uid = _paper_uid(conn, comment)
        comments.remove(conn, comment.id)
    return RedirectResponse(f"{paper_path(uid)}#comments", status_code=303)


@router.post("/comments/{comment_id}/hide", dependencies=[Csrf])
def hide(request: Request, comment_id: int, user: User = Depends(require_admin),
         hidden: Annotated[str, Form(max_length=5)] = "1") -> Response:
    with request.app.state.db.engine.begin() as conn:
        comment = comments.get(conn, comment_id)
        if comment is None:
            raise PageError(404, "No such comment", f"There is no comment {comment_id}.")
        comments.set_hidden(conn, comment_id, hidden == "1")
        uid = _paper_uid(conn, comment)
    return RedirectResponse(f"{paper_path(uid)}#c{comment_id}", status_code=303)


def _own(conn: Connection, comment_id: int, user: User, admin_too: bool = False) -> Comment:
    comment = comments.get(conn, comment_id)
    if comment is None or comment.deleted:
        raise PageError(404, "No such comment", f"There is no comment {comment_id}.")
    if comment.user_id != user.id and not (admin_too and user.is_admin):
        raise PageError(403, "Not your comment", "You can change only your own comments.")
    return comment


def _paper_uid(conn: Connection, comment: Comment) -> str:
    return papers.uid_of(conn, comment.paper_id)


@dataclass(frozen=True)
class Node:
    """A comment as shown: its safe HTML and its replies."""

    comment: Comment
    html: Markup
    replies: list[Node] = field(default_factory=list)


def thread(conn: Connection, found: list[Comment], *, admin: bool) -> list[Node]:
    """The comments as a tree in time order; hidden ones only for admins; @mentions of
    existing users linked."""
    named = set().union(*(mentions(c.body) for c in found)) if found else set()
    known = set(users.by_names(conn, sorted(named)))
    nodes = {c.id: Node(c, render_comment(c.body, known.__contains__))
             for c in found if admin or not c.hidden}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id) if node.comment.parent_id else None
        (parent.replies if parent else roots).append(node)
    return roots
