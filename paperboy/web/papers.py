"""The page of one paper: `/papers/{id}`, for arXiv ids (new and old style) and our own ids.

Registered after the API, whose `/papers/{id}.md` must keep its path, and after the listings,
whose `/papers/date/...`, `/papers/week/...`, `/papers/month/...` and `/papers/trending` come
first. A versioned or prefixed arXiv id (`2401.00001v2`, `arXiv:2401.00001`) redirects to the
paper's one address.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from paperboy.models import split_arxiv_id
from paperboy.search.engine import SearchEngine
from paperboy.store import collections, comments, papers, reads
from paperboy.store.users import User
from paperboy.views import PaperView
from paperboy.web.auth import current_user
from paperboy.web.comments import thread
from paperboy.web.errors import PageError
from paperboy.web.links import absolute, paper_path
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)

RELATED = 6
SHOWN_AUTHORS = 25  # the rest behind "and N more"


@router.get("/papers/{paper_id:path}", response_class=HTMLResponse)
def paper_page(request: Request, paper_id: str) -> Response:
    parts = split_arxiv_id(paper_id)
    if parts and parts[0] != paper_id:
        return RedirectResponse(paper_path(parts[0]), status_code=301)
    viewer = current_user(request)
    with request.app.state.db.engine.connect() as conn:
        record = papers.get(conn, paper_id)
        if record is None:
            raise PageError(404, "Paper not found",
                            f"This hub has no paper {paper_id[:100]!r}. It may not have been "
                            "imported yet; search for its title instead.")
        community = _community(conn, record.uid, viewer)
    engine: SearchEngine = request.app.state.search
    related = [PaperView.of(hit.paper) for hit in engine.related(record.uid, limit=RELATED)]
    view = PaperView.of(record)
    return render(request, "paper.html", {
        "title": view.title, "paper": view, "related": related, "links": view.links(),
        "shown_authors": SHOWN_AUTHORS, "canonical": absolute(request, paper_path(view.id)),
        **community})


def _community(conn: Connection, uid: str, viewer: User | None) -> dict[str, Any]:
    """What this hub's users did with the paper, as the page shows it to `viewer`."""
    row = papers.row_id(conn, uid)
    assert row is not None
    viewer_id = viewer.id if viewer else None
    held = collections.containing(conn, row, viewer_id=viewer_id)
    said = comments.for_paper(conn, row)
    return {
        "thread": thread(conn, said, admin=bool(viewer and viewer.is_admin)),
        "here_count": sum(c.shown for c in said),
        "public_collections": [c for c in held if c.public],
        "my_collections": collections.of_user(conn, viewer.id, private_too=True) if viewer else [],
        "in_mine": {c.slug for c in held if c.user_id == viewer_id},
        "is_read": bool(viewer and reads.read_ids(conn, viewer.id, [row])),
    }
