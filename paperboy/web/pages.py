"""HTML pages. Handlers are thin: read from the store, render a template."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from paperboy.store import papers

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    with request.app.state.db.engine.connect() as conn:
        latest = papers.latest(conn, limit=100)
        total = papers.count(conn)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "index.html", {"papers": latest, "total": total})
    return response
