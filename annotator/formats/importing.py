"""Running an import: read a peer tool's file, check everything, then write.

Each format's reader turns its file into :class:`RawDocument` items whose offsets are still those
of the source (its own text, its own units). :func:`plan_import` maps them onto the project's
normalized text, checks labels, offsets, ids and links against the project, and collects every
problem; nothing is written unless there is none. :func:`apply_import` then appends the new
documents to ``documents/imported-<format>-<n>.jsonl`` (a new file, never an existing one) and
saves the records through the annotator's journal.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import ValidationError

from annotator.formats.common import NormalizedText, Utf16Offsets, find_nearby
from annotator.formats.summary import Summary
from annotator.model.errors import AnnotatorError
from annotator.model.records import (
    AnnotationRecord,
    Document,
    Relation,
    Span,
    SpanProvenance,
    Status,
)
from annotator.model.text import normalize_text, text_sha256
from annotator.model.validate import check_record, describe_validation_error
from annotator.store.annotations import check_annotator_name
from annotator.store.jsonl import atomic_write
from annotator.store.project import DOCUMENTS, Project

MODULES = {
    "jsonl": "annotator.formats.jsonl",
    "doccano": "annotator.formats.doccano",
    "label-studio": "annotator.formats.label_studio",
    "brat": "annotator.formats.brat",
    "prodigy": "annotator.formats.prodigy",
}

MAX_SHOWN = 20
"""Problems printed before the rest are only counted."""


# -- where a problem is --------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """A place in the input: file and line, or file and task id (Label Studio)."""

    file: Path
    line: int | None = None
    item: str | None = None
    """``task 12`` for formats that are one JSON array."""

    def error(self, message: str, field: str | None = None) -> AnnotatorError:
        if self.item:
            # ``file: task 12: field: message``: the task first, as it is where to look.
            inside = f"{field}: " if field else ""
            return AnnotatorError(f"{self.item}: {inside}{message}", file=self.file, line=self.line)
        return AnnotatorError(message, file=self.file, line=self.line, field=field)

    def __str__(self) -> str:
        text = str(self.file)
        if self.line is not None:
            text += f":{self.line}"
        if self.item:
            text += f" ({self.item})"
        return text


class Fields:
    """Typed access to one JSON object of the input, with errors that say where and which
    field."""

    def __init__(self, value: object, where: Where, path: str = "") -> None:
        if not isinstance(value, dict):
            raise where.error(f"expected an object, found {_type_name(value)}", path or None)
        self.value: dict[str, Any] = value
        self.where = where
        self.path = path

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.value.get(key) is not None

    def raw(self, key: str) -> Any:
        return self.value.get(key)

    def string(self, key: str, *, allow_int: bool = False) -> str:
        value = self.value.get(key)
        if allow_int and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise self.where.error(self._expected("a string", value), self._field(key))
        return value

    def optional_string(self, key: str, *, allow_int: bool = False) -> str | None:
        return self.string(key, allow_int=allow_int) if self.has(key) else None

    def integer(self, key: str) -> int:
        value = self.value.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.where.error(self._expected("an integer", value), self._field(key))
        return value

    def number(self, key: str, default: float = 0.0) -> float:
        value = self.value.get(key, default)
        if value is None:
            return default
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise self.where.error(self._expected("a number", value), self._field(key))
        return float(value)

    def items(self, key: str, *, required: bool = False) -> list[Any]:
        value = self.value.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.where.error(self._expected("a list", value), self._field(key))
        return value

    def objects(self, key: str, *, required: bool = False) -> list[Fields]:
        return [
            Fields(item, self.where, f"{self._field(key)}[{index}]")
            for index, item in enumerate(self.items(key, required=required))
        ]

    def child(self, key: str, *, required: bool = True) -> Fields | None:
        value = self.value.get(key)
        if value is None and not required:
            return None
        return Fields(value, self.where, self._field(key))

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.value.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.where.error(self._expected("an object", value), self._field(key))
        return value

    def _expected(self, what: str, value: object) -> str:
        if value is None:
            return f"missing (expected {what})"
        return f"expected {what}, found {_type_name(value)}"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


BOM = b"\xef\xbb\xbf"
"""A UTF-8 byte order mark: editors on Windows put it at the start of files; it is skipped."""


def read_input(path: Path) -> bytes:
    """The bytes of an input file, without a UTF-8 byte order mark at the start."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AnnotatorError(f"cannot read: {error.strerror}", file=path) from None
    return data[len(BOM) :] if data.startswith(BOM) else data


