"""Templates: the Jinja2 environment (autoescaped, with our filters) and one `render` helper.

Every page goes through `render`; paper text reaches templates only as `PaperView` fields and is
escaped by autoescape. Nothing here marks paper or user text safe.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from paperboy.web.links import here, paper_path, with_params

TEMPLATES = Path(__file__).parent / "templates"


def make_templates() -> Jinja2Templates:
    from paperboy.web import auth  # auth's errors render pages: imported late, not at load

    templates = Jinja2Templates(directory=TEMPLATES)
    templates.env.filters["day"] = day
    templates.env.filters["long_day"] = long_day
    templates.env.globals["paper_path"] = paper_path
    templates.env.globals["url_with"] = with_params
    templates.env.globals["here"] = here
    templates.env.globals["csrf_input"] = auth.csrf_input
    templates.env.globals["voted"] = auth.voted
    return templates


def render(request: Request, name: str, context: dict[str, Any],
           status_code: int = 200) -> HTMLResponse:
    from paperboy.web.auth import current_user

    context = {"viewer": current_user(request), **context}
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, name, context, status_code=status_code)
    if context["viewer"] is not None:  # pages for one reader are not for shared caches
        response.headers["Cache-Control"] = "private, no-store"
    return response


def day(value: date | datetime | None) -> str:
    """'18 Nov 2024' (a datetime is shown as its UTC day)."""
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y}"


def long_day(value: date) -> str:
    """'Monday, 18 November 2024'."""
    return f"{value:%A}, {value.day} {value:%B %Y}"
