"""Small builders shared by the store tests: a project on disk and records that validate."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import orjson

from annotator.model.records import AnnotationRecord, Relation, Span, Status
from annotator.model.text import text_sha256
from annotator.store.project import init_project

ARTICLE = (
    "GENEVA (Wire) — Foreign Minister Ana Ruiz said on Tuesday that the ceasefire "
    "“will hold through the winter”, according to a statement.\n"
    "Opposition leader Tomas Berg called the summit “a photo opportunity”.\n"
)


def make_project(root: Path, documents: dict[str, str] | None = None) -> Path:
    """A project folder with ``documents`` written as ``.txt`` files (UTF-8, as given)."""
    init_project(root, [])
    for doc_id, text in (documents or {"a1": ARTICLE}).items():
        path = root / "documents" / f"{doc_id}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


def span(text: str, needle: str, label: str, span_id: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return Span(id=span_id, start=start, end=start + len(needle), label=label, text=needle)


def make_record(
    text: str,
    *,
    doc_id: str = "a1",
    annotator: str = "alice",
    spans: Sequence[Span] = (),
    relations: Sequence[Relation] = (),
    status: Status = Status.in_progress,
    note: str = "",
) -> AnnotationRecord:
    return AnnotationRecord(
        doc_id=doc_id,
        annotator=annotator,
        text_sha256=text_sha256(text),
        spans=list(spans),
        relations=list(relations),
        status=status,
        note=note,
    )


def article_record(annotator: str = "alice", doc_id: str = "a1") -> AnnotationRecord:
    """A record of :data:`ARTICLE` with a speaker, a claim and the link between them."""
    speaker = span(ARTICLE, "Ana Ruiz", "speaker", "s1")
    claim = span(ARTICLE, "will hold through the winter", "claim", "s2")
    entity = span(ARTICLE, "GENEVA", "entity", "s3")
    link = Relation(id="r1", label="attributed_to", head="s2", tail="s1")
    return make_record(
        ARTICLE,
        doc_id=doc_id,
        annotator=annotator,
        spans=[speaker, claim, entity],
        relations=[link],
    )


def patch_line_of(record: AnnotationRecord, version: int, **fields: object) -> bytes:
    """A patch line (format ``version``) that folds onto ``record`` leaving it as it is, with
    ``fields`` put in (a field given as None is left out): for lines made wrong on purpose."""
    value: dict[str, object] = {
        "patch": version,
        "schema_version": 1,
        "doc_id": record.doc_id,
        "annotator": record.annotator,
        "text_sha256": record.text_sha256,
        "status": "in_progress",
        "note": "",
        "updated_at": record.updated_at,
        "seconds_spent": 0.0,
        "span_count": len(record.spans),
        "relation_count": len(record.relations),
    }
    if version >= 2:
        value["rejected_count"] = len(record.rejected or ())
        value["provenance_count"] = len(record.provenance or {})
    value.update(fields)
    return orjson.dumps({key: item for key, item in value.items() if item is not None})