def iter_json_lines(path: Path) -> Iterator[tuple[Where, object]]:
    """Each non-blank line of a JSONL file as ``(where, value)``; bad JSON raises with the line."""
    data = read_input(path)
    number = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        where = Where(path, number)
        try:
            value = orjson.loads(stripped)
        except orjson.JSONDecodeError as error:
            try:
                stripped.decode("utf-8")
            except UnicodeDecodeError as decode_error:
                raise where.error(f"invalid UTF-8 at byte {decode_error.start}") from None
            reason = str(error).split(":", 1)[0]
            raise where.error(f"not valid JSON ({reason}); is the file truncated?") from None
        yield where, value


def iso_time(fields: Fields, key: str) -> str | None:
    """``fields[key]`` when it is an ISO 8601 time (None when absent)."""
    value = fields.optional_string(key)
    if value is None:
        return None
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise fields.where.error(f"not an ISO 8601 time: {value!r}", fields._field(key)) from None
    return value


def load_json(path: Path) -> object:
    data = read_input(path)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        line = data.count(b"\n", 0, error.pos) + 1 if error.pos is not None else None
        reason = str(error).split(":", 1)[0]
        raise AnnotatorError(
            f"not valid JSON ({reason}); is the file truncated?", file=path, line=line
        ) from None


# -- what readers produce -------------------------------------------------------------------------

Units = Literal["codepoints", "utf16", "auto"]


@dataclass
class RawSpan:
    key: str
    """The span's id in the source; relations refer to it."""
    start: int
    end: int
    label: str
    where: Where
    field: str
    text: str | None = None
    """The covered text as the source gives it, if it does: lets wrong offsets be repaired."""
    units: Units = "codepoints"
    """``auto``: code points, else UTF-16 code units when only those match ``text``."""


@dataclass
class RawRelation:
    key: str | None
    head: str
    tail: str
    label: str
    """Empty when the source gives none: the project's only relation type, if it has one."""
    where: Where
    field: str


def read_relations(
    fields: Fields, where: Where, *, head: str, tail: str, label: str
) -> list[RawRelation]:
    """The ``relations`` list of a JSON object whose items name their ends ``head``/``tail``."""
    return [
        RawRelation(
            key=relation.optional_string("id", allow_int=True),
            head=relation.string(head, allow_int=True),
            tail=relation.string(tail, allow_int=True),
            label=relation.string(label),
            where=where,
            field=relation.path,
        )
        for relation in fields.objects("relations")
    ]


@dataclass
class RawAnnotation:
    annotator_key: str | None = None
    """Who made it in the source tool (Label Studio); None when the format does not say."""
    spans: list[RawSpan] = field(default_factory=list)
    relations: list[RawRelation] = field(default_factory=list)
    status: Status = Status.done
    seconds_spent: float = 0.0
    note: str = ""
    updated_at: str | None = None
    """When the source saved it (ISO 8601); None: the time of the import."""
    cursor: int | None = None
    """Where the annotator left the cursor, counted on the source text as the spans are."""
    provenance: dict[str, SpanProvenance] | None = None
    """Gold records: span key to where the span came from."""
    rejected: list[RawSpan] | None = None
    """Gold records: versions the adjudicator rejected (any label, ids may repeat)."""
    where: Where | None = None
    """Where it is in the input, when not where its document first is (one line each)."""
    nothing_importable: bool = False
    """The source annotation had items but none we can carry (all of unsupported types): not
    saved, since a record with no spans would read as "annotated, nothing here"."""


@dataclass
class RawDocument:
    doc_id: str
    text: str
    """The source text, before newline normalization: the offsets count on it."""
    where: Where
    title: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    annotations: list[RawAnnotation] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    """Items of the source the format carries but we do not (counted in the summary)."""
    warnings: list[str] = field(default_factory=list)
    """Items imported on a reading the user should check (counted in the summary's notes)."""


