"""``prodigy``: JSONL of Prodigy tasks with ``tokens``, ``spans``, ``relations`` and ``answer``.

``tokens``: ``text``, ``start``, ``end``, ``id``, ``ws`` (the project's tokenizer; ``ws``:
whitespace follows); ``spans``:
``start``, ``end``, ``token_start``, ``token_end`` (inclusive), ``label``; ``relations``:
``head`` and ``child`` (the index of the last token of the head and child span), ``label``,
``head_span`` and ``child_span``; ``answer``: ``accept`` (status done or in progress), ``ignore``
(skipped) or ``reject`` (flagged). Spans that cut a token are widened to whole tokens (counted).
Offsets are code points. Our document id travels in ``meta.doc_id``, the title in
``meta.title`` and the annotator's note (the flag note), when there is one, in ``meta.note``:
Prodigy shows ``meta`` on the card and keeps it with the answer.

Import reads the same shape (``tokens`` are not needed). Relations are matched to spans by
``head_span`` / ``child_span`` when present, else by the token index of the span's last token.
The document id is ``meta.doc_id``, else ``meta.id``, else ``prodigy-<_input_hash>``, else
``prodigy-<16 hex digits of the sha256 of the text>``: lines of one document (a dataset
annotated by several people) are one document with one annotation per line, keyed by
``_annotator_id`` (else ``_session_id``) for ``--annotator`` / ``--annotator-map``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from annotator.formats.common import ExportItem, TokenSpan, align_spans
from annotator.formats.exporting import ExportFormat, FileWriter
from annotator.formats.importing import (
    Fields,
    RawAnnotation,
    RawDocument,
    RawRelation,
    RawSpan,
    Where,
    iter_json_lines,
)
from annotator.model.errors import AnnotatorError
from annotator.model.records import Status
from annotator.model.text import normalize_text
from annotator.model.tokenize import TokenIndex

ANSWERS = {
    Status.done: "accept",
    Status.in_progress: "accept",
    Status.skipped: "ignore",
    Status.flagged: "reject",
}
STATUSES = {"accept": Status.done, "ignore": Status.skipped, "reject": Status.flagged}


def _span_json(span: TokenSpan) -> dict[str, Any]:
    return {
        "start": span.start,
        "end": span.end,
        "token_start": span.first,
        "token_end": span.last - 1,
        "label": span.span.label,
    }


class ProdigyWriter(FileWriter):
    def write(self, item: ExportItem) -> None:
        document = item.document
        (record,) = item.records
        summary = self.context.summary
        text = document.text
        index = TokenIndex.of(text, self.context.config.tokenizer)
        placed = align_spans(record.spans, index, summary, document.id)
        by_id = {span.span.id: span for span in placed}
        tokens = []
        for number, (start, end) in enumerate(index.tokens):
            following = index.starts[number + 1] if number + 1 < len(index) else len(text)
            tokens.append(
                {
                    "text": text[start:end],
                    "start": start,
                    "end": end,
                    "id": number,
                    "ws": end < following,
                }
            )
        relations: list[dict[str, Any]] = []
        for relation in record.relations:
            head, child = by_id.get(relation.head), by_id.get(relation.tail)
            if head is None or child is None:
                summary.drop("relation(s) whose span covers no token", document.id)
                continue
            relations.append(
                {
                    "head": head.last - 1,
                    "child": child.last - 1,
                    "label": relation.label,
                    "head_span": _span_json(head),
                    "child_span": _span_json(child),
                }
            )
        line = {
            "text": text,
            "tokens": tokens,
            "spans": [_span_json(span) for span in placed],
            "relations": relations,
            "answer": ANSWERS[record.status],
            "meta": {
                "doc_id": document.id,
                **({"title": document.title} if document.title else {}),
                **({"note": record.note} if record.note else {}),
            },
        }
        summary.spans.update(span.span.label for span in placed)
        summary.relations.update(str(relation["label"]) for relation in relations)
        self.output.text.write(orjson.dumps(line).decode() + "\n")


EXPORT = ExportFormat("prodigy", ProdigyWriter, suffix=".jsonl")


def _key(span: Fields) -> str:
    return f"{span.integer('start')}:{span.integer('end')}:{span.string('label')}"


_RECORD_META = frozenset({"doc_id", "title", "note"})
"""Keys of a task's ``meta`` that are ours (the document id and title, the record's note), not
the document's metadata."""


