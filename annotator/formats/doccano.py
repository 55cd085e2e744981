"""``doccano``: JSONL of sequence-labelling examples with relations.

Each line: ``text``, ``entities`` (``id``, ``label``, ``start_offset``, ``end_offset``) and
``relations`` (``id``, ``from_id``, ``to_id``, ``type``), the shape doccano exports for a
sequence-labelling project with relations; ``from_id`` is the head and ``to_id`` the tail.
Offsets are code points. Our document id travels in ``doc_id`` (doccano keeps unknown columns
as metadata), ``meta`` and ``title`` as they are. Import reads the same shape; the older
``label: [[start, end, label], ...]`` lines are read too (``labels``, which other tools write, the
same way), doccano 1.0's ``annotations`` objects when they name their label (label ids cannot be
mapped: refused), the text under doccano <= 1.2's ``data``, and ``Comments`` as the record's
note. Other keys go to the document's ``meta``, except lists, which may hold spans the importer
cannot read: such a line is refused rather than imported as a record with no spans. A line
without ``doc_id`` gets the id ``doccano-<id>`` (or ``doccano-<line>``).
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


_SPAN_KEYS = ("entities", "label", "labels", "annotations")
_KNOWN = frozenset(
    {"text", "data", "doc_id", "id", "relations", "meta", "title", "Comments", *_SPAN_KEYS}
)
"""Keys of a line the importer reads; any other key whose value is not a list goes to the
document's ``meta`` (a list under an unknown key may hold spans: the line is refused)."""


def _triples(fields: Fields, key: str, annotation: RawAnnotation) -> None:
    """``label`` (or ``labels``, the same shape): ``[[start, end, label], ...]``."""
    where = fields.where
    for index, triple in enumerate(fields.items(key)):
        if (
            not isinstance(triple, list)
            or len(triple) != 3
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in triple[:2])
            or not isinstance(triple[2], str)
        ):
            raise where.error("expected [start, end, label]", f"{key}[{index}]")
        annotation.spans.append(
            RawSpan(f"{key}-{index}", triple[0], triple[1], triple[2], where, f"{key}[{index}]")
        )


def _doccano_1_annotations(fields: Fields) -> list[RawAnnotation]:
    """doccano 1.0's ``annotations``: ``{label, start_offset, end_offset, user}`` objects with
    the label's name; one annotation per ``user`` (the key ``--annotator`` /
    ``--annotator-map`` picks or maps). A label id (an integer) cannot be mapped: refused."""
    by_user: dict[str | None, RawAnnotation] = {}
    for number, item in enumerate(fields.objects("annotations")):
        label = item.raw("label")
        if isinstance(label, int) and not isinstance(label, bool):
            raise fields.where.error(
                f"label id {label}: doccano 1.0 exports label ids, which cannot be mapped to "
                "label names; replace them by the names, or export with a newer doccano",
                f"{item.path}.label",
            )
        user = item.optional_string("user", allow_int=True)
        annotation = by_user.setdefault(user, RawAnnotation(annotator_key=user))
        annotation.spans.append(
            RawSpan(
                key=item.optional_string("id", allow_int=True) or f"annotations-{number}",
                start=item.integer("start_offset"),
                end=item.integer("end_offset"),
                label=item.string("label"),
                where=fields.where,
                field=item.path,
            )
        )
    return list(by_user.values()) or [RawAnnotation()]


def _comments(fields: Fields) -> str:
    """doccano's ``Comments`` (strings, or objects with ``text`` or ``comment``), one a line:
    the record's note."""
    found: list[str] = []
    for index, comment in enumerate(fields.items("Comments")):
        if isinstance(comment, dict):
            comment = comment.get("text", comment.get("comment"))
        if not isinstance(comment, str):
            raise fields.where.error(
                "expected a string, or an object with 'text'", f"Comments[{index}]"
            )
        if comment.strip():
            found.append(comment.strip())
    return "\n".join(found)


def read(path: Path, problems: list[AnnotatorError]) -> Iterator[RawDocument]:
    for where, value in iter_json_lines(path):
        try:
            fields = Fields(value, where)
            # doccano <= 1.2 wrote the text as ``data``.
            text = fields.string(
                "text" if "text" in fields.value or "data" not in fields.value else "data"
            )
            doc_id = fields.optional_string("doc_id", allow_int=True)
            if doc_id is None:
                number = fields.optional_string("id", allow_int=True)
                doc_id = f"doccano-{number if number is not None else where.line}"
            lists = [
                key
                for key, item in fields.value.items()
                if key not in _KNOWN and isinstance(item, list)
            ]
            if lists:
                raise where.error(
                    f"a list under {', '.join(map(repr, lists))}, a key the importer does not "
                    "read (spans are read from 'entities', 'label', 'labels' or doccano 1.0's "
                    "'annotations'); nothing imported"
                )
            if fields.has("annotations"):
                mixed = [key for key in _SPAN_KEYS[:3] if fields.items(key)]
                if mixed:
                    raise where.error(
                        f"spans under both 'annotations' and {mixed[0]!r}: cannot tell which "
                        "to import"
                    )
                annotations = _doccano_1_annotations(fields)
            else:
                annotations = [RawAnnotation()]
            annotation = annotations[0]
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
            _triples(fields, "label", annotation)
            _triples(fields, "labels", annotation)
            annotation.relations.extend(
                read_relations(fields, where, head="from_id", tail="to_id", label="type")
            )
            note = _comments(fields)
            for each in annotations:
                each.note = note
            meta = dict(fields.mapping("meta"))
            for key, item in fields.value.items():
                if key not in _KNOWN and item is not None:
                    meta.setdefault(key, item)
            title = fields.optional_string("title")
        except AnnotatorError as error:
            problems.append(error)
            continue
        yield RawDocument(doc_id, text, where, title, meta, annotations)
