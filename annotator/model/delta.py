"""What changed in a document's record between two saves.

The session knows exactly which spans and relations an edit touched; handing that to
:meth:`annotator.store.annotations.AnnotationFile.save` as a :class:`RecordDelta` lets the store
append a small patch line instead of the whole record when the record is large, so that the cost
of a save follows the size of the edit and not the size of the document.

Order is part of a record: a span set by a delta that replaces an existing id keeps that span's
position; a new id is appended at the end; removed ids disappear. :func:`apply` is the one
definition of that folding, used by the store when it reads patch lines back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from annotator.model.records import AnnotationRecord, Relation, Span

T = TypeVar("T", Span, Relation)


@dataclass(frozen=True, slots=True)
class RecordDelta:
    """What changed in a document's record since the version last saved for it."""

    spans_set: tuple[Span, ...] = ()
    """Spans added, or replaced by id."""
    spans_removed: tuple[str, ...] = ()
    """Span ids removed."""
    relations_set: tuple[Relation, ...] = ()
    """Relations added, or replaced by id."""
    relations_removed: tuple[str, ...] = ()
    """Relation ids removed."""

    def is_empty(self) -> bool:
        """True when the delta changes no span and no relation (only scalar fields changed)."""
        return not (
            self.spans_set or self.spans_removed or self.relations_set or self.relations_removed
        )

    def size(self) -> int:
        """How many items the delta touches."""
        return (
            len(self.spans_set)
            + len(self.spans_removed)
            + len(self.relations_set)
            + len(self.relations_removed)
        )


def apply_items(
    items: list[T], set_items: tuple[T, ...] | list[T], removed: tuple[str, ...] | list[str]
) -> list[T]:
    """``items`` with ``removed`` ids dropped, then ``set_items`` replacing by id or appended.

    Raises ``KeyError`` naming the first removed id that is not present (a patch that does not
    fit its base is an error, never silently skipped).
    """
    if not set_items and not removed:
        return items
    position: dict[str, int] = {item.id: index for index, item in enumerate(items)}
    result: list[T | None] = list(items)
    for item_id in removed:
        index = position.pop(item_id, None)
        if index is None:
            raise KeyError(item_id)
        result[index] = None
    for item in set_items:
        index = position.get(item.id)
        if index is None:
            position[item.id] = len(result)
            result.append(item)
        else:
            result[index] = item
    return [item for item in result if item is not None]


def apply(record: AnnotationRecord, delta: RecordDelta) -> AnnotationRecord:
    """A copy of ``record`` with ``delta`` applied to its spans and relations.

    Scalar fields are left as they are. Raises ``KeyError`` when a removed id is absent.
    """
    return record.model_copy(
        update={
            "spans": apply_items(record.spans, delta.spans_set, delta.spans_removed),
            "relations": apply_items(
                record.relations, delta.relations_set, delta.relations_removed
            ),
        }
    )


def diff(old: AnnotationRecord, new: AnnotationRecord) -> RecordDelta:
    """A delta turning ``old``'s spans and relations into ``new``'s (walks both records).

    Meant for tests and tools, not for the per-keystroke path: the session builds its deltas from
    the edit it just made. When ``new`` reorders surviving items, the delta removes and sets
    everything from the first out-of-place item on, so that ``apply(old, diff(old, new))`` always
    has ``new``'s spans and relations in ``new``'s order.
    """
    spans_set, spans_removed = _diff_items(old.spans, new.spans)
    relations_set, relations_removed = _diff_items(old.relations, new.relations)
    return RecordDelta(spans_set, spans_removed, relations_set, relations_removed)


def _diff_items(old: list[T], new: list[T]) -> tuple[tuple[T, ...], tuple[str, ...]]:
    new_ids = {item.id for item in new}
    old_ids = {item.id for item in old}
    removed = [item.id for item in old if item.id not in new_ids]
    kept_old = [item.id for item in old if item.id in new_ids]
    kept_new = [item.id for item in new if item.id in old_ids]
    # Items kept from old must keep their order, and new items must come after all of them.
    fits = kept_old == kept_new and all(item.id in old_ids for item in new[: len(kept_new)])
    if not fits:
        return tuple(new), tuple(item.id for item in old)
    old_by_id = {item.id: item for item in old}
    changed = tuple(item for item in new if old_by_id.get(item.id) != item)
    return changed, tuple(removed)
