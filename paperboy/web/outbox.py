"""Link mails a page queued (confirmations, manage, password and reset links) go out after
its response; what fails then waits for the worker's `confirmations` job."""

from __future__ import annotations

import logging

from fastapi import BackgroundTasks, Request

from paperboy.config import Settings
from paperboy.errors import PaperboyError
from paperboy.mail import links
from paperboy.store import Database

log = logging.getLogger("paperboy.web")


def mail_soon(request: Request, background: BackgroundTasks) -> None:
    """Send the queued link mails once this request's response has gone."""
    background.add_task(send_link_mails, request.app.state.db, request.app.state.settings)


def send_link_mails(db: Database, settings: Settings) -> None:
    try:
        links.send_queued(db, settings)
    except PaperboyError as exc:
        log.warning("link mails not sent yet (the worker will retry): %s", exc)
