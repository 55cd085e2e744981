"""Export's fast path: a record parsed as plain JSON and vouched for without building models.

Building pydantic models of ~40 spans per record, then checking them against the text, costs
more than everything else an export does. :meth:`RecordRules.vouch` checks a record parsed by
orjson against the rules of :class:`~annotator.model.records.AnnotationRecord` and of
:func:`~annotator.model.validate.check_record` together, and answers True only when the record
certainly passes them all. On False (anything unusual) the caller takes the model path, which
gives the precise message. So this check may refuse what the models accept (a cursor written
as ``3.0``, a field it does not know), but must never accept what they reject; the tests compare
the two on mutated records.

The ``jsonl`` export, which writes each record as stored without building models, reads it with
:meth:`RecordRules.stored` instead: msgspec parses the line into :class:`StoredRecord` (the
models' fields and types, checked as it parses, faster than orjson builds plain objects), and
the rules that need the text or the config are checked on that.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Annotated, Any, Literal

import msgspec

from annotator.model.config import ProjectConfig
from annotator.model.records import (
    GOLD_RECORD_FIELDS,
    PLAIN_RECORD_FIELDS,
    SCHEMA_VERSION,
    Status,
)

RECORD_FIELDS = PLAIN_RECORD_FIELDS | GOLD_RECORD_FIELDS
"""Every field of AnnotationRecord (a test keeps the two equal)."""
SPAN_FIELDS = frozenset({"id", "start", "end", "label", "text"})
RELATION_FIELDS = frozenset({"id", "label", "head", "tail"})
PROVENANCE_FIELDS = frozenset({"annotators", "decision"})
STATUS_VALUES = frozenset(status.value for status in Status)


def _valid_time(value: object) -> bool:
    if type(value) is not str:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_SPAN_FIELDS = itemgetter("id", "start", "end", "label", "text")
_RELATION_FIELDS = itemgetter("id", "label", "head", "tail")
_ID = itemgetter("id")
_IN_PROGRESS = Status.in_progress.value
_SPAN_SIZE = {len(SPAN_FIELDS)}
_RELATION_SIZE = {len(RELATION_FIELDS)}


_NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
_Offset = Annotated[int, msgspec.Meta(ge=0)]


class StoredSpan(msgspec.Struct, forbid_unknown_fields=True, frozen=True, gc=False):
    """:class:`~annotator.model.records.Span` as msgspec reads it (the same field rules).

    Not tracked by the garbage collector (``gc=False``): it holds strings and numbers only, so
    it can be in no reference cycle, and an export makes and drops ~40 of them per record."""

    id: _NonEmpty
    start: _Offset
    end: _Offset
    label: _NonEmpty
    text: _NonEmpty
    """Not empty (the models want ``end > start`` and ``text`` of length ``end - start``)."""


class StoredRelation(msgspec.Struct, forbid_unknown_fields=True, frozen=True, gc=False):
    """:class:`~annotator.model.records.Relation` as msgspec reads it (untracked, as a span)."""

    id: _NonEmpty
    label: _NonEmpty
    head: _NonEmpty
    tail: _NonEmpty


class StoredProvenance(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    annotators: list[str] = []
    decision: str = "unanimous"


class StoredRecord(msgspec.Struct, forbid_unknown_fields=True, dict=True):
    """:class:`~annotator.model.records.AnnotationRecord` as msgspec reads it: the same fields
    and types (strictly: ``3.0`` is no whole number here, the models then decide).

    A record :meth:`RecordRules.stored` vouched for also has ``span_labels`` (see
    :func:`checked_span_labels`), which is no field: never read from JSON nor written to it."""

    doc_id: _NonEmpty
    annotator: _NonEmpty
    text_sha256: str
    schema_version: Annotated[int, msgspec.Meta(le=SCHEMA_VERSION)] = SCHEMA_VERSION
    spans: list[StoredSpan] = []
    relations: list[StoredRelation] = []
    status: Status = Status.in_progress
    note: str = ""
    updated_at: str | msgspec.UnsetType = msgspec.UNSET
    seconds_spent: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    cursor: _Offset | None = None
    provenance: dict[str, StoredProvenance] | None = None
    rejected: list[StoredSpan] | None = None
    rejected_relations: list[Any] | msgspec.UnsetType | None = msgspec.UNSET
    """A gold record's rejected links: a record that has them is left to the models."""


_STORED = msgspec.json.Decoder(StoredRecord)
_SHA256 = re.compile("[0-9a-f]{64}")


def model_record(line: bytes) -> StoredRecord | None:
    """The record of ``line`` read by msgspec when the models certainly accept it on its own
    (the rules of :class:`~annotator.model.records.AnnotationRecord`, not those that need the
    text or the config, which :func:`~annotator.model.validate.check_record` adds); None: the
    models decide, and word what is wrong. For a pass over every record that only counts (a
    model per record costs ~80 µs, this ~15)."""
    try:
        record = _STORED.decode(line)
    except msgspec.DecodeError:  # a ValidationError is a DecodeError too
        return None
    if _SHA256.fullmatch(record.text_sha256) is None:
        return None
    if record.rejected_relations is not msgspec.UNSET:
        return None  # a gold record's rejected links: the models decide
    if record.updated_at is not msgspec.UNSET and not _valid_time(record.updated_at):
        return None
    for spans in (record.spans, record.rejected or ()):
        for span in spans:
            if span.end <= span.start or len(span.text) != span.end - span.start:
                return None
    return record


