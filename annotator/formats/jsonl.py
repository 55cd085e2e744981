"""``jsonl``: our own records joined with their text, one ``ExportRecord`` per line.

Export writes one line per (document, annotator); each line is valid against
``schemas/export_record.schema.json``: the document and the annotation (spans, relations), then
the rest of the record (note, time spent, when saved, cursor; provenance and rejected versions
of gold records), so that an import loses nothing the annotator typed. Import reads the same
lines back (``annotator`` in a line is the key that ``--annotator`` / ``--annotator-map`` picks
or maps).
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import msgspec
import orjson

from annotator.formats.common import ExportItem
from annotator.formats.exporting import ExportFormat, FileWriter
from annotator.formats.fast_records import (
    StoredProvenance,
    StoredRecord,
    StoredRelation,
    StoredSpan,
    checked_span_labels,
)
from annotator.formats.importing import (
    Fields,
    RawAnnotation,
    RawDocument,
    RawSpan,
    Where,
    iso_time,
    iter_json_lines,
    read_relations,
)
from annotator.model.errors import AnnotatorError
from annotator.model.records import SpanProvenance, Status


class JsonlWriter(FileWriter):
    """Each line is built straight from the record as the export checked it (see
    :func:`~annotator.formats.common.iter_items`; a :class:`StoredRecord`, or its JSON object
    after a label filter), in the field order of
    :class:`~annotator.formats.export_record.ExportRecord`: the JSON its
    ``model_dump(mode="json", exclude_none=True)`` gave, without building the models."""

    binary = True

    def start(self) -> None:
        # Straight into the summary's counters, in C: one pass over each record's labels.
        self._span_counts = self.context.summary.spans
        self._relation_counts = self.context.summary.relations
        self._encode = msgspec.json.Encoder().encode
        self._write = self.output.data.write

    def write(self, item: ExportItem) -> None:
        document = item.document
        write = self._write
        for record in item.raw:
            if isinstance(record, StoredRecord):
                spans, relations = record.spans, record.relations
                write(
                    self._encode(
                        _Line(
                            id=document.id,
                            text=document.text,
                            title=document.title,
                            meta=document.meta,
                            annotator=record.annotator,
                            status=record.status,
                            spans=spans,
                            relations=relations,
                            note=record.note,
                            seconds_spent=record.seconds_spent,
                            updated_at=record.updated_at,
                            cursor=record.cursor,
                            provenance=record.provenance,
                            rejected=record.rejected,
                        )
                    )
                )
                write(b"\n")
                labels = checked_span_labels(record)
                _count_into(
                    self._span_counts, map(_label_of, spans) if labels is None else labels.values()
                )
                _count_into(self._relation_counts, map(_label_of, relations))
                continue
            line: dict[str, Any] = {"id": document.id, "text": document.text}
            if document.title is not None:
                line["title"] = document.title
            line["meta"] = document.meta
            line["annotator"] = record["annotator"]
            line["status"] = record.get("status", _IN_PROGRESS)
            spans_json = line["spans"] = record.get("spans", [])
            relations_json = line["relations"] = record.get("relations", [])
            line["note"] = record.get("note", "")
            line["seconds_spent"] = record.get("seconds_spent", 0.0)
            for name in _OPTIONAL_FIELDS:
                value = record.get(name)
                if value is not None:
                    line[name] = value
            write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
            _count_into(self._span_counts, map(_label, spans_json))
            _count_into(self._relation_counts, map(_label, relations_json))


class _Line(msgspec.Struct, omit_defaults=True, kw_only=True):
    """An :class:`~annotator.formats.export_record.ExportRecord` line, fields in its order."""

    id: str
    text: str
    title: str | None = None
    meta: dict[str, Any]
    annotator: str
    status: Status
    spans: list[StoredSpan]
    relations: list[StoredRelation]
    note: str
    seconds_spent: float
    updated_at: str | msgspec.UnsetType = msgspec.UNSET
    cursor: int | None = None
    provenance: dict[str, StoredProvenance] | None = None
    rejected: list[StoredSpan] | None = None


_OPTIONAL_FIELDS = ("updated_at", "cursor", "provenance", "rejected")
"""The record's fields a line has only when the record has them (``exclude_none``)."""


_label_of = attrgetter("label")