Reader = Callable[[Path, list[AnnotatorError]], Iterable[RawDocument]]
"""A format's reader: yields documents, appends problems it can step over to the list and
raises for problems that stop reading (unreadable JSON)."""


def load_reader(name: str) -> Reader:
    module_name = MODULES.get(name)
    if module_name is None:
        raise AnnotatorError(f"cannot import format {name!r} (known: {', '.join(MODULES)})")
    reader: Reader = importlib.import_module(module_name).read
    return reader


# -- checking ---------------------------------------------------------------------------------


class ImportFailed(AnnotatorError):
    """Import refused: ``problems`` lists every one found; nothing was written."""

    def __init__(self, problems: list[AnnotatorError]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the input; nothing was imported")


@dataclass
class ImportPlan:
    format: str
    new_documents: list[Document] = field(default_factory=list)
    records: list[AnnotationRecord] = field(default_factory=list)
    summary: Summary = field(default_factory=lambda: Summary(action="imported"))


@dataclass
class AnnotatorChoice:
    """``--annotator NAME`` and ``--annotator-map KEY=NAME,...``."""

    name: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)


def _resolve_annotators(
    keys: set[str | None], choice: AnnotatorChoice
) -> tuple[dict[str | None, str], list[str]]:
    """Source annotator key to project annotator name; and the keys left out."""
    for name in [choice.name, *choice.mapping.values()]:
        if name is not None:
            check_annotator_name(name)
    if choice.mapping:
        resolved: dict[str | None, str] = {k: v for k, v in choice.mapping.items() if k in keys}
        unknown = sorted(set(choice.mapping) - {k for k in keys if k is not None})
        if unknown:
            raise AnnotatorError(
                f"--annotator-map names {', '.join(unknown)}, not found in the input "
                f"(found: {', '.join(sorted(str(k) for k in keys if k is not None)) or 'none'})"
            )
        if None in keys and choice.name:
            resolved[None] = choice.name
        left = sorted(str(k) for k in keys if k not in resolved)
        return resolved, left
    named = {k for k in keys if k is not None}
    if choice.name is None:
        if len(named) > 1:
            raise AnnotatorError(
                f"the input has annotations by several annotators ({', '.join(sorted(named))}): "
                "pick one with --annotator KEY or map them with --annotator-map KEY=NAME,KEY=NAME"
            )
        found = f" (the input names {next(iter(named))!r})" if named else ""
        raise AnnotatorError(f"pass --annotator NAME (or --annotator-map KEY=NAME,...){found}")
    if len(named) <= 1:
        return dict.fromkeys(keys, choice.name), []
    if choice.name in named:
        return {choice.name: choice.name}, sorted(str(k) for k in keys if k != choice.name)
    raise AnnotatorError(
        f"the input has annotations by several annotators ({', '.join(sorted(named))}): pick "
        "one with --annotator KEY or map them with --annotator-map KEY=NAME,KEY=NAME"
    )


