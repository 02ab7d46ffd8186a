"""Collections: make one, add a paper with a note, take it out, rename, delete; a collection's
page `/u/{name}/c/{slug}` (private ones only for their owner) and, for public ones, feeds."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from paperboy.store import collections, papers
from paperboy.store.collections import Collection, CollectionExists
from paperboy.store.users import User
from paperboy.views import PaperView
from paperboy.web import auth, feeds
from paperboy.web.auth import current_user, require_user, verify_csrf
from paperboy.web.errors import PageError
from paperboy.web.links import paper_path, safe_next
from paperboy.web.templating import render
from paperboy.web.users import find_user
from paperboy.web.votes import paper_row

router = APIRouter(include_in_schema=False)
Csrf = Depends(verify_csrf)
Name = Annotated[str, Form(max_length=200)]
Note = Annotated[str, Form(max_length=4000)]
Description = Annotated[str, Form(max_length=4000)]
Flag = Annotated[str, Form(max_length=5)]


def slug_of(name: str) -> str:
    """'Long context & KV caches!' -> 'long-context-kv-caches'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80]
    return slug or "collection"


def checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise PageError(400, "Collection name", "A collection needs a name of 1 to 100 "
                                                "characters.")
    return name


@router.post("/collections", dependencies=[Csrf])
def create(request: Request, user: User = Depends(require_user), name: Name = "",
           description: Description = "", public: Flag = "", paper: Name = "",
           note: Note = "") -> Response:
    """Make a collection (and, given `paper`, put that paper in it)."""
    auth.rate_limit(request, "write", user)
    title = checked_name(name)
    with request.app.state.db.engine.begin() as conn:
        try:
            made = collections.create(conn, user_id=user.id, slug=slug_of(title), name=title,
                                      description=description.strip(), public=public == "1")
        except CollectionExists as taken:
            raise PageError(400, "Collection exists",
                            f"You already have a collection at /u/{user.name}/c/{taken}; "
                            "choose another name.") from taken
        if paper:
            collections.add_paper(conn, made.id, paper_row(conn, paper), note.strip())
    target = paper_path(paper) if paper else collection_path(made)
    return RedirectResponse(target, status_code=303)


@router.post("/papers/{paper_id:path}/collect", dependencies=[Csrf])
def collect(request: Request, paper_id: str, user: User = Depends(require_user),
            collection: Name = "", note: Note = "", remove: Flag = "", next: Name = ""
            ) -> Response:
    auth.rate_limit(request, "write", user)
    with request.app.state.db.engine.begin() as conn:
        chosen = own_collection(conn, user, collection)
        row = paper_row(conn, paper_id)
        if remove:
            collections.remove_paper(conn, chosen.id, row)
        else:
            collections.add_paper(conn, chosen.id, row, note.strip())
    return RedirectResponse(safe_next(next, paper_path(paper_id)), status_code=303)


@router.get("/u/{name}/c/{slug}")
def collection_page(request: Request, name: str, slug: str) -> Response:
    viewer = current_user(request)
    with request.app.state.db.engine.connect() as conn:
        chosen = visible_collection(conn, name, slug, viewer)
        items = collections.items(conn, chosen.id)
        found = {r.uid: PaperView.of(r) for r in papers.get_many(conn, [i.uid for i in items])}
    entries = [(found[i.uid], i.note) for i in items if i.uid in found]
    path = collection_path(chosen)
    return render(request, "collection.html", {
        "title": chosen.name, "collection": chosen, "entries": entries,
        "own": viewer is not None and viewer.id == chosen.user_id, "noindex": not chosen.public,
        "feeds": feeds.alternates(path, chosen.name) if chosen.public else []})


@router.get("/u/{name}/c/{slug}/feed.{fmt}")
def collection_feed(request: Request, name: str, slug: str, fmt: str) -> Response:
    kind = feeds.feed_format(fmt)
    with request.app.state.db.engine.connect() as conn:
        chosen = visible_collection(conn, name, slug, None)  # feeds: public collections only
        items = collections.items(conn, chosen.id, limit=feeds.FEED_SIZE)
        records = papers.get_many(conn, [i.uid for i in items])
    channel = feeds.Channel(f"{chosen.name} (collection of {chosen.owner})",
                            chosen.description or f"Papers {chosen.owner} collected",
                            collection_path(chosen))
    return feeds.response(request, kind, channel, [PaperView.of(r) for r in records])


@router.post("/u/{name}/c/{slug}/edit", dependencies=[Csrf])
def edit(request: Request, name: str, slug: str, user: User = Depends(require_user),
         title: Name = "", description: Description = "", public: Flag = "") -> Response:
    auth.rate_limit(request, "write", user)
    with request.app.state.db.engine.begin() as conn:
        chosen = owned(conn, name, slug, user)
        collections.update_details(conn, chosen.id, name=checked_name(title),
                                   description=description.strip(), public=public == "1")
    return RedirectResponse(collection_path(chosen), status_code=303)


@router.post("/u/{name}/c/{slug}/delete", dependencies=[Csrf])
def delete(request: Request, name: str, slug: str, user: User = Depends(require_user)
           ) -> Response:
    with request.app.state.db.engine.begin() as conn:
        collections.remove(conn, owned(conn, name, slug, user).id)
    return RedirectResponse(f"/u/{user.name}", status_code=303)


def collection_path(collection: Collection) -> str:
    return f"/u/{collection.owner}/c/{collection.slug}"


def visible_collection(conn: Connection, name: str, slug: str, viewer: User | None
                       ) -> Collection:
    owner = find_user(conn, name)
    chosen = collections.get(conn, owner.id, slug[:100])
    if chosen is None or not (chosen.public or (viewer is not None and viewer.id == owner.id)):
        raise PageError(404, "No such collection",
                        f"{owner.name} has no public collection {slug[:100]!r}.")
    return chosen


def owned(conn: Connection, name: str, slug: str, user: User) -> Collection:
    chosen = visible_collection(conn, name, slug, user)
    if chosen.user_id != user.id:
        raise PageError(403, "Not your collection", "Only its owner can change a collection.")
    return chosen


def own_collection(conn: Connection, user: User, slug: str) -> Collection:
    chosen = collections.get(conn, user.id, slug[:100])
    if chosen is None:
        raise PageError(404, "No such collection", f"You have no collection {slug[:100]!r}.")
    return chosen