def _count_each(counts: MutableMapping[str, int], labels: Iterable[str]) -> None:
    for label in labels:
        counts[label] = counts.get(label, 0) + 1


_count_into: Callable[[MutableMapping[str, int], Iterable[str]], None] = getattr(
    collections, "_count_elements", _count_each
)
"""What ``Counter.update`` does with an iterable, in C (``collections._count_elements``), without
the checks ``update`` makes on each call first (they cost as much as counting ~40 labels)."""
_IN_PROGRESS = Status.in_progress.value
_label = itemgetter("label")


EXPORT = ExportFormat(
    "jsonl", JsonlWriter, suffix=".jsonl", several_annotators=True, stored_json=True
)


def _status(fields: Fields) -> Status:
    value = fields.optional_string("status")
    if value is None:
        return Status.done
    try:
        return Status(value)
    except ValueError:
        known = ", ".join(status.value for status in Status)
        raise fields.where.error(f"unknown status {value!r} (known: {known})", "status") from None


def _spans(fields: Fields, key: str, where: Where) -> list[RawSpan]:
    """The spans under ``key``; a span without ``id`` (a model's predictions often have none)
    gets ``s1``, ``s2``... (numbers no other span of the line has), as other importers give."""
    spans = fields.objects(key)
    given = {span.optional_string("id", allow_int=True) for span in spans}
    numbers = (f"s{number}" for number in itertools.count(1) if f"s{number}" not in given)
    return [
        RawSpan(
            key=span.optional_string("id", allow_int=True) or next(numbers),
            start=span.integer("start"),
            end=span.integer("end"),
            label=span.string("label"),
            where=where,
            field=span.path,
            text=span.optional_string("text"),
        )
        for span in spans
    ]


def _provenance(fields: Fields) -> dict[str, SpanProvenance] | None:
    """A gold record's ``provenance``: span id to ``annotators`` and ``decision``."""
    if not fields.has("provenance"):
        return None
    provenance = fields.child("provenance")
    assert provenance is not None
    found: dict[str, SpanProvenance] = {}
    for span_id in provenance.value:
        origin = provenance.child(span_id)
        assert origin is not None
        annotators = origin.items("annotators")
        if not all(isinstance(name, str) for name in annotators):
            raise origin.where.error(
                "expected a list of annotator names", f"{origin.path}.annotators"
            )
        found[span_id] = SpanProvenance(
            annotators=annotators, decision=origin.optional_string("decision") or "unanimous"
        )
    return found


def read(path: Path, problems: list[AnnotatorError]) -> Iterator[RawDocument]:
    """Lines with ``id``, ``text``, ``spans`` (``id``, ``start``, ``end``, ``label``, ``text``)
    and ``relations`` (``id``, ``label``, ``head``, ``tail``), and the rest of the record when
    given (``note``, ``seconds_spent``, ``updated_at``, ``cursor``, ``provenance``,
    ``rejected``); several lines may share an id when they come from different annotators."""
    by_id: dict[str, RawDocument] = {}
    for where, value in iter_json_lines(path):
        try:
            fields = Fields(value, where)
            doc_id = fields.string("id", allow_int=True)
            text = fields.string("text")
            annotation = RawAnnotation(
                annotator_key=fields.optional_string("annotator"),
                status=_status(fields),
                note=fields.optional_string("note") or "",
                seconds_spent=fields.number("seconds_spent"),
                updated_at=iso_time(fields, "updated_at"),
                cursor=fields.integer("cursor") if fields.has("cursor") else None,
                provenance=_provenance(fields),
                where=where,
            )
            annotation.spans.extend(_spans(fields, "spans", where))
            if fields.has("rejected"):
                annotation.rejected = _spans(fields, "rejected", where)
            annotation.relations.extend(
                read_relations(fields, where, head="head", tail="tail", label="label")
            )
            title = fields.optional_string("title")
            meta = fields.mapping("meta")
        except AnnotatorError as error:
            problems.append(error)
            continue
        known = by_id.get(doc_id)
        if known is not None and known.text == text:
            known.annotations.append(annotation)
            continue
        if known is not None:
            problems.append(
                where.error(
                    f"document {doc_id!r} appears again with a different text "
                    f"(first at {known.where})"
                )
            )
            continue
        by_id[doc_id] = RawDocument(doc_id, text, where, title, meta, [annotation])
    yield from by_id.values()
