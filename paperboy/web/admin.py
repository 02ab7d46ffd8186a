"""Admins: hide a paper (out of listings, search, feeds and the API) or show it again, suspend
a user or lift it. Comments are hidden from their thread (see comments.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from paperboy.store import papers, users
from paperboy.store.users import User
from paperboy.views import PaperView
from paperboy.web.auth import require_admin, verify_csrf
from paperboy.web.errors import PageError
from paperboy.web.links import paper_path
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)
Csrf = Depends(verify_csrf)
Flag = Annotated[str, Form(max_length=5)]


@router.get("/admin")
def admin_page(request: Request, admin: User = Depends(require_admin)) -> Response:
    with request.app.state.db.engine.connect() as conn:
        hidden = [PaperView.of(r) for r in papers.hidden(conn)]
        suspended = users.suspended(conn)
    return render(request, "admin.html", {"title": "Admin", "hidden": hidden,
                                          "suspended": suspended, "noindex": True})


@router.post("/admin/papers/{paper_id:path}/hide", dependencies=[Csrf])
def hide_paper(request: Request, paper_id: str, admin: User = Depends(require_admin),
               hidden: Flag = "1") -> Response:
    with request.app.state.db.engine.begin() as conn:
        row = papers.row_id(conn, paper_id, hidden_too=True)
        if row is None:
            raise PageError(404, "Paper not found", f"This hub has no paper {paper_id[:100]!r}.")
        papers.set_hidden(conn, row, hidden == "1")
    return RedirectResponse("/admin" if hidden == "1" else paper_path(paper_id), status_code=303)


@router.post("/admin/users/{name}/suspend", dependencies=[Csrf])
def suspend_user(request: Request, name: str, admin: User = Depends(require_admin),
                 suspended: Flag = "1") -> Response:
    with request.app.state.db.engine.begin() as conn:
        user = users.by_name(conn, name[:64])
        if user is None:
            raise PageError(404, "No such user", f"There is no user {name[:64]!r}.")
        if user.id == admin.id:
            raise PageError(400, "Not yourself", "Admins cannot suspend themselves.")
        users.set_suspended(conn, user.id, suspended == "1")
    return RedirectResponse("/admin", status_code=303)
