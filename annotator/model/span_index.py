"""Which spans contain an offset or overlap a range, without a pass over every span.

Spans are kept in tiers by length (each tier four times longer than the one before); inside a
tier they are sorted by start, so the spans that can reach an offset start at most the tier's
longest length before it: one bisect and a few candidates per tier, however many spans the
document has and however long a few of them are. Adding and removing is a bisect and a list
insert, so an edit on a 10 MB document with 100,000 spans does not rebuild anything.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from itertools import compress, islice, repeat
from operator import attrgetter, eq, le, not_, sub
from typing import Generic, TypeVar

T = TypeVar("T")

_SMALLEST = 64
"""The longest span of the first tier, in code points."""


_LIMITS = [_SMALLEST * 4**tier for tier in range(40)]
"""The longest span of each tier (more tiers than any text can need)."""


def _tier(length: int) -> int:
    """The smallest ``tier`` with ``length <= _SMALLEST * 4 ** tier``."""
    return bisect_left(_LIMITS, length)


class SpanIndex(Generic[T]):
    """The spans of one document by position (items are matched by identity or equality)."""

    def __init__(
        self,
        items: Iterable[T] = (),
        *,
        start: Callable[[T], int] = attrgetter("start"),
        end: Callable[[T], int] = attrgetter("end"),
        presorted: bool = False,
    ) -> None:
        """``start`` and ``end`` read an item's extent (attributes ``start``/``end`` by default);
        ``presorted``: the items come sorted by start already."""
        self._start = start
        self._end = end
        self._starts: list[list[int]] = []
        self._items: list[list[T]] = []
        self._limits: list[int] = []
        self._size = 0
        # Every step below runs in C (one Python step per tier, not per span): building the
        # index of a 10 MB document's 125,000 spans is on the way to its first frame.
        ordered = list(items)
        if not ordered:
            return
        starts = list(map(start, ordered))
        if not presorted and not all(map(le, starts, islice(starts, 1, None))):
            ordered.sort(key=start)  # items usually come in order: the check is all it costs
            starts = list(map(start, ordered))
        lengths = list(map(sub, map(end, ordered), starts))
        self._size = len(ordered)
        self._grow(0)
        # Most spans are short: the first tier's are picked out in one pass, and the tiers of
        # the rest (usually a few) are worked out on those alone.
        short = list(map(le, lengths, repeat(_SMALLEST)))
        if all(short):
            self._starts[0], self._items[0] = starts, ordered
            return
        self._starts[0] = list(compress(starts, short))
        self._items[0] = list(compress(ordered, short))
        longer = list(map(not_, short))
        starts = list(compress(starts, longer))
        ordered = list(compress(ordered, longer))
        tiers = list(map(bisect_left, repeat(_LIMITS), compress(lengths, longer)))
        self._grow(max(tiers))
        for tier in set(tiers):
            chosen = list(map(eq, tiers, repeat(tier)))
            self._starts[tier] = list(compress(starts, chosen))
            self._items[tier] = list(compress(ordered, chosen))

    def __len__(self) -> int:
        return self._size

    def _grow(self, tier: int) -> None:
        while len(self._limits) <= tier:
            self._limits.append(_SMALLEST * 4 ** len(self._limits))
            self._starts.append([])
            self._items.append([])

    def _tier_of(self, item: T) -> int:
        tier = _tier(self._end(item) - self._start(item))
        self._grow(tier)
        return tier

    def add(self, item: T) -> None:
        tier = self._tier_of(item)
        start = self._start(item)
        index = bisect_right(self._starts[tier], start)
        self._starts[tier].insert(index, start)
        self._items[tier].insert(index, item)
        self._size += 1

    def remove(self, item: T) -> bool:
        """Remove ``item``; False if it is not there."""
        tier = self._tier_of(item)
        starts, items = self._starts[tier], self._items[tier]
        start = self._start(item)
        index = bisect_left(starts, start)
        while index < len(starts) and starts[index] == start:
            if items[index] is item or items[index] == item:
                del starts[index], items[index]
                self._size -= 1
                return True
            index += 1
        return False

    def overlapping(self, start: int, end: int) -> list[T]:
        """The spans that overlap ``[start, end)`` (tier by tier, each in start order)."""
        found: list[T] = []
        item_end = self._end
        for starts, items, limit in zip(self._starts, self._items, self._limits, strict=True):
            low = bisect_left(starts, start - limit)
            high = bisect_left(starts, end)
            found += [item for item in items[low:high] if item_end(item) > start]
        return found

    def at(self, offset: int) -> list[T]:
        """The spans that contain ``offset``."""
        return self.overlapping(offset, offset + 1)
