"""A record reduced to the fields agreement reads, decoded without building pydantic objects.

Agreement over a large project reads tens of thousands of records; full validation builds an
object per span and dominates the run. :class:`RecordChecker` reads each record with the
export's fast checks (:meth:`~annotator.formats.fast_records.RecordRules.stored`: msgspec
decodes and checks the fields, then the span texts against the document, the labels against the
config and the relations' ends; about what decoding alone cost before), so a record that
``annotator validate`` rejects is never used. Anything unusual falls back to the models and
:func:`~annotator.model.validate.check_record`, so a bad record is reported with the same message
(file, line, field) as everywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from annotator.formats.fast_records import RecordRules, StoredRecord, model_record
from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError, Problem
from annotator.model.records import AnnotationRecord
from annotator.model.validate import check_record, problems_from_validation_error

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
    status: str = "in_progress"
    """The record's status (``agreement --against gold --against-done`` reads gold's)."""

    @classmethod
    def of(cls, record: AnnotationRecord | StoredRecord) -> LightRecord:
        """The light record of a model record or of one the fast checks decoded."""
        return cls(
            record.doc_id,
            record.annotator,
            record.text_sha256,
            [(span.id, span.start, span.end, span.label) for span in record.spans],
            [(rel.id, rel.label, rel.head, rel.tail) for rel in record.relations],
            record.status.value,
        )


class RecordChecker:
    """Reads records for agreement with every check ``annotator validate`` makes on them.

    :meth:`read` gives the light record, or the first problem found (an
    :class:`AnnotatorError` naming file, line and field). A record of an older text (its
    ``text_sha256`` differs from the document's) is only checked for its own fields, and comes
    back as a light record with the old hash: agreement sets it aside with that reason, as its
    offsets cannot be checked against the current text.

    With ``ignore_unconfigured_labels`` (agreement on chosen labels), a span whose label the
    config no longer has (a retired label) is ignored before the record is checked, with the
    relations to it and its provenance: whatever is wrong with them is no problem for the run,
    and the light record comes without them (other problems name spans and relations by their
    index in the record as stored). Spans of configured labels are checked as always (one may
    be the other end of a relation that counts).
    """

    def __init__(self, config: ProjectConfig, *, ignore_unconfigured_labels: bool = False) -> None:
        self.config = config
        self.rules = RecordRules(config)
        self.ignore_unconfigured_labels = ignore_unconfigured_labels
        self.labels = frozenset(config.label_names)

    def read(
        self, data: bytes, text: str, digest: str, *, file: Path, line: int
    ) -> LightRecord | list[AnnotatorError]:
        """``data``: the record's line (folded when it has patch lines); ``text`` and
        ``digest``: its document's current text and hash. Problems come as a list (one or more,
        each naming the line of the folded record; the caller may move them to their lines)."""
        stored = self.rules.stored(data, text, digest)
        if stored is not None:  # certainly valid for this text and config
            return LightRecord.of(stored)
        if self.ignore_unconfigured_labels:
            reduced = _without_unconfigured_labels(data, self.labels)
            if reduced is not None:
                found = self._read(reduced.data, text, digest, file=file, line=line)
                if isinstance(found, LightRecord):
                    return found
                return [reduced.original(problem) for problem in found]
        return self._read(data, text, digest, file=file, line=line)

    def _read(
        self, data: bytes, text: str, digest: str, *, file: Path, line: int
    ) -> LightRecord | list[AnnotatorError]:
        """The model path: every problem worded as ``annotator validate`` words it."""
        plain = model_record(data)
        if plain is not None and plain.text_sha256 != digest:
            return LightRecord.of(plain)  # well formed, of an older text: set aside
        try:
            record = AnnotationRecord.model_validate_json(data)
        except ValidationError as error:
            return list(problems_from_validation_error(error, file=file, line=line))
        if record.text_sha256 != digest:
            return LightRecord.of(record)
        problems = check_record(record, text, self.config, file=file, line=line)
        if problems:
            return list(problems)
        return LightRecord.of(record)


_ITEM = re.compile(r"(spans|relations)\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class _Reduced:
    """A record's line without its spans of unconfigured labels and the relations to them."""

    data: bytes
    spans: list[int]
    """Index in the original record of each span kept."""
    relations: list[int]

    def original(self, problem: AnnotatorError) -> AnnotatorError:
        """``problem`` of the reduced record, naming the spans and relations by their index in
        the record as stored (what ``annotator validate`` says)."""
        field = problem.field
        if not field:
            return problem
        kept = {"spans": self.spans, "relations": self.relations}

        def renumber(match: re.Match[str]) -> str:
            items, index = match.group(1), int(match.group(2))
            return f"{items}[{kept[items][index]}]" if index < len(kept[items]) else match[0]

        return Problem(
            problem.message, file=problem.file, line=problem.line, field=_ITEM.sub(renumber, field)
        )


def _without_unconfigured_labels(data: bytes, labels: frozenset[str]) -> _Reduced | None:
    """The record of ``data`` without its spans whose label is not in ``labels``, the
    relations to them and their provenance; None when it has none (or cannot be read: the
    model path words why)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    spans = value.get("spans") if isinstance(value, dict) else None
    if not isinstance(spans, list):
        return None
    dropped: set[str] = set()
    kept_spans: list[int] = []
    for index, span in enumerate(spans):
        label = span.get("label") if isinstance(span, dict) else None
        if isinstance(label, str) and label not in labels:
            span_id = span.get("id")
            if isinstance(span_id, str):
                dropped.add(span_id)
        else:
            kept_spans.append(index)
    if len(kept_spans) == len(spans):
        return None
    relations = value.get("relations")
    kept_relations: list[int] = []
    if isinstance(relations, list):
        kept_relations = [
            index
            for index, relation in enumerate(relations)
            if not (
                isinstance(relation, dict)
                and (relation.get("head") in dropped or relation.get("tail") in dropped)
            )
        ]
        value["relations"] = [relations[index] for index in kept_relations]
    value["spans"] = [spans[index] for index in kept_spans]
    provenance = value.get("provenance")
    if isinstance(provenance, dict):
        value["provenance"] = {
            span_id: origin for span_id, origin in provenance.items() if span_id not in dropped
        }
    return _Reduced(orjson.dumps(value), kept_spans, kept_relations)
