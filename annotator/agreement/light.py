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

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from annotator.formats.fast_records import RecordRules, StoredRecord, model_record
from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError
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

    @classmethod
    def of(cls, record: AnnotationRecord | StoredRecord) -> LightRecord:
        """The light record of a model record or of one the fast checks decoded."""
        return cls(
            record.doc_id,
            record.annotator,
            record.text_sha256,
            [(span.id, span.start, span.end, span.label) for span in record.spans],
            [(rel.id, rel.label, rel.head, rel.tail) for rel in record.relations],
        )


class RecordChecker:
    """Reads records for agreement with every check ``annotator validate`` makes on them.

    :meth:`read` gives the light record, or the first problem found (an
    :class:`AnnotatorError` naming file, line and field). A record of an older text (its
    ``text_sha256`` differs from the document's) is only checked for its own fields, and comes
    back as a light record with the old hash: agreement sets it aside with that reason, as its
    offsets cannot be checked against the current text.
    """

    def __init__(self, config: ProjectConfig) -> None:
        self.config = config
        self.rules = RecordRules(config)

    def read(
        self, data: bytes, text: str, digest: str, *, file: Path, line: int
    ) -> LightRecord | list[AnnotatorError]:
        """``data``: the record's line (folded when it has patch lines); ``text`` and
        ``digest``: its document's current text and hash. Problems come as a list (one or more,
        each naming the line of the folded record; the caller may move them to their lines)."""
        stored = self.rules.stored(data, text, digest)
        if stored is not None:  # certainly valid for this text and config
            return LightRecord.of(stored)
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
