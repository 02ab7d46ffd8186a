from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperboy.config import load_settings
from paperboy.models import Author, PaperRecord
from paperboy.store import digests, papers, subscriptions, users
from tests.mail.smtpd import SmtpServer
from tests.web.community import fresh_client

DAY = date(2026, 11, 24)  # a Tuesday
SECRET = "s" * 40


def paper(uid: str, title: str, *, day: date = DAY, authors: tuple[str, ...] = ("Ada Lovelace",),
          categories: tuple[str, ...] = ("cs.CL",), upvotes: int = 0,
          abstract: str = "An abstract about nothing much.") -> PaperRecord:
    return PaperRecord(uid=uid, title=title, abstract=abstract, arxiv_id=uid,
                       authors=tuple(Author(a) for a in authors), categories=categories,
                       published=datetime(day.year, day.month, day.day, tzinfo=UTC),
                       announced=day, upvotes=upvotes, abs_url=f"https://arxiv.org/abs/{uid}",
                       source="jsonl")


PAPERS = [
    paper("2611.00001", "KV cache compression for long context", upvotes=40,
          abstract="We compress the kv cache of transformers for long context inference."),
    paper("2611.00002", "Speculative decoding at scale", upvotes=25,
          authors=("Grace Hopper", "Alan Turing"), categories=("cs.LG", "cs.CL")),
    paper("2611.00003", "A survey of protein folding", upvotes=3, categories=("q-bio.BM",)),
    paper("2611.00004", "Robots that fold laundry", upvotes=12, categories=("cs.RO",),
          authors=("Émile Zola",)),
    paper("2611.00005", "Yesterday's kv cache paper", day=date(2026, 11, 23), upvotes=99),
]


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings_for(db):
    url = db.engine.url.render_as_string(hide_password=False)

    def make(smtp_url: str | None = None, **overrides):
        values = {"database_url": url, "smtp_url": smtp_url, "secret_key": SECRET,
                  "mail_from": "Paperboy <papers@hub.test>", "base_url": "http://hub.test",
                  "mail_backoff": 0} | overrides
        return load_settings(**values)
    return make


@pytest.fixture
def hub(db):
    """Papers of 2026-11-23 and -24 and two confirmed subscribers."""
    with db.engine.begin() as conn:
        papers.upsert(conn, PAPERS)
        ada = users.create(conn, name="ada", email="ada@example.org", confirmed=True)
        bob = users.create(conn, name="bob", email="bob@example.org", confirmed=True,
                           timezone="America/New_York")
        subscriptions.add(conn, ada.id, "query", "kv cache")
        subscriptions.add(conn, ada.id, "trending", 2)
        subscriptions.add(conn, ada.id, "author", "emile zola")
        subscriptions.add(conn, bob.id, "category", "cs.RO")
        digests.save(conn, bob.id, frequency="daily")
    return db


@pytest.fixture
def web(db, smtp):
    """A test client of a hub that mails through `smtp`, and its settings."""
    url = db.engine.url.render_as_string(hide_password=False)
    settings = {"secret_key": SECRET, "smtp_url": smtp.url, "mail_from": "papers@hub.test",
                "base_url": "http://testserver", "mail_backoff": 0}
    client = fresh_client(url, **settings)
    with client:
        yield client, load_settings(database_url=url, **settings)
