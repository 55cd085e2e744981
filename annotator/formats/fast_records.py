"""Export's fast path: a record parsed as plain JSON and vouched for without building models.

Building pydantic models of ~40 spans per record, then checking them against the text, costs
more than everything else an export does. :meth:`RecordRules.vouch` checks a record parsed by
orjson against the rules of :class:`~annotator.model.records.AnnotationRecord` and of
:func:`~annotator.model.validate.check_record` together, and answers True only when the record
certainly passes them all. On False (anything unusual) the caller takes the model path, which
gives the precise message. So this check may refuse what the models accept (a cursor written
as ``3.0``, a field it does not know), but must never accept what they reject; the tests compare
the two on mutated records.
"""

from __future__ import annotations

import math
from datetime import datetime
from operator import itemgetter
from typing import Any

from annotator.model.config import ProjectConfig
from annotator.model.records import SCHEMA_VERSION, Status

RECORD_FIELDS = frozenset(
    {
        "schema_version",
        "doc_id",
        "annotator",
        "text_sha256",
        "spans",
        "relations",
        "status",
        "note",
        "updated_at",
        "seconds_spent",
        "cursor",
        "provenance",
        "rejected",
    }
)
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


def _spans_valid(spans: object, text: str, labels: frozenset[str] | None) -> dict[str, str] | None:
    """Span id to label when every span is well formed, matches ``text`` and (unless ``labels``
    is None) has a known label and a unique id; else None.

    One plain loop: with tens of spans per record it beats column-wise ``map`` passes, whose
    temporary lists cost more than the checks.
    """
    if type(spans) is not list:
        return None
    found: dict[str, str] = {}
    startswith = text.startswith
    try:
        for span in spans:
            if type(span) is not dict or len(span) != len(SPAN_FIELDS):
                return None
            span_id, start, end, label, covered = _SPAN_FIELDS(span)  # KeyError: not a span
            if (
                type(span_id) is not str
                or type(start) is not int
                or type(end) is not int
                or type(covered) is not str
                or not span_id
                or start < 0
                or end <= start
                or len(covered) != end - start
                # of length end - start and found at start: equals text[start:end], in range
                or not startswith(covered, start)
            ):
                return None
            if labels is None:
                if type(label) is not str or not label:
                    return None
            elif label not in labels or span_id in found:  # labels: non-empty strings only
                return None
            else:
                found[span_id] = label
    except (KeyError, TypeError):  # TypeError: an unhashable label
        return None
    return found


class RecordRules:
    """The checks of one project's config, prepared once per export."""

    def __init__(self, config: ProjectConfig) -> None:
        self.labels = frozenset(name for name in config.label_names if name)
        self.relations = {
            relation.name: (frozenset(relation.head_labels), frozenset(relation.tail_labels))
            for relation in config.relations
        }

    def vouch(self, value: Any, text: str, digest: str) -> bool:
        """True when the parsed record ``value`` is certainly valid for the document ``text``
        whose sha256 is ``digest`` (the model path would accept it and find no problem)."""
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
        status = get("status", Status.in_progress.value)
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
        if cursor is not None and (type(cursor) is not int or cursor < 0):
            return False
        span_labels = _spans_valid(get("spans", []), text, self.labels)
        if span_labels is None:
            return False
        if not self._relations_valid(get("relations", []), span_labels):
            return False
        rejected = get("rejected")
        if rejected is not None and _spans_valid(rejected, text, None) is None:
            return False
        provenance = get("provenance")
        return provenance is None or self._provenance_valid(provenance, span_labels)

    def _relations_valid(self, relations: object, span_labels: dict[str, str]) -> bool:
        if type(relations) is not list:
            return False
        seen: set[str] = set()
        types = self.relations
        try:
            for relation in relations:
                if type(relation) is not dict or len(relation) != len(RELATION_FIELDS):
                    return False
                relation_id, label, head, tail = _RELATION_FIELDS(relation)
                if type(relation_id) is not str or not relation_id or relation_id in seen:
                    return False
                seen.add(relation_id)
                # span ids and type names are non-empty strings: anything else is not found
                allowed = types.get(label) if type(label) is str else None
                head_label = span_labels.get(head) if type(head) is str else None
                tail_label = span_labels.get(tail) if type(tail) is str else None
                if allowed is None or head_label is None or tail_label is None:
                    return False
                heads_allowed, tails_allowed = allowed
                if (heads_allowed and head_label not in heads_allowed) or (
                    tails_allowed and tail_label not in tails_allowed
                ):
                    return False
        except KeyError:
            return False
        return True

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
