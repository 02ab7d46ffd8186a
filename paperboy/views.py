"""A paper as pages, API, feeds and mail read it (`PaperView`), and its renderings.

`PaperView.of(record)` is the one conversion from the stored record; `paper_json` and
`listing_json` are the daily-papers API shapes, `markdown` the text of `/papers/{id}.md`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from paperboy import ranking
from paperboy.models import Author, PaperRecord

# Characters that would start raw HTML or a link in markdown; escaped with a backslash.
_MARKDOWN_ACTIVE = re.compile(r"([<>\[\]])")
_SAFE_URL = re.compile(r"^https?://[^\s()<>]+$")


def api_timestamp(value: datetime | date) -> str:
    """UTC with milliseconds, as the daily-papers API writes times: 2024-11-16T00:27:02.000Z."""
    if not isinstance(value, datetime):
        value = ranking.day_start(value)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class PaperView:
    id: str
    title: str
    summary: str
    authors: tuple[str, ...]
    published_at: datetime | None  # v1
    listing_day: date | None  # see ranking.listing_day
    listed_on: date | None  # the day a daily-papers listing showed it, if one did
    upvotes: int
    num_comments: int
    code_url: str | None
    project_url: str | None
    organization: str | None
    submitted_by: str | None  # a user name
    categories: tuple[str, ...]
    arxiv_id: str | None
    abs_url: str | None
    pdf_url: str | None
    comments: str | None
    # What the paper page shows beyond the listing fields.
    bylines: tuple[Author, ...] = ()  # authors with their affiliations
    authors_count: int | None = None  # when a source gave only a count
    updated_at: datetime | None = None  # latest version submitted
    version: int | None = None  # latest version number
    journal_ref: str | None = None
    doi: str | None = None
    withdrawn: bool = False

    @classmethod
    def of(cls, record: PaperRecord) -> PaperView:
        return cls(
            id=record.uid,
            title=record.title,
            summary=record.abstract,
            authors=tuple(a.name for a in record.authors),
            published_at=record.published,
            listing_day=ranking.listing_day(record),
            listed_on=record.listing_date,
            upvotes=max(record.upvotes or 0, 0),
            num_comments=max(record.num_comments or 0, 0),
            code_url=record.code_url,
            project_url=record.project_url,
            organization=record.org,
            submitted_by=record.submitted_by,
            categories=record.categories,
            arxiv_id=record.arxiv_id,
            abs_url=record.abs_url,
            pdf_url=record.pdf_url,
            comments=record.comments,
            bylines=record.authors,
            authors_count=record.authors_count,
            updated_at=record.updated,
            version=record.version,
            journal_ref=record.journal_ref,
            doi=record.doi,
            withdrawn=bool(record.withdrawn),
        )

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def shown_at(self) -> datetime | None:
        """When it entered a listing: the start of its listing day (UTC), else its v1."""
        if self.listing_day is not None:
            return ranking.day_start(self.listing_day)
        return self.published_at

    def short_authors(self, shown: int = 3) -> str:
        """'A, B, C et al.' for a card: the first few names, 'et al.' when there are more."""
        total = max(len(self.authors), self.authors_count or 0)
        names = ", ".join(self.authors[:shown])
        if total > min(shown, len(self.authors)):
            return f"{names} et al." if names else f"{total} authors"
        return names

    @property
    def code_link(self) -> str | None:
        """The code repository URL, if it is an http(s) URL (others are never linked)."""
        return safe_url(self.code_url)

    @property
    def doi_url(self) -> str | None:
        return safe_url(f"https://doi.org/{self.doi.strip()}") if self.doi else None

    def links(self) -> list[tuple[str, str]]:
        """(label, URL) of the paper's pages elsewhere, http(s) URLs only."""
        candidates = [("arXiv", self.abs_url), ("PDF", self.pdf_url), ("Code", self.code_url),
                      ("Project page", self.project_url)]
        return [(label, url) for label, raw in candidates if (url := safe_url(raw))]

    def paper_json(self) -> dict[str, Any]:
        """The daily-papers `paper` object (what `/api/papers/{id}` returns)."""
        paper: dict[str, Any] = {
            "id": self.id,
            "authors": [{"name": name, "hidden": False} for name in self.authors],
            "publishedAt": _timestamp(self.published_at),
        }
        if self.listed_on is not None:
            paper["submittedOnDailyAt"] = api_timestamp(self.listed_on)
        paper |= {
            "title": self.title,
            "summary": self.summary,
            "upvotes": self.upvotes,
            "githubRepo": self.code_url,
            "projectPage": self.project_url,
        }
        if self.organization:
            paper["organization"] = {"name": self.organization, "fullname": self.organization}
        if self.submitted_by:
            paper["submittedOnDailyBy"] = {"user": self.submitted_by,
                                           "fullname": self.submitted_by, "type": "user"}
        return paper

    def listing_json(self) -> dict[str, Any]:
        """One item of `/api/daily_papers` and of `/api/papers/search`."""
        submitter = ({"name": self.submitted_by, "fullname": self.submitted_by, "type": "user"}
                     if self.submitted_by else None)
        return {
            "paper": self.paper_json(),
            "publishedAt": _timestamp(self.published_at),
            "title": self.title,
            "summary": self.summary,
            "numComments": self.num_comments,
            "submittedBy": submitter,
            "isAuthorParticipating": False,
        }

    def markdown(self) -> str:
        """The paper as markdown: title, authors, dates, links, abstract.

        Text is kept as written, except that `<`, `>`, `[` and `]` are backslash-escaped so a
        title or abstract cannot turn into HTML or a link when rendered.
        """
        facts = [("Authors", ", ".join(self.authors) or None),
                 ("Organization", self.organization),
                 ("Published", self.published_at.date() if self.published_at else None),
                 ("Listed", self.listed_on),
                 ("Categories", ", ".join(self.categories) or None),
                 ("Comments", self.comments),
                 ("Upvotes", self.upvotes or None)]
        lines = [f"# {_inline(self.title)}", ""]
        lines += [f"- **{label}:** {_inline(str(value))}" for label, value in facts if value]
        shown = [f"[{label}]({url})" for label, url in self.links()]
        if shown:
            lines.append(f"- **Links:** {' · '.join(shown)}")
        if self.summary.strip():
            lines += ["", "## Abstract", "", _escape(self.summary.strip())]
        return "\n".join(lines).rstrip() + "\n"


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) URL, else None: never link `javascript:` and the like."""
    return url if url and _SAFE_URL.match(url) else None


def _timestamp(value: datetime | None) -> str | None:
    return api_timestamp(value) if value is not None else None


def _inline(text: str) -> str:
    """One line of escaped text."""
    return _escape(" ".join(text.split()))


def _escape(text: str) -> str:
    return _MARKDOWN_ACTIVE.sub(r"\\\1", text)