def checked_span_labels(record: StoredRecord) -> dict[str, str] | None:
    """Span id to label of every span of ``record``, when :meth:`RecordRules.stored` made it
    while checking the record (labels counted from it cost half of going through the spans
    again), else None."""
    labels: dict[str, str] | None = record.__dict__.get("span_labels")
    return labels


_ID_OF = attrgetter("id")


def _stored_decoder(labels: frozenset[str]) -> msgspec.json.Decoder[StoredRecord]:
    """A decoder of :class:`StoredRecord` whose spans (not the rejected ones, whose labels need
    not be in the config) may only have a label of ``labels``: msgspec checks each label as it
    parses and gives the one string object of the label (no new string for each span, and
    found by identity in the checks after).

    A label outside the config is a decode error, so the record goes the model path, as one
    :meth:`RecordRules.stored` refuses; without labels, every span is refused the same way."""
    if not labels:
        return _STORED
    label_type: Any = Literal.__getitem__(tuple(sorted(labels)))
    span_type: Any = msgspec.defstruct(
        "ConfigSpan",
        [("label", label_type)],
        bases=(StoredSpan,),
        forbid_unknown_fields=True,
        frozen=True,
        gc=False,
    )
    record_type = msgspec.defstruct(
        "ConfigRecord", [("spans", list[span_type], [])], bases=(StoredRecord,)
    )
    return msgspec.json.Decoder(record_type)


def _spans_valid(spans: object, text: str, labels: frozenset[str]) -> dict[str, str] | None:
    """Span id to label when every span is well formed, matches ``text``, has a label of
    ``labels`` and an id of its own; else None.

    One plain loop over what each span must be (with tens of spans per record it beats
    column-wise ``map`` passes, whose temporary lists cost more than the checks); the number
    of fields, the labels and the uniqueness of the ids are then checked at once, in C.
    """
    if type(spans) is not list:
        return None
    found: dict[str, str] = {}
    startswith = text.startswith
    try:
        # the getter raises TypeError on anything but a dict (orjson makes no other mapping)
        # and KeyError on a missing field; an extra field is refused by the size check below
        for span_id, start, end, label, covered in map(_SPAN_FIELDS, spans):
            if (
                type(start) is not int
                or type(end) is not int
                or type(covered) is not str
                or type(span_id) is not str
                or not 0 <= start < end
                or len(covered) != end - start
                # of length end - start and found at start: equals text[start:end], in range
                or not startswith(covered, start)
            ):
                return None
            found[span_id] = label
        if spans and set(map(len, spans)) != _SPAN_SIZE:
            return None
        # labels holds non-empty strings only; an unhashable label raises TypeError
        if len(found) != len(spans) or "" in found or not labels.issuperset(found.values()):
            return None
    except (KeyError, TypeError):
        return None
    return found


def _rejected_valid(spans: object, text: str) -> bool:
    """A gold record's rejected spans: each well formed and matching ``text`` (ids may repeat,
    labels need not be in the config)."""
    if type(spans) is not list:
        return False
    startswith = text.startswith
    try:
        for span_id, start, end, label, covered in map(_SPAN_FIELDS, spans):
            if (
                type(start) is not int
                or type(end) is not int
                or type(covered) is not str
                or type(span_id) is not str
                or type(label) is not str
                or not span_id
                or not label
                or not 0 <= start < end
                or len(covered) != end - start
                or not startswith(covered, start)
            ):
                return False
    except (KeyError, TypeError):
        return False
    return not spans or set(map(len, spans)) == _SPAN_SIZE


