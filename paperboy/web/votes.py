"""Upvote a paper (or take it back) and mark it read: small POST forms that come back to the
page they were sent from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from paperboy.store import papers, reads, votes
from paperboy.store.users import User
from paperboy.web import auth
from paperboy.web.auth import require_user, verify_csrf
from paperboy.web.errors import PageError
from paperboy.web.links import paper_path, safe_next

router = APIRouter(include_in_schema=False)
Flag = Annotated[str, Form(max_length=5)]
Next = Annotated[str, Form(max_length=2000)]


@router.post("/papers/{paper_id:path}/upvote", dependencies=[Depends(verify_csrf)])
def upvote(request: Request, paper_id: str, user: User = Depends(require_user),
           undo: Flag = "", next: Next = "") -> Response:
    auth.rate_limit(request, "write", user)
    with request.app.state.db.engine.begin() as conn:
        row = paper_row(conn, paper_id)
        (votes.remove if undo else votes.add)(conn, user.id, row)
    return RedirectResponse(safe_next(next, paper_path(paper_id)), status_code=303)


@router.post("/papers/{paper_id:path}/read", dependencies=[Depends(verify_csrf)])
def mark_read(request: Request, paper_id: str, user: User = Depends(require_user),
              read: Flag = "1", next: Next = "") -> Response:
    auth.rate_limit(request, "write", user)
    with request.app.state.db.engine.begin() as conn:
        reads.mark(conn, user.id, paper_row(conn, paper_id), read == "1")
    return RedirectResponse(safe_next(next, paper_path(paper_id)), status_code=303)


def paper_row(conn: Connection, uid: str) -> int:
    """The row id of a visible paper, or a 404 page."""
    row = papers.row_id(conn, uid)
    if row is None:
        raise PageError(404, "Paper not found", f"This hub has no paper {uid[:100]!r}.")
    return row
