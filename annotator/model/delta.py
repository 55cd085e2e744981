"""What changed in a document's record between two saves.

The session knows exactly which spans and relations an edit touched; handing that to
:meth:`annotator.store.annotations.AnnotationFile.save` as a :class:`RecordDelta` lets the store
append a small patch line instead of the whole record when the record is large, so that the cost
of a save follows the size of the edit and not the size of the document.

A delta says which items changed, not where they go: the store takes each set item's position
from the record being saved (the item before it), so the folded record has exactly the saved
record's order. For that, items the delta does not name must keep their relative order, and
the items of ``spans_set``/``relations_set`` must be the very objects in the record's lists
(the store finds them by identity; a span list in :func:`span_order` is searched by bisection).
:func:`apply` is a simple model of a delta for tests: replaced items keep their position, new
ones are appended.

A gold record's rejected spans and provenance may be described too (``rejected_set`` and
``provenance_set`` not None; the store then writes a format 2 patch line, see
:class:`RecordPatch`). Rejected spans follow the rules of spans (the very objects of
``record.rejected``, unnamed ones keeping their order). Provenance is described as a dict
update: ``provenance_removed`` keys deleted, then each ``provenance_set`` entry (the very object
the record holds under that id) replacing its key's entry in place or, for a key not there
(or just removed), going last, in the delta's order; entries the delta does not name keep their
order. That is what ``del provenance[key]`` and ``provenance[key] = entry`` on a copy of the
saved dict give; a provenance rebuilt in another order does not fit, and is saved whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from annotator.model.records import (
    SCHEMA_VERSION,
    AnnotationRecord,
    RejectedRelation,
    Relation,
    Span,
    SpanProvenance,
    Status,
    utc_now_iso,
)

T = TypeVar("T", Span, Relation)


def span_order(span: Span) -> tuple[int, int, str, str]:
    """The order the editing session keeps spans in: by start, longer first, label, id."""
    return (span.start, -span.end, span.label, span.id)


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
    rejected_set: tuple[Span, ...] | None = None
    """Gold records: rejected spans added, or replaced by id. None: the delta does not say
    what changed in ``rejected`` (the store then writes that field whole)."""
    rejected_removed: tuple[str, ...] = ()
    """Gold records: ids of rejected spans removed (only read when ``rejected_set`` is set)."""
    provenance_set: tuple[tuple[str, SpanProvenance], ...] | None = None
    """Gold records: ``(span id, entry)`` of provenance entries added or replaced. None: the
    delta does not say what changed in ``provenance`` (the store then writes it whole)."""
    provenance_removed: tuple[str, ...] = ()
    """Gold records: span ids whose provenance entry was removed (only read when
    ``provenance_set`` is set)."""

    def is_empty(self) -> bool:
        """True when the delta changes no span, relation, rejected span or provenance entry
        (only scalar fields changed)."""
        return not (
            self.spans_set
            or self.spans_removed
            or self.relations_set
            or self.relations_removed
            or self.rejected_set
            or self.rejected_removed
            or self.provenance_set
            or self.provenance_removed
        )

    def size(self) -> int:
        """How many items the delta touches."""
        return (
            len(self.spans_set)
            + len(self.spans_removed)
            + len(self.relations_set)
            + len(self.relations_removed)
            + len(self.rejected_set or ())
            + len(self.rejected_removed)
            + len(self.provenance_set or ())
            + len(self.provenance_removed)
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
    """A copy of ``record`` with ``delta`` applied to its spans and relations, and to its
    rejected spans and provenance when the delta describes them (provenance as a dict update:
    removed keys deleted, then set keys replaced in place or appended; a field that was None
    becomes a list or dict only when the delta sets or removes something in it).

    Scalar fields are left as they are. Raises ``KeyError`` when a removed id is absent.
    """
    update: dict[str, object] = {
        "spans": apply_items(record.spans, delta.spans_set, delta.spans_removed),
        "relations": apply_items(record.relations, delta.relations_set, delta.relations_removed),
    }
    if delta.rejected_set is not None and (
        record.rejected is not None or delta.rejected_set or delta.rejected_removed
    ):
        update["rejected"] = list(
            apply_items(list(record.rejected or []), delta.rejected_set, delta.rejected_removed)
        )
    if delta.provenance_set is not None and (
        record.provenance is not None or delta.provenance_set or delta.provenance_removed
    ):
        provenance = dict(record.provenance or {})
        for span_id in delta.provenance_removed:
            del provenance[span_id]
        provenance.update(delta.provenance_set)
        update["provenance"] = provenance
    return record.model_copy(update=update)


def diff(old: AnnotationRecord, new: AnnotationRecord, *, gold: bool = False) -> RecordDelta:
    """A delta turning ``old``'s spans and relations into ``new``'s (walks both records); with
    ``gold``, its rejected spans and provenance too (else the delta leaves them undescribed).

    Meant for tests and tools, not for the per-keystroke path: the session builds its deltas from
    the edit it just made. When ``new`` reorders surviving items, the delta removes and sets
    everything from the first out-of-place item on, so that ``apply(old, diff(old, new))`` always
    has ``new``'s spans and relations in ``new``'s order (and provenance keys, with ``gold``).
    """
    spans_set, spans_removed = _diff_items(old.spans, new.spans)
    relations_set, relations_removed = _diff_items(old.relations, new.relations)
    if not gold:
        return RecordDelta(spans_set, spans_removed, relations_set, relations_removed)
    rejected_set, rejected_removed = _diff_items(old.rejected or [], new.rejected or [])
    provenance_set, provenance_removed = _diff_provenance(
        old.provenance or {}, new.provenance or {}
    )
    return RecordDelta(
        spans_set,
        spans_removed,
        relations_set,
        relations_removed,
        rejected_set,
        rejected_removed,
        provenance_set,
        provenance_removed,
    )


def _diff_provenance(
    old: dict[str, SpanProvenance], new: dict[str, SpanProvenance]
) -> tuple[tuple[tuple[str, SpanProvenance], ...], tuple[str, ...]]:
    """``(provenance_set, provenance_removed)`` turning ``old`` into ``new`` as a dict update,
    keys in ``new``'s order: the keys from the first out-of-place one on are removed (if old)
    and set again, which puts them last, in order."""
    removed = [key for key in old if key not in new]
    kept = [key for key in old if key in new]
    keys = list(new)
    first = next(
        (index for index, (a, b) in enumerate(zip(keys, kept, strict=False)) if a != b),
        len(kept),
    )
    tail = keys[first:]
    removed += [key for key in tail if key in old]
    changed = [(key, new[key]) for key in keys[:first] if old[key] != new[key]]
    changed += [(key, new[key]) for key in tail]
    return tuple(changed), tuple(removed)


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


PATCH_VERSION = 2
"""Newest version of the patch line format (its ``patch`` field); this program reads 1 and 2.

