"""``label-studio``: a JSON list of Label Studio tasks, and the labeling config beside it.

Each task has ``data.text`` (plus ``data.doc_id``, ``data.title``, ``data.meta``) and one
annotation per exported annotator whose ``result`` holds ``labels`` regions (``id``,
``from_name: "label"``, ``to_name: "text"``, ``type: "labels"``, ``value.start``, ``value.end``,
``value.text``, ``value.labels``) and ``relation`` items (``from_id`` = head region, ``to_id`` =
tail region, ``type: "relation"``, ``direction: "right"``, ``labels``). The annotator's name is in
``created_username``; ``was_cancelled`` is true for skipped records, ``ground_truth`` for the gold
annotator, ``lead_time`` is the time spent. ``<out stem>.label_config.xml`` holds the matching
labeling config (``Labels`` named ``label`` on a ``Text`` named ``text``, and ``Relations``).

Offsets: Label Studio's Text tag documents ``value.start``/``value.end`` as "position ... in
characters". Since Label Studio 1.6 (frontend change "store code points instead of js length")
they are Unicode code points, the same as Python string indices and ours; versions before that
counted UTF-16 code units, so every character above U+FFFF (most emoji) shifted later offsets by
one. Export writes code points by default and UTF-16 code units with ``--offsets utf16``. Import
checks each region against its ``value.text``: code points first; if only the UTF-16 reading
matches, that one is used (counted in the summary); otherwise the text is searched nearby.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import orjson

from annotator.formats.common import ExportItem, Utf16Offsets, write_file_atomic
from annotator.formats.exporting import ExportContext, ExportFormat, FileWriter
from annotator.formats.importing import (
    Fields,
    RawAnnotation,
    RawDocument,
    RawRelation,
    RawSpan,
    Where,
    iso_time,
    load_json,
)
from annotator.model.errors import AnnotatorError
from annotator.model.records import Status

FROM_NAME = "label"
TO_NAME = "text"


class LabelStudioWriter(FileWriter):
    def start(self) -> None:
        self.count = 0
        self.annotation_count = 0
        self.output.text.write("[")

    def write(self, item: ExportItem) -> None:
        document = item.document
        summary = self.context.summary
        utf16 = self.context.options.offsets == "utf16"
        converter = Utf16Offsets(document.text) if utf16 else None
        data: dict[str, Any] = {"text": document.text, "doc_id": document.id}
        if document.title is not None:
            data["title"] = document.title
        if document.meta:
            data["meta"] = document.meta
        annotations = []
        for record in item.records:
            self.annotation_count += 1
            result: list[dict[str, Any]] = []
            for span in record.spans:
                start, end = span.start, span.end
                if converter is not None:
                    start, end = converter.to_utf16(start), converter.to_utf16(end)
                result.append(
                    {
                        "id": span.id,
                        "from_name": FROM_NAME,
                        "to_name": TO_NAME,
                        "type": "labels",
                        "value": {
                            "start": start,
                            "end": end,
                            "text": span.text,
                            "labels": [span.label],
                        },
                        "origin": "manual",
                    }
                )
            for relation in record.relations:
                result.append(
                    {
                        "from_id": relation.head,
                        "to_id": relation.tail,
                        "type": "relation",
                        "direction": "right",
                        "labels": [relation.label],
                    }
                )
            annotations.append(
                {
                    "id": self.annotation_count,
                    "created_username": record.annotator,
                    "result": result,
                    "was_cancelled": record.status == Status.skipped,
                    "ground_truth": record.annotator == self.context.config.gold_annotator,
                    "created_at": record.updated_at,
                    "updated_at": record.updated_at,
                    "lead_time": record.seconds_spent,
                }
            )
            summary.spans.update(span.label for span in record.spans)
            summary.relations.update(relation.label for relation in record.relations)
        self.count += 1
        task = {"id": self.count, "data": data, "annotations": annotations, "predictions": []}
        separator = "\n" if self.count == 1 else ",\n"
        self.output.text.write(separator + orjson.dumps(task).decode())

    def finish(self) -> None:
        self.output.text.write("\n]\n")


def labeling_config(context: ExportContext) -> str:
    """The Label Studio labeling config matching the export."""
    lines = ["<View>"]
    relations = context.config.relations
    if relations:
        lines.append("  <Relations>")
        lines.extend(f"    <Relation value={quoteattr(r.name)}/>" for r in relations)
        lines.append("  </Relations>")
    lines.append(f"  <Labels name={quoteattr(FROM_NAME)} toName={quoteattr(TO_NAME)}>")
    for name in context.labels:
        label = context.config.label(name)
        assert label is not None
        lines.append(
            f"    <Label value={quoteattr(label.name)} background={quoteattr(label.color)}/>"
        )
    lines.append("  </Labels>")
    lines.append(f'  <Text name={quoteattr(TO_NAME)} value="$text"/>')
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def config_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.label_config.xml")


def write_config(out: Path, context: ExportContext) -> None:
    context.files.append(write_file_atomic(config_path(out), labeling_config(context)))


EXPORT = ExportFormat(
    "label-studio",
    LabelStudioWriter,
    suffix=".json",
    several_annotators=True,
    sidecars=write_config,
)


# -- import ------------------------------------------------------------------------------------


def _annotator_key(annotation: Fields) -> str | None:
    username = annotation.raw("created_username")
    if isinstance(username, str) and username.strip():
        return username.split(",")[0].strip()
    completed_by = annotation.raw("completed_by")
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if isinstance(email, str) and email:
            return email
        completed_by = completed_by.get("id")
    if isinstance(completed_by, (int, str)) and not isinstance(completed_by, bool):
        return str(completed_by)
    return None


def _text_of(data: Fields) -> tuple[str, str]:
    """The document text and the ``data`` key it comes from."""
    if isinstance(data.raw("text"), str):
        return "text", data.string("text")
    strings = [key for key, value in data.value.items() if isinstance(value, str)]
    if len(strings) == 1:
        return strings[0], data.string(strings[0])
    raise data.where.error(
        "no 'text' field, and not exactly one string field to use instead", data.path
    )


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
"""A character that counts two UTF-16 code units (most emoji, CJK extension B)."""
UNSURE_OFFSETS = (
    "Label Studio region(s) without value.text at or after a character above U+FFFF: offsets "
    "read as code points (Label Studio >= 1.6); from an older Label Studio they count UTF-16 "
    "units and these spans are shifted: check them"
)
BIDIRECTIONAL = (
    "Label Studio relation(s) with direction 'bi' read as from_id -> to_id (head -> tail)"
)


@dataclass
class _Task:
    """What the regions of one task are checked against."""

    text: str
    text_key: str
    """The ``data`` key of the document text."""
    text_objects: frozenset[str]
    """The ``to_name`` values that mean the document text (see :func:`_text_objects`)."""
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first_astral: int | None = -1
    """Index of the first character above U+FFFF (None: none), -1 until looked for."""

    def astral_before(self, end: int) -> bool:
        if self.first_astral == -1:
            found = _ASTRAL.search(self.text)
            self.first_astral = found.start() if found else None
        return self.first_astral is not None and self.first_astral < end


def _text_objects(sources: list[Fields], text_key: str, data: Fields) -> frozenset[str]:
    """The ``to_name`` values of the task's ``labels`` regions that mean the document text.

    The labeling config is not in the export, so the object names are read from the regions: a
    region on an object named after the text's ``data`` key is on the text, and one named after
    another ``data`` key (``title``) is not. When no region names the text's key, one other
    name (``<Text name="body" value="$text"/>``) is the text; several are refused, as which
    one holds the text cannot be told."""
    names: set[str] = set()
    for source in sources:
        for item in source.items("result"):
            if isinstance(item, dict) and item.get("type") == "labels":
                to_name = item.get("to_name")
                if isinstance(to_name, str):
                    names.add(to_name)
    if text_key in names:
        return frozenset({text_key})
    unknown = sorted(names - set(data.value))
    if len(unknown) > 1:
        raise data.where.error(
            f"regions on {len(unknown)} objects ({', '.join(map(repr, unknown))}), none named "
            f"after the text's field {text_key!r}: cannot tell which one is the document text"
        )
    return frozenset({text_key, *unknown})


def _time(annotation: Fields) -> str | None:
    """When the annotation was last saved: ``updated_at``, else ``created_at``."""
    for key in ("updated_at", "created_at"):
        if annotation.has(key):
            return iso_time(annotation, key)
    return None


def _read_annotation(annotation: Fields, where: Where, task: _Task) -> RawAnnotation:
    raw = RawAnnotation(
        annotator_key=_annotator_key(annotation),
        status=Status.skipped if annotation.raw("was_cancelled") is True else Status.done,
        seconds_spent=annotation.number("lead_time"),
        updated_at=_time(annotation),
    )
    results = annotation.objects("result")
    elsewhere: set[str] = set()
    """Regions on another field than the text: relations to them are left out too."""
    for item in results:
        kind = item.optional_string("type")
        if kind == "labels":
            value = item.child("value")
            assert value is not None
            region = item.string("id", allow_int=True)
            to_name = item.optional_string("to_name")
            if to_name is not None and to_name not in task.text_objects:
                elsewhere.add(region)
                task.ignored.append(
                    f"Label Studio region(s) on {to_name!r} (not the document text)"
                )
                continue
            labels = value.items("labels", required=True)
            if not labels or not all(isinstance(label, str) for label in labels):
                raise where.error(
                    "expected a non-empty list of label names", f"{value.path}.labels"
                )
            start, end = value.integer("start"), value.integer("end")
            text = value.optional_string("text")
            if text is None and task.astral_before(end):
                task.warnings.append(UNSURE_OFFSETS)
            for number, label in enumerate(labels):
                raw.spans.append(
                    RawSpan(
                        key=region if number == 0 else f"{region}#{label}",
                        start=start,
                        end=end,
                        label=label,
                        where=where,
                        field=item.path,
                        text=text,
                        units="auto",
                    )
                )
        elif kind == "relation":
            head = item.string("from_id", allow_int=True)
            tail = item.string("to_id", allow_int=True)
            if head in elsewhere or tail in elsewhere:
                task.ignored.append(
                    "Label Studio relation(s) with an end on another field than the text"
                )
                continue
            direction = item.optional_string("direction")
            if direction == "left":
                head, tail = tail, head
            elif direction == "bi":
                task.warnings.append(BIDIRECTIONAL)
            labels = item.items("labels")
            if not all(isinstance(label, str) for label in labels):
                raise where.error("expected a list of relation names", f"{item.path}.labels")
            if not labels:
                labels = [""]  # the importer uses the project's only relation type, if one
            for label in labels:
                raw.relations.append(RawRelation(None, head, tail, label, where, item.path))
        else:
            task.ignored.append(f"Label Studio result item(s) of type {kind!r}")
    if results and not raw.spans and not raw.relations:
        # Only unsupported items (choices, textarea, HyperText...) or regions on another field:
        # saved, it would read as "annotated, nothing here".
        raw.nothing_importable = True
    return raw


def read(path: Path, problems: list[AnnotatorError]) -> Iterator[RawDocument]:
    """A JSON export of Label Studio (a list of tasks, or one task)."""
    value = load_json(path)
    tasks = value if isinstance(value, list) else [value]
    seen: dict[str, int] = {}
    for index, task in enumerate(tasks):
        task_id = task.get("id") if isinstance(task, dict) else None
        label = f"task {task_id}" if task_id is not None else f"task #{index + 1} (no id)"
        where = Where(path, None, label)
        try:
            fields = Fields(task, where)
            if task_id is not None:
                key = str(task_id)
                if key in seen:
                    raise where.error(
                        f"duplicate task id (also task #{seen[key] + 1} in the list)", "id"
                    )
                seen[key] = index
            data = fields.child("data")
            assert data is not None
            text_key, text = _text_of(data)
            sources = [*fields.objects("annotations"), *fields.objects("completions")]
            context = _Task(text, text_key, _text_objects(sources, text_key, data))
            doc_id = data.optional_string("doc_id", allow_int=True) or (
                f"ls-task-{task_id}" if task_id is not None else f"ls-task-{index + 1}"
            )
            annotations = [_read_annotation(source, where, context) for source in sources]
            if fields.items("predictions"):
                context.ignored.append("Label Studio predictions (only annotations are imported)")
            meta = data.mapping("meta")
            title = data.optional_string("title")
        except AnnotatorError as error:
            problems.append(error)
            continue
        yield RawDocument(
            doc_id, text, where, title, meta, annotations, context.ignored, context.warnings
        )
