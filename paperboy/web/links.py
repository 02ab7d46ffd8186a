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


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site, else `default`: no open redirects via `?next=`."""
    if (not value or not value.startswith("/") or value.startswith(("//", "/\\"))
            or any(ch in value for ch in "\r\n\t\\") or len(value) > 2000):
        return default
    return value


def with_next(path: str, target: str) -> str:
    """`path?next=target`, e.g. the sign-in page that comes back here afterwards."""
    return f"{path}?{urlencode({'next': safe_next(target)})}"


def here(request: Request) -> str:
    """This page's path and query, for a form's `next` field."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")
