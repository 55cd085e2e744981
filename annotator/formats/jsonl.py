"""``jsonl``: our own records joined with their text, one :class:`ExportRecord` per line.

Export writes one line per (document, annotator); each line is valid against
``schemas/export_record.schema.json``. Import reads the same lines back (``annotator`` in a line
is the key that ``--annotator`` / ``--annotator-map`` picks or maps).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from annotator.formats.common import ExportItem
from annotator.formats.export_record import ExportRecord
from annotator.formats.exporting import ExportFormat, FileWriter
from annotator.formats.importing import (
    Fields,
    RawAnnotation,
    RawDocument,
    RawRelation,
    RawSpan,
    iter_json_lines,
)
from annotator.model.errors import AnnotatorError
from annotator.model.records import Status


class JsonlWriter(FileWriter):
    def write(self, item: ExportItem) -> None:
        document = item.document
        summary = self.context.summary
        for record in item.records:
            line = ExportRecord(
                id=document.id,
                text=document.text,
                title=document.title,
                meta=document.meta,
                annotator=record.annotator,
                status=record.status,
                spans=record.spans,
                relations=record.relations,
            )
            self.output.text.write(
                orjson.dumps(line.model_dump(mode="json", exclude_none=True)).decode() + "\n"
            )
            summary.spans.update(span.label for span in record.spans)
            summary.relations.update(relation.label for relation in record.relations)


EXPORT = ExportFormat("jsonl", JsonlWriter, suffix=".jsonl", several_annotators=True)


def _status(fields: Fields) -> Status:
    value = fields.optional_string("status")
    if value is None:
        return Status.done
    try:
        return Status(value)
    except ValueError:
        known = ", ".join(status.value for status in Status)
        raise fields.where.error(f"unknown status {value!r} (known: {known})", "status") from None


def read(path: Path, problems: list[AnnotatorError]) -> Iterator[RawDocument]:
    """Lines with ``id``, ``text``, ``spans`` (``id``, ``start``, ``end``, ``label``, ``text``)
    and ``relations`` (``id``, ``label``, ``head``, ``tail``); several lines may share an id when
    they come from different annotators."""
    by_id: dict[str, RawDocument] = {}
    for where, value in iter_json_lines(path):
        try:
            fields = Fields(value, where)
            doc_id = fields.string("id", allow_int=True)
            text = fields.string("text")
            annotation = RawAnnotation(
                annotator_key=fields.optional_string("annotator"), status=_status(fields)
            )
            for span in fields.objects("spans"):
                annotation.spans.append(
                    RawSpan(
                        key=span.string("id", allow_int=True),
                        start=span.integer("start"),
                        end=span.integer("end"),
                        label=span.string("label"),
                        where=where,
                        field=span.path,
                        text=span.optional_string("text"),
                    )
                )
            for relation in fields.objects("relations"):
                annotation.relations.append(
                    RawRelation(
                        key=relation.optional_string("id", allow_int=True),
                        head=relation.string("head", allow_int=True),
                        tail=relation.string("tail", allow_int=True),
                        label=relation.string("label"),
                        where=where,
                        field=relation.path,
                    )
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