Format 1: spans and relations item by item, every other field whole. Format 2 adds the rejected
spans and the provenance of a gold record item by item (``rejected_*``, ``provenance_*``), and a
gold record's ``rejected_relations`` (whole). A patch line that uses none of them is written as
format 1, so that files of ordinary annotators stay readable by programs that know only
format 1."""

PATCH_V2_FIELDS = (
    "rejected_set",
    "rejected_after",
    "rejected_removed",
    "rejected_count",
    "provenance_set",
    "provenance_removed",
    "provenance_count",
    "rejected_relations",
)
"""Fields of a patch line that need ``"patch": 2``."""


class RecordPatch(BaseModel):
    """A patch line of an annotation file: a large record's change since its previous line.

    It follows the document's last full record line (or a patch after it) in the same file.
    Reading folds it into the record before it (the full record with the patches before this
    one folded in):

    - ``spans`` and ``relations``: the ids of ``*_removed`` are dropped, then each item of
      ``*_set`` takes the place right after the item its ``*_after`` names (leaving its old
      place if it had one); ``span_count`` and ``relation_count`` are the counts after folding.
    - ``rejected`` (format 2, when ``rejected_count`` is present): folded like the spans, from
      the record before's list (an absent ``rejected`` counts as an empty list) with
      ``rejected_removed``, ``rejected_set``, ``rejected_after``; the folded record then has a
      ``rejected`` list, even an empty one, of ``rejected_count`` spans. Without
      ``rejected_count``, ``rejected`` is taken from this line as it is (absent: absent).
    - ``provenance`` (format 2, when ``provenance_count`` is present): a dict update of the
      record before's provenance (absent counts as empty): the keys of
      ``provenance_removed`` are deleted, then each entry of ``provenance_set`` replaces the
      entry of its key in place, or, for a key not there, is added last (in the object's
      order); the folded record then has a ``provenance`` object, even an empty one, of
      ``provenance_count`` entries. Without ``provenance_count``, ``provenance`` is taken from
      this line as it is (absent: absent).
    - Every other field is taken from this line as it is (a field missing here is missing, or
      at its default, in the folded record).

    The counts make a patch that does not fit the record before it an error, never a silent
    misfold. A line carries a field whole or its change, never both (``rejected`` with
    ``rejected_count``, ``provenance`` with ``provenance_count``); a ``rejected_*`` or
    ``provenance_*`` field without its count, or in a format 1 line, is an error.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    patch: int = Field(ge=1)
    """The patch format version (``1``, or ``2`` when a ``rejected_*`` or ``provenance_*``
    field is present); its presence marks the line as a patch."""
    schema_version: int = SCHEMA_VERSION
    doc_id: str = Field(min_length=1)
    annotator: str = Field(min_length=1)
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    status: Status = Status.in_progress
    note: str = ""
    updated_at: str = Field(default_factory=utc_now_iso)
    seconds_spent: float = Field(default=0.0, ge=0)
    cursor: int | None = Field(default=None, ge=0)
    provenance: dict[str, SpanProvenance] | None = None
    """The whole provenance, when the patch does not carry its change (``provenance_count``)."""
    rejected: list[Span] | None = None
    """The whole rejected list, when the patch does not carry its change (``rejected_count``)."""
    rejected_relations: list[RejectedRelation] | None = None
    """Format 2: the gold record's rejected relations, whole (a short list: the links the
    adjudicator rejected). Absent: the folded record has none."""
    spans_set: list[Span] = Field(default_factory=list)
    """Spans added, or replaced by id, in their order in the record after this patch."""
    spans_after: list[str | None] = Field(default_factory=list)
    """For each span of ``spans_set``: the id of the span just before it in the record after
    this patch (null: it comes first). Placing each one there in turn gives the saved order."""
    spans_removed: list[str] = Field(default_factory=list)
    """Ids of spans removed (applied before ``spans_set``)."""
    relations_set: list[Relation] = Field(default_factory=list)
    relations_after: list[str | None] = Field(default_factory=list)
    relations_removed: list[str] = Field(default_factory=list)
    span_count: int = Field(ge=0)
    """Number of spans in the record after this patch."""
    relation_count: int = Field(ge=0)
    """Number of relations in the record after this patch."""
    rejected_set: list[Span] = Field(default_factory=list)
    """Format 2: rejected spans added, or replaced by id, in their order after this patch."""
    rejected_after: list[str | None] = Field(default_factory=list)
    """Format 2: for each span of ``rejected_set``, the id of the rejected span just before it
    after this patch (null: first)."""
    rejected_removed: list[str] = Field(default_factory=list)
    """Format 2: ids of rejected spans removed (applied before ``rejected_set``)."""
    rejected_count: int | None = Field(default=None, ge=0)
    """Format 2: number of rejected spans after this patch; present exactly when the line
    carries the change of ``rejected`` instead of the whole list."""
    provenance_set: dict[str, SpanProvenance] = Field(default_factory=dict)
    """Format 2: span id to provenance entry, added or replaced (applied after
    ``provenance_removed``; new keys go last, in this object's order)."""
    provenance_removed: list[str] = Field(default_factory=list)
    """Format 2: span ids whose provenance entry is removed."""
    provenance_count: int | None = Field(default=None, ge=0)
    """Format 2: number of provenance entries after this patch; present exactly when the line
    carries the change of ``provenance`` instead of the whole object."""

    @field_validator("patch")
    @classmethod
    def _known_patch_version(cls, value: int) -> int:
        if value > PATCH_VERSION:
            raise ValueError(
                f"patch format {value} is newer than this program ({PATCH_VERSION}); upgrade"
            )
        return value

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        return AnnotationRecord._known_version(value)

    @field_validator("updated_at")
    @classmethod
    def _iso_time(cls, value: str) -> str:
        return AnnotationRecord._iso_time(value)

    @model_validator(mode="after")
    def _fields_of_the_format(self) -> RecordPatch:
        used = [name for name in PATCH_V2_FIELDS if name in self.model_fields_set]
        if used and self.patch < 2:
            raise ValueError(f"{used[0]} needs patch format 2 (this line says {self.patch})")
        for name, count in (("rejected", "rejected_count"), ("provenance", "provenance_count")):
            described = getattr(self, count) is not None
            if described and getattr(self, name) is not None:
                raise ValueError(f"carries both {name} and {count} (its change): one or the other")
            if not described and any(
                field.startswith(f"{name}_") and field != count for field in used
            ):
                raise ValueError(f"{name}_* fields without {count}")
        return self
