"""``doccano``: JSONL of sequence-labelling examples with relations.

Each line: ``text``, ``entities`` (``id``, ``label``, ``start_offset``, ``end_offset``) and
``relations`` (``id``, ``from_id``, ``to_id``, ``type``), the shape doccano exports for a
sequence-labelling project with relations; ``from_id`` is the head and ``to_id`` the tail.
Offsets are code points. Our document id travels in ``doc_id`` (doccano keeps unknown columns
as metadata), ``meta`` and ``title`` as they are. Import reads the same shape; the older
``label: [[start, end, label], ...]`` lines are read too. A line without ``doc_id`` gets the id
``doccano-<id>`` (or ``doccano-<line>``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from annotator.formats.common import ExportItem
from annotator.formats.exporting import ExportFormat, FileWriter
from annotator.formats.importing import (
    Fields,
    RawAnnotation,
    RawDocument,
    RawSpan,
    iter_json_lines,
    read_relations,
)
from annotator.model.errors import AnnotatorError


class DoccanoWriter(FileWriter):
    def write(self, item: ExportItem) -> None:
        document = item.document
        (record,) = item.records
        summary = self.context.summary
        numbers = {span.id: number for number, span in enumerate(record.spans, start=1)}
        line: dict[str, object] = {
            "doc_id": document.id,
            "text": document.text,
            "entities": [
                {
                    "id": numbers[span.id],
                    "label": span.label,
                    "start_offset": span.start,
                    "end_offset": span.end,
                }
                for span in record.spans
            ],
            "relations": [
                {
                    "id": number,
                    "from_id": numbers[relation.head],
                    "to_id": numbers[relation.tail],
                    "type": relation.label,
                }
                for number, relation in enumerate(record.relations, start=1)
            ],
        }
        if document.title is not None:
            line["title"] = document.title
        if document.meta:
            line["meta"] = document.meta
        summary.spans.update(span.label for span in record.spans)
        summary.relations.update(relation.label for relation in record.relations)
        self.output.text.write(orjson.dumps(line).decode() + "\n")


EXPORT = ExportFormat("doccano", DoccanoWriter, suffix=".jsonl")


def read(path: Path, problems: list[AnnotatorError]) -> Iterator[RawDocument]:
    for where, value in iter_json_lines(path):
        try:
            fields = Fields(value, where)
            text = fields.string("text")
            doc_id = fields.optional_string("doc_id", allow_int=True)
            if doc_id is None:
                number = fields.optional_string("id", allow_int=True)
                doc_id = f"doccano-{number if number is not None else where.line}"
            annotation = RawAnnotation()
            for entity in fields.objects("entities"):
                annotation.spans.append(
                    RawSpan(
                        key=entity.string("id", allow_int=True),
                        start=entity.integer("start_offset"),
                        end=entity.integer("end_offset"),
                        label=entity.string("label"),
                        where=where,
                        field=entity.path,
                    )
                )
            for index, triple in enumerate(fields.items("label")):
                if (
                    not isinstance(triple, list)
                    or len(triple) != 3
                    or not all(isinstance(x, int) and not isinstance(x, bool) for x in triple[:2])
                    or not isinstance(triple[2], str)
                ):
                    raise where.error("expected [start, end, label]", f"label[{index}]")
                annotation.spans.append(
                    RawSpan(
                        f"label-{index}", triple[0], triple[1], triple[2], where, f"label[{index}]"
                    )
                )
            annotation.relations.extend(
                read_relations(fields, where, head="from_id", tail="to_id", label="type")
            )
            meta = fields.mapping("meta")
            title = fields.optional_string("title")
        except AnnotatorError as error:
            problems.append(error)
            continue
        yield RawDocument(doc_id, text, where, title, meta, [annotation])
