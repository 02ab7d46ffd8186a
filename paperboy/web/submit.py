"""`/submit`: a signed-in user names a recent arXiv paper; it joins today's listing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from paperboy.fetchers.submit import Refused, submit
from paperboy.store.users import User
from paperboy.web import auth
from paperboy.web.auth import require_user, verify_csrf
from paperboy.web.links import paper_path
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/submit")
def submit_page(request: Request, user: User = Depends(require_user)) -> Response:
    return _page(request, "", None)


@router.post("/submit", dependencies=[Depends(verify_csrf)])
async def submit_paper(request: Request, user: User = Depends(require_user),
                       paper: Annotated[str, Form(max_length=300)] = "") -> Response:
    auth.rate_limit(request, "write", user)
    try:  # arXiv is asked over the network: off the event loop
        record = await run_in_threadpool(submit, request.app.state.db, request.app.state.settings,
                                         paper, user.name)
    except Refused as refused:
        return _page(request, paper, refused)
    return RedirectResponse(paper_path(record.uid), status_code=303)


def _page(request: Request, given: str, refused: Refused | None) -> Response:
    return render(request, "submit.html", {
        "title": "Submit a paper", "given": given, "refused": refused,
        "window": request.app.state.settings.submit_window_days, "noindex": True},
        status_code=400 if refused else 200)
