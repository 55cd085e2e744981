"""``prodigy``: JSONL of Prodigy tasks with ``tokens``, ``spans``, ``relations`` and ``answer``.

``tokens``: ``text``, ``start``, ``end``, ``id``, ``ws`` (the project's tokenizer; ``ws``:
one space follows; other whitespace is a token of its own, as Prodigy's own tokenization makes
it, so ``tokens`` + ``ws`` rebuild the text and its line breaks); ``spans``:
``start``, ``end``, ``token_start``, ``token_end`` (inclusive), ``label``; ``relations``:
``head`` and ``child`` (the index of the last token of the head and child span), ``label``,
``head_span`` and ``child_span``; ``answer``: ``accept`` (status done), ``ignore`` (in progress
or skipped: Prodigy trains on accepted answers only) or ``reject`` (flagged). Spans that cut a
token are widened to whole tokens (counted). Offsets are code points. ``meta`` holds the
document's meta, then ours: the document id in ``meta.doc_id``, the title in ``meta.title``,
the annotator's note (the flag note), when there is one, in ``meta.note`` and the record's
status in ``meta.status``: Prodigy shows ``meta`` on the card and keeps it with the answer.

Import reads the same shape (``tokens`` are not needed). The status is ``meta.status`` when the
answer is the one the export gives that status, else the answer's (``accept`` done, ``ignore``
skipped, ``reject`` flagged); a line without ``answer`` is input nobody annotated: its document
is imported, with no record (counted). Relations are matched to spans by ``head_span`` /
``child_span`` when present, else by the token index of the span's last token.
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
from annotator.formats.spacy import words_and_spaces
from annotator.model.errors import AnnotatorError
from annotator.model.records import Status
from annotator.model.text import normalize_text
from annotator.model.tokenize import TokenIndex

ANSWERS = {
    Status.done: "accept",
    Status.in_progress: "ignore",
    Status.skipped: "ignore",
    Status.flagged: "reject",
}
"""In Prodigy ``accept`` means "complete and correct": ``prodigy train`` and ``data-to-spacy``
learn every accepted example, its unmarked tokens as outside. A record still in progress is
written ``ignore`` (left out of training and review), its status kept in ``meta.status``."""
STATUSES = {"accept": Status.done, "ignore": Status.skipped, "reject": Status.flagged}

_RECORD_META = frozenset({"doc_id", "title", "note", "status"})
"""Keys of a task's ``meta`` that are ours (the document id and title, the record's note and
status), not the document's metadata."""


def _span_json(span: TokenSpan, position: list[int]) -> dict[str, Any]:
    return {
        "start": span.start,
        "end": span.end,
        "token_start": position[span.first],
        "token_end": position[span.last - 1],
        "label": span.span.label,
    }


def tokens_with_whitespace(
    text: str, tokens: list[tuple[int, int]]
) -> tuple[list[dict[str, Any]], list[int]]:
    """Prodigy tokens whose ``text`` + ``ws`` rebuild ``text`` exactly (whitespace other than one
    space after a token is a token of its own, as spaCy and Prodigy make it), and the position of
    each of ``tokens`` among them."""
    words, spaces = words_and_spaces(text, tokens)
    found: list[dict[str, Any]] = []
    position: list[int] = []
    start = 0
    for word, space in zip(words, spaces, strict=True):
        end = start + len(word)
        if len(position) < len(tokens) and tokens[len(position)] == (start, end):
            position.append(len(found))
        found.append({"text": word, "start": start, "end": end, "id": len(found), "ws": space})
        start = end + space
    return found, position


