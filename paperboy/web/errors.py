"""Errors as pages: a friendly HTML page for 404s and bad parameters, JSON for the API.

Handlers raise `PageError(status, title, message)`. FastAPI's own errors (an unknown path, a
parameter that fails validation) become the same page, except under `/api/` and for the
markdown route, which keep the JSON bodies their clients read.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from paperboy.errors import PaperboyError
from paperboy.web.templating import render

TITLES = {404: "Page not found", 405: "Method not allowed", 422: "That address has a problem"}


class PageError(PaperboyError):
    """A page that cannot be shown; `message` is fit for the reader, `form` a template of
    forms that help (e.g. one that mails a new link)."""

    def __init__(self, status: int, title: str, message: str, form: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message
        self.form = form


def install(app: FastAPI) -> None:
    from paperboy.web.auth import SignInRequired, sign_in_redirect

    """Add the page handlers; call after the API added its own (which are kept for the API)."""
    json_invalid = app.exception_handlers.get(RequestValidationError)

    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request) and json_invalid is not None:
            answer = json_invalid(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        problems = [f"{_name(e.get('loc', ()))}: {e.get('msg', 'invalid')}"
                    for e in exc.errors()]
        return page(request, 422, TITLES[422], "; ".join(problems))

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _is_api(request) or exc.status_code not in TITLES:
            return await http_exception_handler(request, exc)
        message = ("There is no page at this address." if exc.status_code == 404
                   else str(exc.detail))
        response = page(request, exc.status_code, TITLES[exc.status_code], message)
        response.headers.update(exc.headers or {})
        return response

    async def page_error(request: Request, exc: PageError) -> Response:
        if _is_api(request):
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        return page(request, exc.status, exc.title, exc.message, exc.form)

    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"error": "sign in, or send an API token"}, status_code=401)
        return sign_in_redirect(request)

    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(PageError, page_error)  # type: ignore[arg-type]
    app.add_exception_handler(SignInRequired, sign_in_required)  # type: ignore[arg-type]


def page(request: Request, status: int, title: str, message: str,
         form: str | None = None) -> Response:
    return render(request, "error.html", {"status": status, "title": title,
                                          "message": message[:500], "form": form,
                                          "noindex": form is not None}, status_code=status)


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/openapi", "/docs")) or path.endswith(".md")


def _name(loc: Any) -> str:
    parts = [str(part) for part in loc if part not in ("query", "path", "body")]
    return ".".join(parts) or "request"
