"""Pagination without COUNT(*): fetch one row more than a page to know whether there is a next.

A count over a million rows costs more than the page itself; queues show "next" instead of a total.
"""

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0


def parse_page(value: object, default: int = 1) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return max(1, min(number, 100_000))


def paginate(qs: QuerySet[T], *, number: int, size: int) -> Page[T]:
    offset = (number - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return Page(items=rows[:size], number=number, size=size, has_next=len(rows) > size)
