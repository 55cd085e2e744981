"""Checks on a record that need its document text and the project config."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from annotator.model.config import ProjectConfig
from annotator.model.errors import Problem
from annotator.model.records import AnnotationRecord, LinkEnd, Span
from annotator.model.text import text_sha256


def describe_validation_error(error: ValidationError) -> list[tuple[str, str]]:
    """``(field path, message)`` pairs of a pydantic error, paths like ``spans[3].end``."""
    found: list[tuple[str, str]] = []
    for item in error.errors(include_url=False):
        path = ""
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        found.append((path or "record", message))
    return found


def problems_from_validation_error(
    error: ValidationError, *, file: str | Path | None, line: int | None
) -> list[Problem]:
    return [
        Problem(message, file=file, line=line, field=path)
        for path, message in describe_validation_error(error)
    ]


def check_record(
    record: AnnotationRecord,
    text: str | None,
    config: ProjectConfig,
    *,
    file: str | Path | None = None,
    line: int | None = None,
) -> list[Problem]:
    """Every problem of ``record`` against its document ``text`` (None: the document is missing).

    Covers the text hash, offsets in range, span text, duplicate ids, unknown labels, and
    relations that point to missing spans or connect labels the config does not allow.
    """
    problems: list[Problem] = []

    def report(message: str, field: str) -> None:
        problems.append(Problem(message, file=file, line=line, field=field))

    def check_extent(span: Span | LinkEnd, text: str, where: str) -> None:
        if span.end > len(text):
            report(f"end {span.end} is past the end of the text ({len(text)})", f"{where}.end")
        elif text[span.start : span.end] != span.text:
            report(
                f"text {span.text!r} does not match the document there "
                f"({text[span.start : span.end]!r})",
                f"{where}.text",
            )

    labels = set(config.label_names)
    if text is None:
        report(f"no document with id {record.doc_id!r} in the corpus", "doc_id")
    elif text_sha256(text) != record.text_sha256:
        report(
            f"document {record.doc_id!r} changed since it was annotated (text_sha256 differs); "
            "spans may be misplaced: run `annotator reanchor`",
            "text_sha256",
        )
        text = None  # offsets cannot be checked against a different text
    span_labels: dict[str, str] = {}
    for index, span in enumerate(record.spans):
        where = f"spans[{index}]"
        if span.id in span_labels:
            report(f"duplicate span id {span.id!r}", f"{where}.id")
        span_labels[span.id] = span.label
        if span.label not in labels:
            report(
                f"unknown label {span.label!r} (known: {', '.join(sorted(labels))})",
                f"{where}.label",
            )
        if text is not None:
            check_extent(span, text, where)
    relation_ids: set[str] = set()
    for index, relation in enumerate(record.relations):
        where = f"relations[{index}]"
        if relation.id in relation_ids:
            report(f"duplicate relation id {relation.id!r}", f"{where}.id")
        relation_ids.add(relation.id)
        relation_type = config.relation(relation.label)
        if relation_type is None:
            report(f"unknown relation label {relation.label!r}", f"{where}.label")
        for end_name in ("head", "tail"):
            span_id = getattr(relation, end_name)
            label = span_labels.get(span_id)
            if label is None:
                report(f"points to missing span {span_id!r}", f"{where}.{end_name}")
                continue
            if relation_type is None:
                continue
            allowed = relation_type.head_labels if end_name == "head" else relation_type.tail_labels
            if allowed and label not in allowed:
                report(
                    f"{relation.label} {end_name} must be {' or '.join(allowed)}, "
                    f"span {span_id!r} is {label}",
                    f"{where}.{end_name}",
                )
    if text is not None:
        for index, span in enumerate(record.rejected or []):
            check_extent(span, text, f"rejected[{index}]")
        for index, link in enumerate(record.rejected_relations or []):
            check_extent(link.head, text, f"rejected_relations[{index}].head")
            check_extent(link.tail, text, f"rejected_relations[{index}].tail")
    if record.provenance is not None:
        for span_id in record.provenance:
            if span_id not in span_labels:
                report(f"provenance for missing span {span_id!r}", "provenance")
    return problems