class RecordRules:
    """The checks of one project's config, prepared once per export."""

    def __init__(self, config: ProjectConfig) -> None:
        self.labels = frozenset(name for name in config.label_names if name)
        allowed: set[tuple[str, str, str]] = set()
        # the label strings of the spans as decoded (see _stored_decoder): found by identity
        same = {name: name for name in self.labels}
        for relation in config.relations:
            heads = frozenset(same.get(name, name) for name in relation.head_labels) or self.labels
            tails = frozenset(same.get(name, name) for name in relation.tail_labels) or self.labels
            allowed.update((relation.name, head, tail) for head in heads for tail in tails)
        self.allowed_relations = frozenset(allowed)
        """``(relation type, head span label, tail span label)`` of every relation the config
        allows (an empty label list in the config allows every label)."""
        self._decode = _stored_decoder(self.labels).decode

    def vouch(self, value: Any, text: str, digest: str) -> bool:
        """True when the parsed record ``value`` is certainly valid for the document ``text``
        whose sha256 is ``digest`` (the model path would accept it and find no problem)."""
        if not self._fields_valid(value, digest):
            return False
        get = value.get
        span_labels = _spans_valid(get("spans", []), text, self.labels)
        if span_labels is None:
            return False
        if not self._relations_valid(get("relations", []), span_labels):
            return False
        rejected = get("rejected")
        if rejected is not None and not _rejected_valid(rejected, text):
            return False
        if get("rejected_relations") is not None:
            return False  # a gold record's rejected links: the models and check_record judge
        provenance = get("provenance")
        return provenance is None or self._provenance_valid(provenance, span_labels)

    @staticmethod
    def _fields_valid(value: Any, digest: str) -> bool:
        """The record's own fields (all but its lists) well formed, its hash ``digest``."""
        if type(value) is not dict or not value.keys() <= RECORD_FIELDS:
            return False
        get = value.get
        # equal to the hash of the text: 64 lower-case hex digits and the text unchanged
        if get("text_sha256") != digest:
            return False
        doc_id, annotator = get("doc_id"), get("annotator")
        if type(doc_id) is not str or not doc_id or type(annotator) is not str or not annotator:
            return False
        version = get("schema_version", SCHEMA_VERSION)
        if type(version) is not int or version > SCHEMA_VERSION:
            return False
        status = get("status", _IN_PROGRESS)
        if type(status) is not str or status not in STATUS_VALUES:
            return False
        if type(get("note", "")) is not str:
            return False
        if "updated_at" in value and not _valid_time(value["updated_at"]):
            return False
        seconds = get("seconds_spent", 0.0)
        if type(seconds) not in (int, float) or not (0 <= seconds < math.inf):
            return False
        cursor = get("cursor")
        return cursor is None or (type(cursor) is int and cursor >= 0)

    def stored(self, line: bytes, text: str, digest: str) -> StoredRecord | None:
        """The record of ``line`` when it is certainly valid for the document ``text`` whose
        sha256 is ``digest`` (the rules :meth:`vouch` checks), else None.

        msgspec parses the line straight into :class:`StoredRecord` and checks every field's
        name, type and bounds as it goes, in C and in less time than orjson takes to build
        the plain objects; what needs the text or the config is checked here after.
        """
        try:
            record = self._decode(line)
        except msgspec.DecodeError:  # not JSON, or not a record the models would accept
            return None
        if record.text_sha256 != digest or record.rejected_relations is not msgspec.UNSET:
            return None  # (a gold record's rejected links: check_record judges them)
        if record.updated_at is not msgspec.UNSET and not _valid_time(record.updated_at):
            return None
        startswith = text.startswith
        span_labels: dict[str, str] = {}
        spans, relations = record.spans, record.relations
        for span in spans:  # a plain loop over attributes beats map passes here
            start, covered = span.start, span.text
            if (
                # not empty (as decoded) and of length end - start: end > start
                len(covered) != span.end - start
                # of length end - start and found at start: equals text[start:end], in range
                or not startswith(covered, start)
            ):
                return None
            span_labels[span.id] = span.label
        if len(span_labels) != len(spans):
            return None  # an id used twice
        if not self.labels and spans:
            return None  # (with labels, the decoder refused any label outside the config)
        allowed = self.allowed_relations
        label_of = span_labels.get
        for relation in relations:
            if (relation.label, label_of(relation.head), label_of(relation.tail)) not in allowed:
                return None
        if relations and len(set(map(_ID_OF, relations))) != len(relations):
            return None
        for span in record.rejected or ():
            start, end, covered = span.start, span.end, span.text
            if end <= start or len(covered) != end - start or not startswith(covered, start):
                return None
        if record.provenance is not None and not span_labels.keys() >= record.provenance.keys():
            return None
        record.span_labels = span_labels  # type: ignore[attr-defined]
        return record

    def _relations_valid(self, relations: object, span_labels: dict[str, str]) -> bool:
        if type(relations) is not list:
            return False
        allowed = self.allowed_relations
        label_of = span_labels.get
        try:
            # as for spans: TypeError on a non-dict or an unhashable value, KeyError on a
            # missing field; a head or tail that is no span id of the record gives None
            for relation_id, label, head, tail in map(_RELATION_FIELDS, relations):
                if type(relation_id) is not str or (label, label_of(head), label_of(tail)) not in (
                    allowed
                ):
                    return False
        except (KeyError, TypeError):
            return False
        if not relations:
            return True
        ids = set(map(_ID, relations))
        return (
            len(ids) == len(relations)
            and "" not in ids
            and set(map(len, relations)) == _RELATION_SIZE
        )

    @staticmethod
    def _provenance_valid(provenance: object, span_labels: dict[str, str]) -> bool:
        if type(provenance) is not dict:
            return False
        for span_id, origin in provenance.items():
            if span_id not in span_labels:
                return False
            if type(origin) is not dict or not origin.keys() <= PROVENANCE_FIELDS:
                return False
            annotators = origin.get("annotators", [])
            if type(annotators) is not list or any(type(name) is not str for name in annotators):
                return False
            if type(origin.get("decision", "")) is not str:
                return False
        return True
