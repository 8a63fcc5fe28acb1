"""One page of query results, with what a template needs to draw the page links."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from trellis.exceptions import NotFound

__all__ = ["Page", "check_page", "count_statement"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """``items`` of page ``page`` (1-based) out of ``total`` results, ``per_page`` a page."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> Iterator[int | None]:
        """Page numbers for a pager; ``None`` where a run of pages is left out (draw "…").

        The first ``left_edge`` and last ``right_edge`` pages are always there, and so are the
        pages around the current one.
        """
        pages = self.pages
        left_end = min(left_edge, pages)
        mid_start = max(left_end + 1, self.page - left_current)
        mid_end = min(self.page + right_current, pages)
        right_start = max(mid_end + 1, pages - right_edge + 1)
        # a gap of a single page shows that page: "…" would take as much room
        if mid_start == left_end + 2:
            mid_start -= 1
        if right_start == mid_end + 2:
            right_start -= 1
        yield from range(1, left_end + 1)
        if mid_start > left_end + 1:
            yield None
        yield from range(mid_start, mid_end + 1)
        if right_start > mid_end + 1:
            yield None
        yield from range(right_start, pages + 1)


def check_page(page: int, per_page: int, max_per_page: int | None) -> None:
    """404 for a page number or size no link would produce (the page past the end is checked
    once the total is known)."""
    if page < 1:
        raise NotFound(f"Page {page} does not exist: pages start at 1")
    if per_page < 1:
        raise NotFound(f"Cannot show {per_page} items per page")
    if max_per_page is not None and per_page > max_per_page:
        raise NotFound(f"At most {max_per_page} items per page")


def check_last(page: int, total: int, per_page: int) -> None:
    if page > 1 and (page - 1) * per_page >= total:
        raise NotFound(f"Page {page} does not exist")


def count_statement(stmt: Select[Any]) -> Select[Any]:
    """``SELECT count(*)`` over ``stmt`` without its ordering (which the count does not need)."""
    return select(func.count()).select_from(stmt.order_by(None).subquery())
