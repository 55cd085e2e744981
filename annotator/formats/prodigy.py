"""``prodigy``: JSONL of Prodigy tasks with ``tokens``, ``spans``, ``relations`` and ``answer``.

``tokens``: ``text``, ``start``, ``end``, ``id``, ``ws`` (the project's tokenizer; ``ws``:
whitespace follows); ``spans``:
``start``, ``end``, ``token_start``, ``token_end`` (inclusive), ``label``; ``relations``:
``head`` and ``child`` (the index of the last token of the head and child span), ``label``,
``head_span`` and ``child_span``; ``answer``: ``accept`` (status done or in progress), ``ignore``
(skipped) or ``reject`` (flagged). Spans that cut a token are widened to whole tokens (counted).
Offsets are code points. Our document id travels in ``meta.doc_id``.

Import reads the same shape (``tokens`` are not needed). Relations are matched to spans by
``head_span`` / ``child_span`` when present, else by the token index of the span's last token.
A task without ``meta.doc_id`` gets the id ``prodigy-<_input_hash>`` (or ``prodigy-<line>``).
"""

from __future__ import annotations

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
    iter_json_lines,
)
from annotator.model.errors import AnnotatorError
from annotator.model.records import Status
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
            },
        }
        summary.spans.update(span.span.label for span in placed)
        summary.relations.update(str(relation["label"]) for relation in relations)
        self.output.text.write(orjson.dumps(line).decode() + "\n")


EXPORT = ExportFormat("prodigy", ProdigyWriter, suffix=".jsonl")


def _key(span: Fields) -> str:
    return f"{span.integer('start')}:{span.integer('end')}:{span.string('label')}"


def read(path: Path, problems: list[AnnotatorError]) -> Iterator[RawDocument]:
    for where, value in iter_json_lines(path):
        try:
            fields = Fields(value, where)
            text = fields.string("text")
            meta = fields.mapping("meta")
            doc_id = meta.get("doc_id")
            if not isinstance(doc_id, str) or not doc_id:
                input_hash = fields.raw("_input_hash")
                doc_id = f"prodigy-{input_hash if input_hash is not None else where.line}"
            title = meta.get("title") if isinstance(meta.get("title"), str) else None
            answer = fields.optional_string("answer") or "accept"
            if answer not in STATUSES:
                raise where.error(f"unknown answer {answer!r} (accept, reject or ignore)", "answer")
            annotation = RawAnnotation(status=STATUSES[answer])
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
                    RawRelation(
                        None, ends[0], ends[1], relation.string("label"), where, relation.path
                    )
                )
        except AnnotatorError as error:
            problems.append(error)
            continue
        meta = {key: item for key, item in meta.items() if key not in ("doc_id", "title")}
        yield RawDocument(doc_id, text, where, title, meta, [annotation])
