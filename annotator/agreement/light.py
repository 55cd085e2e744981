"""A record reduced to the fields agreement reads, decoded without building pydantic objects.

Agreement over a large project reads tens of thousands of records; full validation builds an
object per span and dominates the run. The fast path decodes with orjson and checks exactly the
fields agreement relies on; anything unusual falls back to the full pydantic validation, so a bad
record is reported with the same message (file, line, field) as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from annotator.model.errors import AnnotatorError
from annotator.model.records import SCHEMA_VERSION, AnnotationRecord
from annotator.model.validate import problems_from_validation_error

LightSpan = tuple[str, int, int, str]
"""``(id, start, end, label)``."""
LightRelation = tuple[str, str, str, str]
"""``(id, label, head span id, tail span id)``."""


@dataclass(frozen=True, slots=True)
class LightRecord:
    doc_id: str
    annotator: str
    text_sha256: str
    spans: list[LightSpan]
    relations: list[LightRelation]

    @classmethod
    def of(cls, record: AnnotationRecord) -> LightRecord:
        return cls(
            record.doc_id,
            record.annotator,
            record.text_sha256,
            [(span.id, span.start, span.end, span.label) for span in record.spans],
            [(rel.id, rel.label, rel.head, rel.tail) for rel in record.relations],
        )


def _fast(value: Any) -> LightRecord | None:
    """The light record when every field agreement needs is plainly well formed, else None."""
    if not isinstance(value, dict):
        return None
    doc_id = value.get("doc_id")
    annotator = value.get("annotator")
    digest = value.get("text_sha256")
    version = value.get("schema_version", SCHEMA_VERSION)
    if not (
        type(doc_id) is str
        and doc_id
        and type(annotator) is str
        and type(digest) is str
        and len(digest) == 64
        and type(version) is int
        and 0 < version <= SCHEMA_VERSION
    ):
        return None
    raw_spans = value.get("spans", ())
    try:
        spans: list[LightSpan] = [
            (span["id"], span["start"], span["end"], span["label"]) for span in raw_spans
        ]
        lengths = [len(span["text"]) for span in raw_spans]
    except (KeyError, TypeError):
        return None
    for (span_id, start, end, label), length in zip(spans, lengths, strict=True):
        if not (
            type(start) is int
            and type(end) is int
            and 0 <= start < end
            and end - start == length
            and type(span_id) is str
            and span_id
            and type(label) is str
            and label
        ):
            return None
    relations: list[LightRelation] = []
    for relation in value.get("relations", ()):
        if type(relation) is not dict:
            return None
        fields = (
            relation.get("id"),
            relation.get("label"),
            relation.get("head"),
            relation.get("tail"),
        )
        if not all(type(item) is str and item for item in fields):
            return None
        relations.append(fields)  # type: ignore[arg-type]
    return LightRecord(doc_id, annotator, digest, spans, relations)


def parse_light(data: bytes, *, file: Path, line: int) -> LightRecord | AnnotatorError:
    """Decode one JSONL line; a record that does not validate comes back as the error."""
    try:
        light = _fast(orjson.loads(data))
    except orjson.JSONDecodeError:
        light = None
    if light is not None:
        return light
    try:
        return LightRecord.of(AnnotationRecord.model_validate_json(data))
    except ValidationError as error:
        return problems_from_validation_error(error, file=file, line=line)[0]
