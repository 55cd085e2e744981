"""One annotator's record reduced to what agreement needs, and span matching between two records.

Spans are compared as ``(start, end, label)`` keys (duplicates within one record count once).
Matching is greedy and one-to-one; candidates come from a sweep over spans sorted by start, so a
document with many spans costs about as much as its overlaps, not the square of its spans.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from annotator.agreement.light import LightRecord
from annotator.model.tokenize import TokenIndex

SpanKey = tuple[int, int, str]
"""``(start, end, label)``."""
Extent = tuple[int, int]
RelationKey = tuple[str, SpanKey, SpanKey]
"""``(relation label, head span, tail span)``."""

NONE = "(none)"
"""Row/column of the confusion matrix for a span the other annotator did not match."""


@dataclass(slots=True)
class PreparedRecord:
    """The spans, relations and token masks of one record, restricted to the selected labels
    (the relations: to those with a selected label at either end)."""

    spans: set[SpanKey]
    by_label: dict[str, set[Extent]]
    """Distinct extents of each selected label (labels without spans are absent)."""
    extents: set[Extent]
    relations: set[RelationKey]
    relations_by_label: dict[str, set[RelationKey]]
    """Relations with a span of the label at either end."""
    masks: dict[str, int] = field(default_factory=dict)
    """Label to a bitset over token indices: bit ``i`` is set when token ``i`` is in a span."""


def prepare_record(
    record: LightRecord,
    labels: Sequence[str],
    tokens: TokenIndex | None,
    mask_cache: dict[Extent, int] | None = None,
) -> PreparedRecord:
    """Reduce ``record``; ``mask_cache`` shares extent-to-token-mask work between annotators."""
    wanted = set(labels)
    spans = {(start, end, label) for _id, start, end, label in record.spans if label in wanted}
    by_label: dict[str, set[Extent]] = {}
    for start, end, label in spans:
        extents = by_label.get(label)
        if extents is None:
            by_label[label] = {(start, end)}
        else:
            extents.add((start, end))
    relations: set[RelationKey] = set()
    relations_by_label: dict[str, set[RelationKey]] = {}
    if record.relations:
        keys = {span_id: (start, end, label) for span_id, start, end, label in record.spans}
        for _id, relation_label, head_id, tail_id in record.relations:
            head = keys.get(head_id)
            tail = keys.get(tail_id)
            # a relation touching a selected label counts: its other end is still compared
            # exactly (label included), as a label's own column does without --labels
            if head is None or tail is None or (head[2] not in wanted and tail[2] not in wanted):
                continue
            key = (relation_label, head, tail)
            relations.add(key)
            if head[2] in wanted:
                relations_by_label.setdefault(head[2], set()).add(key)
            if tail[2] in wanted:
                relations_by_label.setdefault(tail[2], set()).add(key)
    prepared = PreparedRecord(
        spans, by_label, {(s, e) for s, e, _ in spans}, relations, relations_by_label
    )
    if tokens is not None:
        count = len(tokens)
        if count > LONG_DOCUMENT_TOKENS:
            for label, extents in by_label.items():
                prepared.masks[label] = _long_mask(tokens, extents, count)
            return prepared
        cache = {} if mask_cache is None else mask_cache
        for label, extents in by_label.items():
            mask = 0
            for extent in extents:
                bits = cache.get(extent)
                if bits is None:
                    first, last = tokens.covering(*extent)
                    bits = ((1 << (last - first)) - 1) << first
                    cache[extent] = bits
                mask |= bits
            prepared.masks[label] = mask
    return prepared


LONG_DOCUMENT_TOKENS = 4096
"""Above this many tokens a label's mask is not made extent by extent: each extent's bits are a
number as long as the tokens before it, so a book's 100,000 spans would cost the square of its
length (gigabytes for a 10 MB article)."""


def _long_mask(tokens: TokenIndex, extents: set[Extent], count: int) -> int:
    """The token mask of ``extents`` in time and memory linear in the document: one character per
    token, read as a binary number (token ``i`` is bit ``i``, so the characters run backwards)."""
    digits = bytearray(b"0") * count
    for extent in extents:
        first, last = tokens.covering(*extent)
        digits[count - last : count - first] = b"1" * (last - first)
    return int(digits, 2)


def _dice(first: Extent, second: Extent) -> float:
    overlap = min(first[1], second[1]) - max(first[0], second[0])
    return 2 * overlap / (first[1] - first[0] + second[1] - second[0])


def _overlap_candidates(left: Sequence[Extent], right: Sequence[Extent]) -> list[tuple[int, int]]:
    """Index pairs of overlapping extents; ``right`` must be sorted by start."""
    if not left or not right:
        return []
    starts = [extent[0] for extent in right]
    longest = max(end - start for start, end in right)
    found = []
    for i, (start, end) in enumerate(left):
        low = bisect_right(starts, start - longest)
        high = bisect_left(starts, end)
        for j in range(low, high):
            if right[j][1] > start:
                found.append((i, j))
    return found


def half_overlap(first: Extent, second: Extent) -> bool:
    """True when the overlap covers at least half of either extent."""
    overlap = min(first[1], second[1]) - max(first[0], second[0])
    return overlap > 0 and (
        2 * overlap >= first[1] - first[0] or 2 * overlap >= second[1] - second[0]
    )


def partial_matches(left: set[Extent], right: set[Extent]) -> int:
    """Size of the greedy one-to-one matching of half-overlapping extents (same label).

    Identical extents match first; then candidates are taken by decreasing overlap (Dice of the
    two extents), ties broken by position.
    """
    if not left or not right:
        return 0
    exact = left & right
    matched = len(exact)
    if matched == len(left) or matched == len(right):
        return matched
    rest_left = sorted(left - exact)
    rest_right = sorted(right - exact)
    candidates = [
        (-_dice(rest_left[i], rest_right[j]), rest_left[i], rest_right[j], i, j)
        for i, j in _overlap_candidates(rest_left, rest_right)
        if half_overlap(rest_left[i], rest_right[j])
    ]
    candidates.sort()
    used_left: set[int] = set()
    used_right: set[int] = set()
    for _score, _a, _b, i, j in candidates:
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        matched += 1
    return matched


def confusion_pairs(left: set[SpanKey], right: set[SpanKey]) -> list[tuple[str, str]]:
    """Label pairs of a label-blind one-to-one matching of the spans the two do not share.

    Shared spans (same extent and label) are the diagonal and are not returned; unmatched spans
    pair with :data:`NONE`. Preference: the same extent with another label, then a half overlap
    with the same label, then a half overlap with another label (larger overlap first).
    """
    common = left & right
    pairs: list[tuple[str, str]] = []
    rest_left = sorted(left - common)
    rest_right = sorted(right - common)
    if rest_left and rest_right:
        left_extents = [(s, e) for s, e, _ in rest_left]
        right_extents = [(s, e) for s, e, _ in rest_right]
        candidates = []
        for i, j in _overlap_candidates(left_extents, right_extents):
            a, b = left_extents[i], right_extents[j]
            if not half_overlap(a, b):
                continue
            same_extent = a == b
            same_label = rest_left[i][2] == rest_right[j][2]
            candidates.append((not same_extent, not same_label, -_dice(a, b), a, b, i, j))
        candidates.sort()
        used_left: set[int] = set()
        used_right: set[int] = set()
        for *_ignored, i, j in candidates:
            if i in used_left or j in used_right:
                continue
            used_left.add(i)
            used_right.add(j)
            pairs.append((rest_left[i][2], rest_right[j][2]))
        rest_left = [span for i, span in enumerate(rest_left) if i not in used_left]
        rest_right = [span for j, span in enumerate(rest_right) if j not in used_right]
    pairs.extend((label, NONE) for _s, _e, label in rest_left)
    pairs.extend((NONE, label) for _s, _e, label in rest_right)
    return pairs
