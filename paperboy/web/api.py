"""The JSON API in the daily-papers shape, so clients of that site work against a hub unchanged.

Handlers parse their parameters, call one store or search function and render a `PaperView`.
Invalid parameters are a 422 whose body names the parameter: `{"error": "limit: ...",
"detail": [{"loc": ["query", "limit"], "msg": ...}, ...]}` (FastAPI's `detail` plus a one-line
`error`, which the daily-papers client shows in its exceptions).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse

from paperboy import ranking
from paperboy.models import split_arxiv_id
from paperboy.ranking import Period
from paperboy.search.engine import MAX_RESULTS, SearchEngine
from paperboy.search.query import parse_query
from paperboy.search.rank import Mode
from paperboy.store import listings, papers
from paperboy.store.listings import Sort
from paperboy.views import PaperView
from paperboy.web.search import Filters, search_filters

router = APIRouter(tags=["api"])

MAX_QUERY = 250
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": 'No such paper: `{"error": "..."}`'}}


def period(
    date: Annotated[str | None, Query(description="A day, YYYY-MM-DD.",
                                      examples=["2024-11-18"])] = None,
    week: Annotated[str | None, Query(description="An ISO week, YYYY-Www.",
                                      examples=["2024-W47"])] = None,
    month: Annotated[str | None, Query(description="A month, YYYY-MM.",
                                       examples=["2024-11"])] = None,
) -> Period | None:
    """At most one of date, week and month; none means the latest day that has papers."""
    try:
        return ranking.parse_period(date, week, month)
    except ranking.InvalidPeriod as error:
        given = {"date": date, "week": week, "month": month}[error.name]
        raise RequestValidationError([{"type": "value_error", "loc": ("query", error.name),
                                       "msg": error.reason, "input": given}]) from None


@router.get("/api/daily_papers", summary="Papers of a day, week or month")
def daily_papers(
    request: Request,
    chosen: Annotated[Period | None, Depends(period)],
    submitter: Annotated[str | None, Query(max_length=100,
                                           description="User name of who listed them.")] = None,
    sort: Annotated[Sort, Query(description="Newest first, or hot ranking.")] = "publishedAt",
    p: Annotated[int, Query(ge=0, le=100_000, description="Page, from 0.")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="Papers per page.")] = 50,
) -> JSONResponse:
    with request.app.state.db.engine.connect() as conn:
        found = listings.daily_papers(conn, chosen, now=datetime.now(UTC), submitter=submitter,
                                      sort=sort, offset=p * limit, limit=limit)
    return JSONResponse([PaperView.of(record).listing_json() for record in found])


@router.get("/api/papers/search", summary="Search papers")
def search_papers(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_QUERY,
                            description="Words, phrases and filters (see docs/search.md); "
                                        "empty: the newest papers.")] = "",
    filters: Annotated[Filters, Depends(search_filters)] = Filters(),
    author: Annotated[str, Query(max_length=100, description="Part of an author's name.")
                      ] = "",
    mode: Annotated[Mode, Query(description="Ranking: words and meaning, or one of them.")
                    ] = "hybrid",
    limit: Annotated[int, Query(ge=1, le=120, description="Results.")] = 50,
    p: Annotated[int, Query(ge=0, le=MAX_RESULTS // 120, description="Page, from 0.")] = 0,
) -> JSONResponse:
    query = parse_query(q).with_filters(
        categories=filters.categories, authors=(author.strip(),) if author.strip() else (),
        date_from=filters.date_from, date_to=filters.date_to, has_code=filters.has_code)
    engine: SearchEngine = request.app.state.search
    results = engine.search(query, mode=mode, limit=limit, offset=p * limit)
    return JSONResponse([PaperView.of(hit.paper).listing_json() for hit in results.hits])


@router.get("/api/papers/{arxiv_id:path}/related", summary="Papers near one paper",
            responses=NOT_FOUND)
def related_papers(
    request: Request, arxiv_id: Annotated[str, Path(description="arXiv id.")],
    limit: Annotated[int, Query(ge=1, le=50, description="Results.")] = 10,
) -> JSONResponse:
    """Its nearest neighbours by meaning (by words while it has no embedding), nearest first;
    declared before the paper's own path, which would take `/related` as part of the id."""
    view = _paper(request, arxiv_id)
    if view is None:
        return _not_found(arxiv_id)
    engine: SearchEngine = request.app.state.search
    return JSONResponse([PaperView.of(hit.paper).listing_json()
                         for hit in engine.related(view.id, limit=limit)])


@router.get("/api/papers/{arxiv_id:path}", summary="One paper", responses=NOT_FOUND)
def paper(request: Request, arxiv_id: Annotated[str, Path(description="arXiv id.")]
          ) -> JSONResponse:
    view = _paper(request, arxiv_id)
    if view is None:
        return _not_found(arxiv_id)
    return JSONResponse(view.paper_json())


@router.get("/papers/{arxiv_id:path}.md", summary="One paper as markdown",
            response_class=PlainTextResponse, response_model=None, responses=NOT_FOUND)
def paper_markdown(request: Request, arxiv_id: Annotated[str, Path(description="arXiv id.")]
                   ) -> PlainTextResponse | JSONResponse:
    view = _paper(request, arxiv_id)
    if view is None:
        return _not_found(arxiv_id)
    return PlainTextResponse(view.markdown(), media_type="text/markdown; charset=utf-8")


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = jsonable_encoder(exc.errors())
    message = "; ".join(f"{_name(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors)
    return JSONResponse({"error": message, "detail": errors}, status_code=422)


def _name(loc: Any) -> str:
    parts = [str(part) for part in loc if part not in ("query", "path", "body")]
    return ".".join(parts) or "request"


def _paper(request: Request, arxiv_id: str) -> PaperView | None:
    parts = split_arxiv_id(arxiv_id)
    uid = parts[0] if parts else arxiv_id
    with request.app.state.db.engine.connect() as conn:
        record = papers.get(conn, uid)
    return PaperView.of(record) if record else None


def _not_found(arxiv_id: str) -> JSONResponse:
    return JSONResponse({"error": f"Paper {arxiv_id[:100]!r} not found"}, status_code=404)