def _place_span(
    raw: RawSpan,
    source: NormalizedText,
    utf16: Callable[[], Utf16Offsets],
    summary: Summary,
    doc_id: str,
) -> tuple[int, int]:
    """Code point offsets of ``raw`` in the normalized text. Offsets out of range raise; offsets
    whose covered text differs from the span's own text are repaired when that text occurs
    exactly once nearby (counted and noted), else raise."""
    where, field_name, text = raw.where, raw.field, source.raw
    start, end, wanted = raw.start, raw.end, raw.text
    if start < 0 or end <= start:
        raise where.error(
            f"offsets {start}-{end}: start must be >= 0 and end greater than start", field_name
        )
    if raw.units == "utf16":
        converted = utf16()
        limit = converted.to_utf16(len(text))
        if end > limit:
            raise where.error(
                f"offsets {start}-{end} run past the end of the text ({limit} UTF-16 units)",
                field_name,
            )
        first, last = converted.from_utf16(start), converted.from_utf16(end)
        if first is None or last is None:
            raise where.error(
                f"offsets {start}-{end} fall inside a UTF-16 surrogate pair", field_name
            )
        start, end = first, last
    elif raw.units == "auto" and wanted is not None and text[start:end] != wanted:
        converted = utf16()
        first, last = converted.from_utf16(start), converted.from_utf16(end)
        if first is not None and last is not None and text[first:last] == wanted:
            summary.adjust("span offsets read as UTF-16 code units (only they matched)", doc_id)
            start, end = first, last
    if end > len(text):
        raise where.error(
            f"offsets {raw.start}-{raw.end} run past the end of the text ({len(text)})",
            field_name,
        )
    normal_start, normal_end = source.offset(start), source.offset(end)
    if wanted is None:
        return normal_start, normal_end
    expected = normalize_text(wanted)
    covered = source.text[normal_start:normal_end]
    if covered == expected:
        return normal_start, normal_end
    found = find_nearby(source.text, expected, normal_start)
    if found is None:
        raise where.error(
            f"offsets {raw.start}-{raw.end} cover {covered!r} but the span text is "
            f"{expected!r}, which is not found exactly once nearby",
            field_name,
        )
    summary.adjust("span offsets repaired (their text found once nearby)", doc_id)
    summary.notes.append(
        f"repaired {where} {field_name}: {raw.start}-{raw.end} -> "
        f"{found}-{found + len(expected)} ({expected!r})"
    )
    return found, found + len(expected)


def _lazy_utf16(text: str) -> Callable[[], Utf16Offsets]:
    """The UTF-16 table of ``text``, built on first use only."""
    cache: list[Utf16Offsets] = []

    def get() -> Utf16Offsets:
        if not cache:
            cache.append(Utf16Offsets(text))
        return cache[0]

    return get


def plan_import(
    project: Project,
    format_name: str,
    documents: Iterable[RawDocument],
    choice: AnnotatorChoice,
    *,
    replace: bool = False,
    problems: list[AnnotatorError] | None = None,
) -> ImportPlan:
    """Check every document and annotation of the input; raise :class:`ImportFailed` listing
    all problems, or return what to write."""
    problems = problems if problems is not None else []
    plan = ImportPlan(format_name)
    summary = plan.summary
    config = project.config
    labels = set(config.label_names)
    items = list(documents)
    keys = {annotation.annotator_key for item in items for annotation in item.annotations}
    if not keys:
        keys = {None}
    resolved, left_out = _resolve_annotators(keys, choice)
    for key in left_out:
        summary.notes.append(f"annotations by {key!r} were not imported (not selected)")
    existing_files = {name: project.annotations(name) for name in set(resolved.values())}
    for name, annotation_file in existing_files.items():
        if annotation_file.problems:
            raise AnnotatorError(
                f"{annotation_file.problems[0]} (the annotations of {name!r} must be fixed "
                "before importing into them)"
            )
    seen_documents: dict[str, Where] = {}
    seen_records: dict[tuple[str, str], Where] = {}
    by_text: dict[str, str] = {}
    """sha256 of each document's text to the first id with it (identical texts are told)."""
    warned: dict[str, int] = {}
    warned_in: dict[str, list[str]] = {}
    for item in items:
        where = item.where
        if item.doc_id in seen_documents:
            problems.append(
                where.error(
                    f"duplicate document id {item.doc_id!r} "
                    f"(first at {seen_documents[item.doc_id]})"
                )
            )
            continue
        seen_documents[item.doc_id] = where
        source = NormalizedText(item.text)
        text = source.text
        if item.doc_id in project.corpus:
            try:
                existing = project.corpus.get(item.doc_id)
            except AnnotatorError as error:
                problems.append(error)
                continue
            if existing.text != text:
                problems.append(
                    where.error(
                        f"document {item.doc_id!r} is already in the project with a different "
                        "text; rename it in the input or fix the project"
                    )
                )
                continue
            summary.skip("already in the project (text identical; not added again)", item.doc_id)
        else:
            try:
                plan.new_documents.append(
                    Document(id=item.doc_id, text=text, title=item.title, meta=item.meta)
                )
            except ValidationError as error:
                path, message = describe_validation_error(error)[0]
                problems.append(where.error(message, path))
                continue
        summary.documents[""] += 1
        same_text = by_text.setdefault(text_sha256(text), item.doc_id)
        if same_text != item.doc_id:
            summary.notes.append(
                f"document {item.doc_id!r} ({where}) has the same text as {same_text!r}: "
                "imported as two documents, as their ids differ"
            )
        for what in item.ignored:
            summary.drop(f"{what} (not imported)", item.doc_id)
        for what in item.warnings:
            warned[what] = warned.get(what, 0) + 1
            warned_in.setdefault(what, [])
            if item.doc_id not in warned_in[what] and len(warned_in[what]) < 3:
                warned_in[what].append(item.doc_id)
        utf16 = _lazy_utf16(item.text)

        for annotation in item.annotations:
            annotator = resolved.get(annotation.annotator_key)
            if annotator is None:
                continue
            if annotation.nothing_importable and annotation.status == Status.done:
                summary.skip(
                    "annotation(s) with nothing importable (every item of an unsupported type "
                    "or on another field): not saved",
                    item.doc_id,
                )
                continue
            record = _build_record(
                annotation,
                item,
                annotator,
                source,
                utf16,
                labels,
                [relation.name for relation in config.relations],
                problems,
                summary,
            )
            if record is None:
                continue
            here = annotation.where or where
            first = seen_records.get((item.doc_id, annotator))
            if first is not None:
                by = (
                    ""
                    if annotation.annotator_key is None
                    else f" (key {annotation.annotator_key!r})"
                )
                problems.append(
                    here.error(
                        f"two annotations of {item.doc_id!r} for annotator {annotator!r}{by} "
                        f"(first at {first}); import one, or map their keys to different names"
                    )
                )
                continue
            seen_records[(item.doc_id, annotator)] = here
            if item.doc_id in existing_files[annotator] and not replace:
                problems.append(
                    where.error(
                        f"annotator {annotator!r} already has a record for {item.doc_id!r}; pass "
                        "--replace to overwrite it"
                    )
                )
                continue
            found = check_record(record, text, config)
            if found:
                problems.extend(where.error(p.message, p.field) for p in found)
                continue
            plan.records.append(record)
            summary.records += 1
            summary.spans.update(span.label for span in record.spans)
            summary.relations.update(relation.label for relation in record.relations)
    if problems:
        raise ImportFailed(problems)
    for what, count in warned.items():
        named = ", ".join(repr(doc_id) for doc_id in warned_in[what])
        summary.notes.append(f"check: {count} {what} (e.g. in {named})")
    return plan


