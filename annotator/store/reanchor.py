"""Moving spans to where their text now is after a document changed under its annotations.

A record whose ``text_sha256`` differs from its document's current text was made on an older
version. Each span stores its own ``text``; :func:`plan_reanchor` looks for that text near the
span's old position in the new text. A span is *placed* when exactly one occurrence starts within
``window`` code points of its old start, or, when its text occurs several times there, when it
is exactly where the shift of its nearest placed neighbour puts it (see :func:`place_spans`).
A record is rewritten only when every one of its spans is placed: a record with any unplaceable
span is left exactly as it is and listed, so nothing uncertain is ever written (relations keep
pointing at the same span ids) — unless the user asks to drop the unplaced spans (and their
relations), which are then listed.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from pydantic import BaseModel

from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Span, utc_now_iso
from annotator.model.text import text_sha256
from annotator.store.annotations import AnnotationFile
from annotator.store.project import Project

DEFAULT_WINDOW = 1000
"""How far (code points) from its old start a span's text may have moved."""


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A span that could not be placed, and why."""

    span: Span
    reason: str

    def describe(self) -> str:
        return f"span {self.span.id!r} {self.span.text!r} at {self.span.start}: {self.reason}"


@dataclass(slots=True)
class RecordPlan:
    """What reanchoring does to one stale record."""

    file: Path
    line: int
    record: AnnotationRecord
    new_record: AnnotationRecord | None = None
    """The record with every span moved; None when it is left unchanged."""
    moved: int = 0
    """Spans whose offsets changed."""
    unplaced: list[Unplaced] = field(default_factory=list)
    reason: str = ""
    """Why the whole record is left unchanged (missing document, unreadable text)."""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def describe(self) -> list[str]:
        head = f"{self.where}: document {self.record.doc_id!r}"
        if self.new_record is not None:
            done = f"{head}: re-anchored ({self.moved} of {len(self.record.spans)} span(s) moved)"
            if not self.unplaced:
                return [done]
            lines = [f"{done}; {len(self.unplaced)} span(s) that could not be placed dropped:"]
            return lines + [f"    {item.describe()}" for item in self.unplaced]
        if self.reason:
            return [f"{head}: left unchanged: {self.reason}"]
        lines = [f"{head}: left unchanged: {len(self.unplaced)} span(s) could not be placed"]
        lines += [f"    {item.describe()}" for item in self.unplaced]
        return lines


def place_span(span: Span, text: str, window: int = DEFAULT_WINDOW) -> int | Unplaced:
    """The new start of ``span`` in ``text``, or why it cannot be placed unambiguously."""
    if text[span.start : span.end] == span.text:
        return span.start
    low = max(0, span.start - window)
    high = min(len(text), span.start + window + len(span.text))
    found: list[int] = []
    position = text.find(span.text, low, high)
    while position != -1:
        found.append(position)
        if len(found) > 1:
            break
        position = text.find(span.text, position + 1, high)
    if not found:
        return Unplaced(span, f"text not found within {window} characters")
    if len(found) > 1:
        return Unplaced(span, f"text found more than once within {window} characters")
    return found[0]


SpanLike = TypeVar("SpanLike", bound=BaseModel)


def place_normalized(
    span: SpanLike, text: str, window: int = DEFAULT_WINDOW
) -> tuple[SpanLike, int | Unplaced]:
    """:func:`place_span`, and when the span's text is not found, the same text in the other
    Unicode normalization forms (a source re-saved in NFC turns ``e`` + U+0301 into ``é``):
    ``(the span, with the text as the document now writes it, its new start)``."""
    placed = place_span(cast("Span", span), text, window)
    if not isinstance(placed, Unplaced) or not placed.reason.startswith("text not found"):
        return span, placed
    original = cast("Span", span).text
    for form in ("NFC", "NFD"):
        other = unicodedata.normalize(form, original)
        if other != original:
            start = cast("Span", span).start
            moved = span.model_copy(update={"text": other, "end": start + len(other)})
            found = place_span(cast("Span", moved), text, window)
            if not isinstance(found, Unplaced):
                return moved, found
    return span, placed


def place_spans(spans: list[Span], text: str, window: int = DEFAULT_WINDOW) -> list[int | Unplaced]:
    """:func:`place_span` for each of ``spans``, then a second look at those whose text occurs
    more than once near their old start: placed where the shift of a neighbour placed for
    certain (the nearest before it, else the nearest after it) puts them, if their text is
    there exactly. A line added at the top moves every span the same way; a name that occurs twice
    nearby is then placed by its neighbours rather than left out."""
    places = [place_span(span, text, window) for span in spans]
    anchors = sorted(
        (span.start, place - span.start)
        for span, place in zip(spans, places, strict=True)
        if not isinstance(place, Unplaced)
    )
    if not anchors:
        return places
    starts = [start for start, _ in anchors]
    for index, (span, place) in enumerate(zip(spans, places, strict=True)):
        if not isinstance(place, Unplaced) or "more than once" not in place.reason:
            continue
        after = bisect_right(starts, span.start)
        for neighbour in (after - 1, after):  # the one before it first, then the one after
            if 0 <= neighbour < len(anchors):
                start = span.start + anchors[neighbour][1]
                if start >= 0 and text[start : start + len(span.text)] == span.text:
                    places[index] = start
                    break
    return places


def reanchor_record(
    record: AnnotationRecord,
    text: str,
    window: int = DEFAULT_WINDOW,
    *,
    drop_unplaced: bool = False,
) -> tuple[AnnotationRecord | None, int, list[Unplaced]]:
    """``(new record or None, spans moved, unplaced spans)`` for ``record`` against ``text``.

    With an unplaced span the record is left unchanged (None), unless ``drop_unplaced``: then
    the new record keeps the spans placed, without the unplaced ones and their relations."""
    spans: list[Span] = []
    unplaced: list[Unplaced] = []
    moved = 0
    # a span whose text the document now writes in another normalization form takes that form
    now = [place_normalized(span, text, window)[0] for span in record.spans]
    for span, placed in zip(now, place_spans(now, text, window), strict=True):
        if isinstance(placed, Unplaced):
            unplaced.append(placed)
            continue
        if placed != span.start:
            moved += 1
        spans.append(span.model_copy(update={"start": placed, "end": placed + len(span.text)}))
    if unplaced and not drop_unplaced:
        return None, moved, unplaced
    kept = {span.id for span in spans}
    relations = [r for r in record.relations if r.head in kept and r.tail in kept]
    provenance = record.provenance
    if provenance is not None:
        provenance = {key: value for key, value in provenance.items() if key in kept}
    cursor = record.cursor if record.cursor is None or record.cursor <= len(text) else len(text)
    rejected = None  # a gold record's rejections follow their text; lost ones are only advice
    if record.rejected is not None:
        rejected = [
            span.model_copy(update={"start": placed, "end": placed + len(span.text)})
            for span, placed in (place_normalized(old, text, window) for old in record.rejected)
            if not isinstance(placed, Unplaced)
        ] or None
    rejected_relations = None  # the same for a gold record's rejected links (both ends placed)
    if record.rejected_relations is not None:
        moved_links = []
        for link in record.rejected_relations:
            found = [place_normalized(end, text, window) for end in (link.head, link.tail)]
            ends = [end for end, _ in found]
            placed_ends = [place for _, place in found]
            if not any(isinstance(place, Unplaced) for place in placed_ends):
                head, tail = (
                    end.model_copy(
                        update={"start": place, "end": cast("int", place) + len(end.text)}
                    )
                    for end, place in zip(ends, placed_ends, strict=True)
                )
                moved_links.append(link.model_copy(update={"head": head, "tail": tail}))
        rejected_relations = moved_links or None
    new_record = record.model_copy(
        update={
            "spans": spans,
            "relations": relations,
            "provenance": provenance,
            "rejected": rejected,
            "rejected_relations": rejected_relations,
            "text_sha256": text_sha256(text),
            "updated_at": utc_now_iso(),
            "cursor": cursor,
        }
    )
    return AnnotationRecord.model_validate(new_record.model_dump()), moved, unplaced


def plan_file(
    project: Project,
    annotations: AnnotationFile,
    window: int = DEFAULT_WINDOW,
    *,
    drop_unplaced: bool = False,
) -> list[RecordPlan]:
    """A plan for every stale record of one annotator's file."""
    plans: list[RecordPlan] = []
    for line, record in annotations.iter_records():
        if record.doc_id not in project.corpus:
            plans.append(
                RecordPlan(annotations.path, line, record, reason="document not in the corpus")
            )
            continue
        try:
            text = project.corpus.text(record.doc_id)
        except AnnotatorError as error:
            plans.append(RecordPlan(annotations.path, line, record, reason=str(error)))
            continue
        if text_sha256(text) == record.text_sha256:
            continue
        new_record, moved, unplaced = reanchor_record(
            record, text, window, drop_unplaced=drop_unplaced
        )
        plans.append(RecordPlan(annotations.path, line, record, new_record, moved, unplaced))
    return plans


