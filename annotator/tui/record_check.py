"""Whether a saved record passes ``annotator validate``'s checks against its document, before
the annotate screen lets it be edited: a record that validate rejects (span text not matching
the document, unknown label, relation to a missing span, duplicate id...) is shown read-only
and never saved again, since every later command (agreement, adjudicate, export) refuses it.

The checks are those of :func:`annotator.model.validate.check_record`, called as they are. A
book-length record (100,000 spans) would spend a quarter of a second in them on every opening,
so a big record of an ordinary annotator (no gold fields) first goes through the same checks
made in C passes over the span list (:func:`_passes`): when it passes them, check_record would
find nothing; when it does not, check_record is called and its messages are shown.
"""

from __future__ import annotations

from operator import attrgetter
from pathlib import Path

from annotator.model.config import ProjectConfig
from annotator.model.errors import Problem
from annotator.model.records import PLAIN_RECORD_FIELDS, AnnotationRecord
from annotator.model.validate import check_record

FULL_CHECK_ITEMS = 2_000
"""Records with fewer spans and relations than this are checked by check_record itself (a few
milliseconds); bigger ones go through the C passes first."""

_PLAIN_FIELDS = PLAIN_RECORD_FIELDS
"""Fields the C passes know the checks of; a record with anything else set (a gold record's
provenance or rejected versions, a field added later) is checked by check_record alone."""

_ID = attrgetter("id")
_LABEL = attrgetter("label")
_START = attrgetter("start")
_END = attrgetter("end")
_TEXT = attrgetter("text")
_HEAD = attrgetter("head")
_TAIL = attrgetter("tail")


def record_problems(
    record: AnnotationRecord,
    text: str,
    config: ProjectConfig,
    *,
    file: str | Path | None,
    line: int | None,
) -> list[Problem]:
    """What ``annotator validate`` reports about ``record`` on document ``text`` (whose
    ``text_sha256`` the caller found equal to the record's), each naming file and line."""
    if (
        len(record.spans) + len(record.relations) >= FULL_CHECK_ITEMS
        and _plain(record)
        and _passes(record, text, config)
    ):
        return []
    return check_record(record, text, config, file=file, line=line)


def _plain(record: AnnotationRecord) -> bool:
    for name in type(record).model_fields:
        if name not in _PLAIN_FIELDS and getattr(record, name) not in (None, [], {}):
            return False
    return True


def _passes(record: AnnotationRecord, text: str, config: ProjectConfig) -> bool:
    """check_record's checks of spans and relations, made in C passes (no Python code per
    span or relation): False as soon as one could fail."""
    spans = record.spans
    ids = list(map(_ID, spans))
    labels = list(map(_LABEL, spans))
    label_of = dict(zip(ids, labels, strict=True))
    if len(label_of) != len(ids) or not set(labels) <= set(config.label_names):
        return False  # a duplicate id, or an unknown label
    del ids, labels
    ends = list(map(_END, spans))
    if ends and max(ends) > len(text):
        return False
    if list(map(text.__getitem__, map(slice, map(_START, spans), ends))) != list(map(_TEXT, spans)):
        return False
    relations = record.relations
    if len(set(map(_ID, relations))) != len(relations):
        return False
    # (type, head label, tail label) of every relation: a handful of distinct ones
    found = set(
        zip(
            map(_LABEL, relations),
            map(label_of.get, map(_HEAD, relations)),
            map(label_of.get, map(_TAIL, relations)),
            strict=True,
        )
    )
    types = {relation.name: relation for relation in config.relations}
    for name, head, tail in found:
        kind = types.get(name)
        if kind is None or head is None or tail is None:
            return False
        if (kind.head_labels and head not in kind.head_labels) or (
            kind.tail_labels and tail not in kind.tail_labels
        ):
            return False
    return True