def _build_record(
    annotation: RawAnnotation,
    item: RawDocument,
    annotator: str,
    source: NormalizedText,
    utf16: Callable[[], Utf16Offsets],
    labels: set[str],
    relation_types: list[str],
    problems: list[AnnotatorError],
    summary: Summary,
) -> AnnotationRecord | None:
    text = source.text
    spans: list[Span] = []
    ids: dict[str, RawSpan] = {}
    failed = False
    for raw in annotation.spans:
        if raw.key in ids:
            problems.append(raw.where.error(f"duplicate span id {raw.key!r}", raw.field))
            failed = True
            continue
        ids[raw.key] = raw
        if raw.label not in labels:
            same = [label for label in sorted(labels) if label.casefold() == raw.label.casefold()]
            hint = f"; did you mean {same[0]!r}?" if same else ""
            problems.append(
                raw.where.error(
                    f"unknown label {raw.label!r} (the project has: "
                    f"{', '.join(sorted(labels))}){hint}",
                    raw.field,
                )
            )
            failed = True
            continue
        try:
            start, end = _place_span(raw, source, utf16, summary, item.doc_id)
        except AnnotatorError as error:
            problems.append(error)
            failed = True
            continue
        if end <= start:
            problems.append(raw.where.error("span is empty after normalizing line ends", raw.field))
            failed = True
            continue
        spans.append(Span(id=raw.key, start=start, end=end, label=raw.label, text=text[start:end]))
    relations: list[Relation] = []
    relation_ids: set[str] = set()
    for index, raw_relation in enumerate(annotation.relations):
        for end_name, key in (("head", raw_relation.head), ("tail", raw_relation.tail)):
            if key not in ids:
                problems.append(
                    raw_relation.where.error(
                        f"{end_name} {key!r} is not a span of this document", raw_relation.field
                    )
                )
                failed = True
        label = raw_relation.label
        if not label:
            if len(relation_types) != 1:
                problems.append(
                    raw_relation.where.error(
                        "relation without a label, and the project has "
                        f"{len(relation_types)} relation types",
                        raw_relation.field,
                    )
                )
                failed = True
                continue
            label = relation_types[0]
        relation_id = raw_relation.key or f"r{index + 1}"
        if relation_id in relation_ids:
            problems.append(
                raw_relation.where.error(
                    f"duplicate relation id {relation_id!r}", raw_relation.field
                )
            )
            failed = True
        relation_ids.add(relation_id)
        if failed:
            continue
        relations.append(
            Relation(id=relation_id, label=label, head=raw_relation.head, tail=raw_relation.tail)
        )
    rejected: list[Span] | None = None
    if annotation.rejected is not None:
        rejected = []
        for raw in annotation.rejected:
            try:
                start, end = _place_span(raw, source, utf16, summary, item.doc_id)
            except AnnotatorError as error:
                problems.append(error)
                failed = True
                continue
            if end > start:
                rejected.append(
                    Span(id=raw.key, start=start, end=end, label=raw.label, text=text[start:end])
                )
    if failed:
        return None
    spans.sort(key=lambda span: (span.start, span.end, span.label))
    extra: dict[str, Any] = {}
    if annotation.updated_at is not None:
        extra["updated_at"] = annotation.updated_at
    if annotation.cursor is not None:
        extra["cursor"] = min(source.offset(max(0, annotation.cursor)), len(text))
    try:
        return AnnotationRecord(
            doc_id=item.doc_id,
            annotator=annotator,
            text_sha256=text_sha256(text),
            spans=spans,
            relations=relations,
            status=annotation.status,
            note=annotation.note,
            seconds_spent=max(0.0, annotation.seconds_spent),
            provenance=annotation.provenance,
            rejected=rejected,
            **extra,
        )
    except ValidationError as error:
        for path, message in describe_validation_error(error):
            problems.append(item.where.error(message, path))
        return None