def _annotator_key(fields: Fields) -> str | None:
    """Who answered the task: ``_annotator_id`` (``dataset-name`` of a named session), else
    ``_session_id``; None when neither is given."""
    for key in ("_annotator_id", "_session_id"):
        value = fields.raw(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _document_id(fields: Fields, meta: dict[str, Any], text: str) -> str:
    """``meta.doc_id`` (what the export writes), else ``meta.id``, else the input hash, else a
    hash of the text: identical texts are one document, as Prodigy's ``_input_hash`` makes
    them."""
    for key in ("doc_id", "id"):
        value = meta.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
    input_hash = fields.raw("_input_hash")
    if isinstance(input_hash, (str, int)) and not isinstance(input_hash, bool):
        return f"prodigy-{input_hash}"
    digest = hashlib.sha256(normalize_text(text).encode("utf-8", "surrogatepass")).hexdigest()
    return f"prodigy-{digest[:16]}"


def _read_annotation(fields: Fields, meta: dict[str, Any], where: Where) -> RawAnnotation:
    answer = fields.optional_string("answer") or "accept"
    if answer not in STATUSES:
        raise where.error(f"unknown answer {answer!r} (accept, reject or ignore)", "answer")
    note = meta.get("note")
    annotation = RawAnnotation(
        annotator_key=_annotator_key(fields),
        status=STATUSES[answer],
        note=note if isinstance(note, str) else "",
        where=where,
    )
    by_last_token: dict[int, list[str]] = {}
    for span in fields.objects("spans"):
        key = _key(span)
        annotation.spans.append(
            RawSpan(
                key,
                span.integer("start"),
                span.integer("end"),
                span.string("label"),
                where,
                span.path,
            )
        )
        if span.has("token_end"):
            by_last_token.setdefault(span.integer("token_end"), []).append(key)
    for relation in fields.objects("relations"):
        ends: list[str] = []
        for end_name in ("head", "child"):
            described = relation.child(f"{end_name}_span", required=False)
            if described is not None:
                ends.append(_key(described))
                continue
            candidates = by_last_token.get(relation.integer(end_name), [])
            if len(candidates) != 1:
                raise where.error(
                    f"{end_name} token {relation.integer(end_name)} is the last token "
                    f"of {len(candidates)} spans; give {end_name}_span",
                    relation.path,
                )
            ends.append(candidates[0])
        annotation.relations.append(
            RawRelation(None, ends[0], ends[1], relation.string("label"), where, relation.path)
        )
    return annotation


def read(path: Path, problems: list[AnnotatorError]) -> Iterator[RawDocument]:
    """Each task line is one annotation; lines of the same document (the same ``meta.doc_id``,
    ``meta.id``, ``_input_hash`` or, without any, the same text) are gathered into one document
    with one annotation per line, as ``prodigy db-out`` writes a dataset annotated by several
    people (``_annotator_id`` / ``_session_id`` is the key ``--annotator`` picks or
    ``--annotator-map`` maps)."""
    by_id: dict[str, RawDocument] = {}
    for where, value in iter_json_lines(path):
        try:
            fields = Fields(value, where)
            text = fields.string("text")
            meta = fields.mapping("meta")
            doc_id = _document_id(fields, meta, text)
            title = meta.get("title") if isinstance(meta.get("title"), str) else None
            annotation = _read_annotation(fields, meta, where)
        except AnnotatorError as error:
            problems.append(error)
            continue
        known = by_id.get(doc_id)
        if known is not None:
            if normalize_text(known.text) != normalize_text(text):
                problems.append(
                    where.error(
                        f"document {doc_id!r} appears again with a different text "
                        f"(first at {known.where})"
                    )
                )
                continue
            known.annotations.append(annotation)
            continue
        meta = {key: item for key, item in meta.items() if key not in _RECORD_META}
        by_id[doc_id] = RawDocument(doc_id, text, where, title, meta, [annotation])
    yield from by_id.values()
