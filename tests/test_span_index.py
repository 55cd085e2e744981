"""The span index finds exactly the spans a range overlaps, whatever their lengths."""

from __future__ import annotations

import random
from operator import itemgetter

from annotator.model.span_index import SpanIndex


def test_index_of_short_and_long_spans_finds_what_a_scan_finds() -> None:
    rng = random.Random(6)
    for size in (0, 1, 40, 300):
        items = []
        for number in range(size):
            start = rng.randint(0, 3000)
            length = rng.choice([1, 5, 64, 65, 256, 257, 1100, 5000] if number % 3 else [3])
            items.append((start, start + length, number))
        index = SpanIndex(items, start=itemgetter(0), end=itemgetter(1))
        assert len(index) == size
        for _ in range(50):
            low = rng.randint(0, 9000)
            high = low + rng.randint(1, 300)
            expected = sorted(item for item in items if item[0] < high and item[1] > low)
            assert sorted(index.overlapping(low, high)) == expected
        for item in items[:5]:
            assert index.remove(item)
            assert item not in index.overlapping(item[0], item[1])
            index.add(item)
            assert item in index.at(item[0])
