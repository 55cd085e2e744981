"""Builders for agreement tests: a project on disk with several annotators' records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from annotator.model.records import AnnotationRecord, Relation, Span
from annotator.model.text import text_sha256
from annotator.store.project import Project, init_project

SpanSpec = tuple[int, int, str]
"""``(start, end, label)``; span ids are ``s0, s1, ...`` in list order."""
RelationSpec = tuple[str, int, int]
"""``(label, head span index, tail span index)``."""


def record(
    annotator: str,
    doc_id: str,
    text: str,
    spans: Sequence[SpanSpec] = (),
    relations: Sequence[RelationSpec] = (),
    *,
    digest: str | None = None,
) -> AnnotationRecord:
    return AnnotationRecord(
        doc_id=doc_id,
        annotator=annotator,
        text_sha256=digest or text_sha256(text),
        spans=[
            Span(id=f"s{index}", start=start, end=end, label=label, text=text[start:end])
            for index, (start, end, label) in enumerate(spans)
        ],
        relations=[
            Relation(id=f"r{index}", label=label, head=f"s{head}", tail=f"s{tail}")
            for index, (label, head, tail) in enumerate(relations)
        ],
    )


def build_project(
    root: Path,
    documents: Mapping[str, str],
    annotations: Mapping[str, Mapping[str, Sequence[SpanSpec] | AnnotationRecord]],
) -> Project:
    """``annotations[annotator][doc_id]`` is a span list or a ready record."""
    init_project(root, [])
    for doc_id, text in documents.items():
        (root / "documents" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    project = Project(root)
    for annotator, by_doc in annotations.items():
        with project.annotations(annotator, writable=True) as file:
            for doc_id, value in by_doc.items():
                if isinstance(value, AnnotationRecord):
                    file.save(value)
                else:
                    file.save(record(annotator, doc_id, documents[doc_id], value))
    return Project(root)