# -- writing -------------------------------------------------------------------------------------


def new_documents_path(project: Project, format_name: str) -> Path:
    """``documents/imported-<format>-<n>.jsonl`` with the first ``n`` not taken."""
    folder = project.root / DOCUMENTS
    number = 1
    while (folder / f"imported-{format_name}-{number}.jsonl").exists():
        number += 1
    return folder / f"imported-{format_name}-{number}.jsonl"


def apply_import(project: Project, plan: ImportPlan) -> None:
    """Write a checked plan: new documents first (one new file), then the records."""
    if plan.new_documents:
        path = new_documents_path(project, plan.format)
        atomic_write(
            path,
            (
                orjson.dumps(document.model_dump(mode="json", exclude_none=True)) + b"\n"
                for document in plan.new_documents
            ),
        )
        plan.summary.notes.append(f"added {len(plan.new_documents)} document(s) in {path}")
    by_annotator: dict[str, list[AnnotationRecord]] = {}
    for record in plan.records:
        by_annotator.setdefault(record.annotator, []).append(record)
    for name, records in by_annotator.items():
        with project.annotations(name, writable=True) as annotation_file:
            for record in records:
                annotation_file.save(record)
        plan.summary.notes.append(
            f"saved {len(records)} record(s) of {name!r} in {project.annotation_path(name)}"
        )


def run_import(
    project: Project,
    format_name: str,
    path: Path,
    choice: AnnotatorChoice,
    *,
    replace: bool = False,
    dry_run: bool = False,
) -> ImportPlan:
    reader = load_reader(format_name)
    if not path.exists():
        raise AnnotatorError("no such file or folder", file=path)
    problems: list[AnnotatorError] = []
    documents = list(reader(path, problems))
    if not documents and not problems:
        nothing = "no .ann file" if path.is_dir() else "no task or line"
        raise AnnotatorError(f"{nothing} found: nothing to import", file=path)
    plan = plan_import(project, format_name, documents, choice, replace=replace, problems=problems)
    if not dry_run:
        apply_import(project, plan)
    else:
        plan.summary.notes.append("dry run: nothing was written")
    return plan
