"""The app factory: nothing happens at import; `create_app(settings)` builds the whole hub.

Routers are included in one place, in an order that matters: the API first (its
`/papers/{id}.md`), then the listings (`/papers/date/...`, `/papers/trending`, feeds), search,
the community's pages and forms (`/papers/{id}/upvote` and the like before the paper page),
and last the paper page, whose `/papers/{id:path}` takes whatever is left under `/papers/`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from threadpoolctl import threadpool_limits

from paperboy import __version__
from paperboy.config import Settings, load_settings
from paperboy.store import open_database
from paperboy.web.microcache import MicroCache
from paperboy.web.security import SecurityHeaders

HERE = Path(__file__).parent


def create_app(settings: Settings) -> FastAPI:
    from paperboy.search.engine import SearchEngine
    from paperboy.web import (
        accounts,
        admin,
        api,
        api_writes,
        apidocs,
        auth,
        collections,
        comments,
        errors,
        health,
        listings,
        manage,
        papers,
        reset,
        search,
        submit,
        subscriptions,
        users,
        votes,
    )
    from paperboy.web.templating import make_templates

    db = open_database(settings.database_url, vectors=settings.vectors)
    # Requests run side by side: one BLAS thread each, rather than every matrix product
    # spreading over all cores and the concurrent ones spinning against each other.
    threadpool_limits(limits=1, user_api="blas")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        db.dispose()  # the pool's connections close with the app

    app = FastAPI(title="paperboy", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None)  # /docs comes from apidocs, without a CDN
    app.state.settings = settings
    app.state.db = db
    app.state.search = SearchEngine(db)  # one per app: it keeps the index snapshot
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    auth.add_sessions(app, settings)
    app.add_middleware(MicroCache, seconds=settings.page_cache_seconds)
    app.add_middleware(SecurityHeaders)
    api.add_error_handlers(app)
    errors.install(app)  # HTML error pages, except under the API
    app.include_router(health.router)
    apidocs.install(app)
    for module in (api, api_writes, listings, search, accounts, reset, users, collections,
                   comments, votes, submit, admin, subscriptions, manage, papers):
        app.include_router(module.router)
    app.add_middleware(health.TimeRequests)
    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory`: settings from the environment (the CLI exports --db there)."""
    return create_app(load_settings())