def reanchor_annotator(
    project: Project,
    annotator: str,
    *,
    dry_run: bool,
    window: int = DEFAULT_WINDOW,
    drop_unplaced: bool = False,
) -> list[RecordPlan]:
    """Plan, and unless ``dry_run`` save, the re-anchored records of one annotator.

    Writing takes the annotator's lock (refused while someone annotates) and, like any save,
    never touches a file that cannot be fully read.
    """
    annotations = project.annotations(annotator, writable=not dry_run)
    try:
        if annotations.problems:
            raise AnnotatorError(
                f"cannot be fully read ({annotations.problems[0]}); fix it first "
                "(see `annotator validate`)",
                file=annotations.path,
            )
        plans = plan_file(project, annotations, window, drop_unplaced=drop_unplaced)
        if annotations.problems:
            raise AnnotatorError(
                f"has invalid records ({annotations.problems[0]}); fix them first "
                "(see `annotator validate`)",
                file=annotations.path,
            )
        if not dry_run:
            for plan in plans:
                if plan.new_record is not None:
                    annotations.save(plan.new_record)
    finally:
        annotations.close()
    return plans


def reanchor_project(
    project: Project,
    annotators: Iterable[str],
    *,
    dry_run: bool,
    window: int = DEFAULT_WINDOW,
    drop_unplaced: bool = False,
) -> tuple[list[RecordPlan], list[AnnotatorError]]:
    """Plans of every annotator; an annotator that cannot be processed is reported, not fatal."""
    plans: list[RecordPlan] = []
    errors: list[AnnotatorError] = []
    for annotator in annotators:
        try:
            plans += reanchor_annotator(
                project, annotator, dry_run=dry_run, window=window, drop_unplaced=drop_unplaced
            )
        except AnnotatorError as error:
            errors.append(error)
    return plans, errors
