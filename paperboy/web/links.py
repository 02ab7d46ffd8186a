"""URLs the pages build: a paper's path, absolute URLs, this page with other parameters."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import Request


def paper_path(uid: str) -> str:
    """Our page of a paper: `/papers/2411.10440`, `/papers/hep-th/9901001`. Always a path on
    this site (the uid is percent-encoded, its slashes kept), so it is safe to redirect to."""
    return "/papers/" + quote(uid.lstrip("/"), safe="/")


def absolute(request: Request, path: str) -> str:
    """`path` (which starts with a slash) on this site, as a full URL for feeds."""
    return str(request.base_url).rstrip("/") + path


def with_params(request: Request, path: str | None = None, **changes: str | int | None) -> str:
    """This page's path (or `path`) and query string with some parameters set or, given None,
    removed. Page 1 is the default and is never written."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = str(value)
    if params.get("p") == "1":
        del params["p"]
    query = urlencode(params)
    return (path if path is not None else request.url.path) + (f"?{query}" if query else "")
