"""Paging, shared by every listing and the search page: 1-based page numbers in `?p=`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from paperboy.web.errors import PageError

PAGE_SIZE = 30
MAX_PAGE = 10_000

PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page, from 1.")]


@dataclass(frozen=True)
class Pager:
    number: int  # from 1
    total: int  # items in all pages
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None

    @property
    def first_shown(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last_shown(self) -> int:
        return min(self.offset + self.size, self.total)

    def check(self) -> Pager:
        """Itself, or a 404 when the page is past the last one."""
        if self.number > self.pages:
            raise PageError(404, "No such page",
                            f"There are {self.pages} pages here; page {self.number} is past "
                            "the last one.")
        return self
