"""The search page `/search` and its feeds `/search/feed.rss`, `/search/feed.atom`.

Form fields (`cat`, `from`, `to`, `has_code`) are added to the typed query with
`Query.with_filters`; the query language itself is the engine's (docs/search.md). A query that
is just an arXiv id or URL of a paper in the hub redirects to that paper's page (our own path,
never the URL typed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy import categories as arxiv
from paperboy import ranking
from paperboy.search.engine import MAX_RESULTS, SearchEngine
from paperboy.search.query import Query as ParsedQuery
from paperboy.search.query import parse_query
from paperboy.search.rank import Mode
from paperboy.search.snippet import passage
from paperboy.views import PaperView
from paperboy.web import feeds
from paperboy.web.links import paper_path, with_params
from paperboy.web.paging import PAGE_SIZE, PageNumber, Pager
from paperboy.web.templating import render

router = APIRouter(include_in_schema=False)

MODES: tuple[tuple[Mode, str], ...] = (("hybrid", "Hybrid (words and meaning)"),
                                       ("bm25", "Words only"), ("dense", "Meaning only"))
EXAMPLES = (
    ("kv cache eviction", "papers about these words, most relevant first"),
    ('"speculative decoding"', "the exact phrase"),
    ("diffusion -video", "diffusion, but not video"),
    ("author:Dao", "papers with an author whose name contains Dao"),
    ("cat:cs.CL", "papers in a category (primary or cross-listed)"),
    ("attention year:2017", "submitted in 2017 (also from:2024-01 to:2024-06-30)"),
    ("has:code quantization", "only papers with a code repository"),
    ("1706.03762", "that paper (an arXiv id or abs/pdf URL)"),
)


@dataclass(frozen=True)
class SearchForm:
    q: str = ""
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    has_code: bool = False
    mode: Mode = "hybrid"

    @property
    def cat(self) -> str:
        return " ".join(self.categories)

    @property
    def blank(self) -> bool:
        return not (self.q.strip() or self.categories or self.date_from or self.date_to
                    or self.has_code)

    def query(self) -> ParsedQuery:
        return parse_query(self.q).with_filters(categories=self.categories,
                                                date_from=self.date_from,
                                                date_to=self.date_to, has_code=self.has_code)


@dataclass(frozen=True)
class Filters:
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    has_code: bool = False


def search_filters(
    cat: Annotated[str, Query(max_length=100, description="Categories or archives, comma- or "
                                                          "space-separated (cs.CL, hep-th, cs).")
                   ] = "",
    date_from: Annotated[str, Query(alias="from", max_length=20,
                                    description="First day, YYYY-MM-DD.")] = "",
    date_to: Annotated[str, Query(alias="to", max_length=20,
                                  description="Last day, YYYY-MM-DD.")] = "",
    has_code: Annotated[str, Query(max_length=10, description="1: only papers with code.")
                        ] = "",
) -> Filters:
    """The filters of the search page, its feed and the API; empty means no filter (as browsers
    send empty fields). What cannot be read is a 422 naming the parameter."""
    categories = tuple(arxiv.canonical(c) for c in cat.replace(",", " ").split())
    for category in categories:
        if not arxiv.SHAPE.match(category):
            raise _unreadable("cat", cat, f"{category[:40]!r} is not a category (e.g. cs.CL, "
                                          "hep-th)")
    return Filters(categories, _day(date_from, "from"), _day(date_to, "to"),
                   has_code.lower() in ("1", "on", "true", "yes"))


def search_form(q: Annotated[str, Query(max_length=500)] = "",
                filters: Annotated[Filters, Depends(search_filters)] = Filters(),
                mode: Mode = "hybrid") -> SearchForm:
    """The form as typed."""
    return SearchForm(q, filters.categories, filters.date_from, filters.date_to,
                      filters.has_code, mode)


Form = Annotated[SearchForm, Depends(search_form)]


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, form: Form, p: PageNumber = 1) -> Response:
    context: dict[str, object] = {"title": "Search", "section": "search", "form": form,
                                  "modes": MODES, "examples": EXAMPLES, "results": None,
                                  "noindex": not form.blank}
    if form.blank:
        return render(request, "search.html", context)
    engine: SearchEngine = request.app.state.search
    query = form.query()
    results = engine.search(query, mode=form.mode, limit=PAGE_SIZE,
                            offset=(p - 1) * PAGE_SIZE)
    if results.redirect is not None:
        return RedirectResponse(paper_path(results.redirect), status_code=303)
    pager = Pager(p, results.total).check()
    context |= {
        "title": f"{form.q.strip() or 'Filtered'} · search", "results": results, "pager": pager,
        "papers": [PaperView.of(hit.paper) for hit in results.hits],
        "snippets": [passage(hit.paper.abstract, query.text) for hit in results.hits],
        "capped": results.total >= MAX_RESULTS,
        "missing_id": query.arxiv_id,
        "missing_url": f"https://arxiv.org/abs/{query.arxiv_id}" if query.arxiv_id else None,
        "removals": _removals(request, form),
        "query_filters": _query_filters(parse_query(form.q)),
        "feeds": feeds.alternates(with_params(request, p=None), "This search"),
    }
    return render(request, "search.html", context)


@router.get("/search/feed.{fmt}")
def search_feed(request: Request, fmt: str, form: Form) -> Response:
    kind = feeds.feed_format(fmt)
    engine: SearchEngine = request.app.state.search
    results = engine.search(form.query(), mode=form.mode, limit=feeds.FEED_SIZE)
    title = f"paperboy search: {form.q.strip()}" if form.q.strip() else "paperboy: newest papers"
    channel = feeds.Channel(title, "Papers matching a search on a paperboy hub.",
                            with_params(request, "/search"))
    return feeds.response(request, kind, channel,
                          [PaperView.of(hit.paper) for hit in results.hits])


def _day(text: str, name: str) -> date | None:
    if not text.strip():
        return None
    try:
        return ranking.parse_day(text, name)
    except ranking.InvalidPeriod as error:
        raise _unreadable(name, text, error.reason) from None


def _unreadable(name: str, given: str, reason: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("query", name),
                                    "msg": reason, "input": given}])


def _removals(request: Request, form: SearchForm) -> list[tuple[str, str]]:
    """(what, link) for each form filter: this search without it."""
    shown = [("the category filter", "cat", form.categories),
             ("the start date", "from", form.date_from),
             ("the end date", "to", form.date_to),
             ("“has code”", "has_code", form.has_code)]
    return [(label, with_params(request, **{name: None, "p": None}))
            for label, name, value in shown if value]


def _query_filters(query: ParsedQuery) -> list[str]:
    words = [f"author:{a}" for a in query.authors] + [f"cat:{c}" for c in query.categories]
    words += [f"-{e}" for e in query.excluded]
    if query.date_from or query.date_to:
        words.append("dates")
    if query.has_code:
        words.append("has:code")
    return words
