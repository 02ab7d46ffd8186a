"""The interactive API docs at `/docs`, served by the hub itself: no CDN, so they work on an
intranet too, and the page keeps the site's Content-Security-Policy.

Swagger UI's files come from the fastapi-offline package (mounted at `/docs/assets/`). FastAPI's
`get_swagger_ui_html` starts Swagger UI with an inline script, which the CSP refuses, so the
page here loads `static/apidocs.js` to do that instead.

There is no `/redoc`: the ReDoc build that the package ships shows a logo from Redocly's CDN
and runs its search in a worker made from a `blob:` URL, and the CSP refuses both.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS = "/docs/assets"
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/static/apidocs.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve `/docs` and its assets (for an app made with `docs_url=None, redoc_url=None`)."""
    assert app.openapi_url is not None
    page = PAGE.format(title=escape(app.title), assets=ASSETS,
                       openapi_url=escape(app.openapi_url))
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="apidocs")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)
