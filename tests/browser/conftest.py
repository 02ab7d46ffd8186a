"""End-to-end fixtures: a real `paperboy serve` on a loopback port over its own SQLite file, and
Debian's Chromium driven by Playwright.

Per xdist worker: one browser and two hubs with the same papers (imported with `paperboy
import`, served by a subprocess): `hub` for the tests that only read, `community` for those that
sign up and write, whose arXiv API is a replay server on loopback. Per test: a fresh browser
context, whose pages fail the test on a dialog, a console error, an uncaught exception or a
request to any other site. `shoot` saves a screenshot under artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Request,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from tests.browser.hub_data import write_papers
from tests.replay import ReplayServer
from tests.serving import PAPERBOY, serve

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TIMEOUT_MS = 10_000
PHONE = {"width": 360, "height": 740}
ARXIV_PATH = "/api/query"


@dataclass(frozen=True)
class Hub:
    url: str  # http://127.0.0.1:PORT, no slash at the end
    db: Path


@pytest.fixture(scope="session")
def arxiv() -> Iterator[ReplayServer]:
    """What the community hub takes for the arXiv API (tests add routes to it)."""
    with ReplayServer() as server:
        yield server


@pytest.fixture(scope="session")
def papers_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hub's papers, imported once with `paperboy import`; each hub serves a copy."""
    work = tmp_path_factory.mktemp("papers")
    db = work / "papers.db"
    subprocess.run([PAPERBOY, "--db", str(db), "import", str(write_papers(work / "hub.jsonl"))],
                   check=True, capture_output=True)
    return db


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory, papers_db: Path) -> Iterator[Hub]:
    """The hub the reading tests share: nothing writes to it."""
    yield from running_hub(papers_db, tmp_path_factory.mktemp("hub"), {})


@pytest.fixture(scope="session")
def community(tmp_path_factory: pytest.TempPathFactory, papers_db: Path,
              arxiv: ReplayServer) -> Iterator[Hub]:
    """A hub of its own for the tests that sign up, vote, comment, collect and submit."""
    yield from running_hub(papers_db, tmp_path_factory.mktemp("community"), {
        "PAPERBOY_ARXIV_API_URL": arxiv.url(ARXIV_PATH), "PAPERBOY_REQUEST_INTERVAL": "0",
        "PAPERBOY_MAX_RETRIES": "0", "PAPERBOY_RATE_LIMIT_SCALE": "100"})


def running_hub(papers_db: Path, work: Path, env: dict[str, str]) -> Iterator[Hub]:
    db = work / "hub.db"
    for part in papers_db.parent.glob(papers_db.name + "*"):  # with -wal and -shm, if any
        shutil.copy(part, work / part.name.replace(papers_db.name, db.name))
    env = os.environ | {"PAPERBOY_SECRET_KEY": secrets.token_urlsafe(32)} | env
    with serve(db, work / "serve.log", env) as served:
        yield Hub(served.url, db)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a page did that a page of ours never should."""

    hub_url: str
    problems: list[str] = field(default_factory=list)
    allowed_errors: list[str] = field(default_factory=list)  # console text a test expects

    def attach(self, context: BrowserContext) -> None:
        context.on("page", self.watch_page)
        context.route("**/*", self._only_the_hub)

    def watch_page(self, page: Page) -> None:
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(allowed in message.text
                                                for allowed in self.allowed_errors):
            self.problems.append(f"console error: {message.text} at {message.location}")

    def _only_the_hub(self, route: Route, request: Request) -> None:
        if request.url.startswith((self.hub_url + "/", "data:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"request to another site: {request.url}")
            route.abort()


@dataclass
class Pages:
    """Opens pages in fresh contexts (`open(color_scheme="dark")`, `open(viewport=PHONE)`)."""

    browser: Browser
    hub: Hub
    watch: Watch
    contexts: list[BrowserContext] = field(default_factory=list)

    def open(self, **options: object) -> Page:
        context = self.browser.new_context(base_url=self.hub.url, **options)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        self.watch.attach(context)
        self.contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(PlaywrightError):  # already closed by the test
                context.close()


@pytest.fixture
def pages(browser: Browser, hub: Hub) -> Iterator[Pages]:
    yield from watched_pages(browser, hub)


@pytest.fixture
def member_pages(browser: Browser, community: Hub) -> Iterator[Pages]:
    """Pages of the community hub."""
    yield from watched_pages(browser, community)


def watched_pages(browser: Browser, hub: Hub) -> Iterator[Pages]:
    opened = Pages(browser, hub, Watch(hub.url))
    yield opened
    opened.close()
    assert not opened.watch.problems, opened.watch.problems


@pytest.fixture
def page(pages: Pages) -> Page:
    """A page in a fresh light-scheme desktop context."""
    return pages.open()


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot: artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