class ProdigyWriter(FileWriter):
    def start(self) -> None:
        self.not_accepted = 0

    def write(self, item: ExportItem) -> None:
        document = item.document
        (record,) = item.records
        summary = self.context.summary
        text = document.text
        index = TokenIndex.of(text, self.context.config.tokenizer)
        placed = align_spans(record.spans, index, summary, document.id)
        by_id = {span.span.id: span for span in placed}
        tokens, position = tokens_with_whitespace(text, index.tokens)
        relations: list[dict[str, Any]] = []
        for relation in record.relations:
            head, child = by_id.get(relation.head), by_id.get(relation.tail)
            if head is None or child is None:
                summary.drop("relation(s) whose span covers no token", document.id)
                continue
            relations.append(
                {
                    "head": position[head.last - 1],
                    "child": position[child.last - 1],
                    "label": relation.label,
                    "head_span": _span_json(head, position),
                    "child_span": _span_json(child, position),
                }
            )
        shadowed = [key for key in document.meta if key in _RECORD_META]
        summary.drop(
            "document meta key(s) named doc_id, title, note or status (Prodigy's meta carries "
            "ours under these names)",
            document.id,
            len(shadowed),
        )
        meta = {key: value for key, value in document.meta.items() if key not in _RECORD_META}
        meta["doc_id"] = document.id
        if document.title:
            meta["title"] = document.title
        if record.note:
            meta["note"] = record.note
        meta["status"] = record.status.value
        answer = ANSWERS[record.status]
        if answer != "accept":
            self.not_accepted += 1
        line = {
            "text": text,
            "tokens": tokens,
            "spans": [_span_json(span, position) for span in placed],
            "relations": relations,
            "answer": answer,
            "meta": meta,
        }
        summary.spans.update(span.span.label for span in placed)
        summary.relations.update(str(relation["label"]) for relation in relations)
        self.output.text.write(orjson.dumps(line).decode() + "\n")

    def finish(self) -> None:
        if self.not_accepted:
            self.context.summary.notes.append(
                f"prodigy: {self.not_accepted} record(s) not done written with answer 'ignore' "
                "(in progress, skipped) or 'reject' (flagged): prodigy train and data-to-spacy "
                "learn accepted answers only; meta.status keeps each record's status"
            )


EXPORT = ExportFormat("prodigy", ProdigyWriter, suffix=".jsonl")


UNANSWERED = "Prodigy line(s) without 'answer' (input not yet annotated: document only, no record)"


_OTHER_TASKS = ("options", "accept", "label")
"""Keys of Prodigy's choice and classification tasks: a line with one of them and no ``spans``
answered something other than spans."""


def _key(span: Fields) -> str:
    return f"{span.integer('start')}:{span.integer('end')}:{span.string('label')}"


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


def _status(answer: str, meta: dict[str, Any]) -> Status:
    """The answer's status, or ``meta.status`` (what the export writes) when the answer is the
    one the export gives that status: a record in progress comes back in progress, and an answer
    changed in Prodigy after the export wins."""
    try:
        status = Status(meta.get("status"))
    except ValueError:
        return STATUSES[answer]
    return status if ANSWERS[status] == answer else STATUSES[answer]


def _read_annotation(
    fields: Fields, meta: dict[str, Any], where: Where, answer: str
) -> RawAnnotation:
    if answer not in STATUSES:
        raise where.error(f"unknown answer {answer!r} (accept, reject or ignore)", "answer")
    note = meta.get("note")
    annotation = RawAnnotation(
        annotator_key=_annotator_key(fields),
        status=_status(answer, meta),
        note=note if isinstance(note, str) else "",
        where=where,
    )
    if not fields.has("spans") and any(fields.has(key) for key in _OTHER_TASKS):
        # A choice or classification answer (textcat, a binary "label"): no spans to carry;
        # saved, it would read as "annotated, nothing here".
        annotation.nothing_importable = True
        return annotation
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
            answer = fields.optional_string("answer")
            # A line without an answer is input still to annotate (what Prodigy reads), not an
            # accepted example: its document is imported, with no record.
            annotations = [] if answer is None else [_read_annotation(fields, meta, where, answer)]
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
            known.annotations.extend(annotations)
            if not annotations:
                known.ignored.append(UNANSWERED)
            continue
        meta = {key: item for key, item in meta.items() if key not in _RECORD_META}
        by_id[doc_id] = RawDocument(
            doc_id, text, where, title, meta, annotations, [] if annotations else [UNANSWERED]
        )
    yield from by_id.values()
