"""Which spans contain an offset or overlap a range, without a pass over every span.

Spans are kept in tiers by length (each tier four times longer than the one before); inside a
tier they are sorted by start, so the spans that can reach an offset start at most the tier's
longest length before it: one bisect and a few candidates per tier, however many spans the
document has and however long a few of them are. Adding and removing is a bisect and a list
insert, so an edit on a 10 MB document with 100,000 spans does not rebuild anything.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar


class Extent(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


T = TypeVar("T", bound=Extent)

_SMALLEST = 64
"""The longest span of the first tier, in code points."""


def _tier(length: int) -> int:
    tier, limit = 0, _SMALLEST
    while length > limit:
        tier += 1
        limit *= 4
    return tier


class SpanIndex(Generic[T]):
    """The spans of one document by position (items are matched by identity or equality)."""

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._starts: list[list[int]] = []
        self._items: list[list[T]] = []
        self._limits: list[int] = []
        self._size = 0
        for item in sorted(items, key=lambda item: item.start):
            tier = self._tier_of(item)
            self._starts[tier].append(item.start)
            self._items[tier].append(item)
            self._size += 1

    def __len__(self) -> int:
        return self._size

    def _tier_of(self, item: T) -> int:
        tier = _tier(item.end - item.start)
        while len(self._limits) <= tier:
            self._limits.append(_SMALLEST * 4 ** len(self._limits))
            self._starts.append([])
            self._items.append([])
        return tier

    def add(self, item: T) -> None:
        tier = self._tier_of(item)
        index = bisect_right(self._starts[tier], item.start)
        self._starts[tier].insert(index, item.start)
        self._items[tier].insert(index, item)
        self._size += 1

    def remove(self, item: T) -> bool:
        """Remove ``item``; False if it is not there."""
        tier = self._tier_of(item)
        starts, items = self._starts[tier], self._items[tier]
        index = bisect_left(starts, item.start)
        while index < len(starts) and starts[index] == item.start:
            if items[index] is item or items[index] == item:
                del starts[index], items[index]
                self._size -= 1
                return True
            index += 1
        return False

    def overlapping(self, start: int, end: int) -> list[T]:
        """The spans that overlap ``[start, end)`` (tier by tier, each in start order)."""
        found: list[T] = []
        for starts, items, limit in zip(self._starts, self._items, self._limits, strict=True):
            low = bisect_left(starts, start - limit)
            high = bisect_left(starts, end)
            found += [item for item in items[low:high] if item.end > start]
        return found

    def at(self, offset: int) -> list[T]:
        """The spans that contain ``offset``."""
        return self.overlapping(offset, offset + 1)
