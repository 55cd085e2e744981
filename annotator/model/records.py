"""The pydantic schema of documents and annotation records.

Offsets are Python code points into the newline-normalized document text: ``start`` inclusive,
``end`` exclusive. These models check what a single object can check on its own; checks that need
the document text or the project config live in :mod:`annotator.model.validate`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1


def utc_now_iso() -> str:
    """UTC time as ISO 8601 with a ``Z`` suffix and second precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Status(str, Enum):
    """Where an annotator is with a document."""

    in_progress = "in_progress"
    done = "done"
    skipped = "skipped"
    flagged = "flagged"


class Document(BaseModel):
    """One article of the corpus."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(min_length=1)
    """Unique within the project; for a ``.txt`` file, its relative path without extension."""
    text: str
    """The newline-normalized text every offset refers to."""
    title: str | None = None
    """Shown above the text; not part of the offsets."""
    meta: dict[str, Any] = Field(default_factory=dict)
    """Free metadata carried through to exports (source, date, url...)."""


_new_object = object.__new__
_set_attribute = object.__setattr__
_ALL_DOCUMENT_FIELDS = frozenset({"id", "text", "title", "meta"})
Model = TypeVar("Model", bound=BaseModel)


def unchecked(model: type[Model], values: dict[str, Any], fields_set: set[str]) -> Model:
    """The object ``model.model_construct`` makes of ``values`` (fields set included), without
    its work: for values the caller has checked field by field, where one object is made per
    document or span of a whole corpus (exports, agreement, the automatic merge)."""
    made = _new_object(model)
    _set_attribute(made, "__dict__", values)
    _set_attribute(made, "__pydantic_fields_set__", fields_set)
    _set_attribute(made, "__pydantic_extra__", None)
    _set_attribute(made, "__pydantic_private__", None)
    return made


def checked_document(
    doc_id: str, text: str, title: str | None = None, meta: dict[str, Any] | None = None
) -> Document:
    """A :class:`Document` from fields the caller has already checked one by one: the same
    object ``Document.model_construct`` makes (tested equal, fields set included), in a quarter
    of its time. Exports and agreement make one per document of the corpus."""
    given = meta is not None
    return unchecked(
        Document,
        {"id": doc_id, "text": text, "title": title, "meta": meta if given else {}},
        set(_ALL_DOCUMENT_FIELDS) if given else {"id", "text"},
    )


class Span(BaseModel):
    """A labelled stretch of a document's text."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(min_length=1)
    """Stable and unique within its record; relations refer to it."""
    start: int = Field(ge=0, strict=True)
    """Inclusive code point offset."""
    end: int = Field(ge=0, strict=True)
    """Exclusive code point offset."""
    label: str = Field(min_length=1)
    text: str
    """Must equal ``document.text[start:end]``; lets a changed source be detected."""

    @model_validator(mode="after")
    def _end_after_start(self) -> Span:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be greater than start ({self.start})")
        if len(self.text) != self.end - self.start:
            raise ValueError(
                f"text has {len(self.text)} characters but the span covers {self.end - self.start}"
            )
        return self


class Relation(BaseModel):
    """A directed link between two spans, e.g. a claim ``attributed_to`` its speaker."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(min_length=1)
    label: str = Field(min_length=1)
    head: str = Field(min_length=1)
    """Span id of the head (for ``attributed_to``: the claim)."""
    tail: str = Field(min_length=1)
    """Span id of the tail (for ``attributed_to``: the speaker)."""


class SpanProvenance(BaseModel):
    """For gold records: where an adjudicated span came from."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    annotators: list[str] = Field(default_factory=list)
    """Annotators whose records had this exact span."""
    decision: str = "unanimous"
    """``unanimous``, ``majority``, ``accepted`` or ``edited``."""


class LinkEnd(BaseModel):
    """One end of a rejected relation: a stretch of the text and its label, without a span id
    (the span may not be in gold)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    start: int = Field(ge=0, strict=True)
    end: int = Field(ge=0, strict=True)
    label: str = Field(min_length=1)
    text: str
    """Must equal ``document.text[start:end]``, as a span's."""

    @model_validator(mode="after")
    def _end_after_start(self) -> LinkEnd:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be greater than start ({self.start})")
        if len(self.text) != self.end - self.start:
            raise ValueError(
                f"text has {len(self.text)} characters but the end covers {self.end - self.start}"
            )
        return self


class RejectedRelation(BaseModel):
    """Gold records: a relation the adjudicator rejected, by its label and its ends' extents."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    label: str = Field(min_length=1)
    head: LinkEnd
    tail: LinkEnd


PLAIN_RECORD_FIELDS = frozenset(
    {
        "schema_version",
        "doc_id",
        "annotator",
        "text_sha256",
        "spans",
        "relations",
        "status",
        "note",
        "updated_at",
        "seconds_spent",
        "cursor",
    }
)
"""The fields of an :class:`AnnotationRecord` every annotator's record has (the fast checks of
export and of the annotate screen know their rules)."""
GOLD_RECORD_FIELDS = frozenset({"provenance", "rejected", "rejected_relations"})
"""The fields only gold records set (a test keeps the two sets equal to the model's fields)."""


class AnnotationRecord(BaseModel):
    """One annotator's current annotation of one document: one JSONL line."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    schema_version: int = SCHEMA_VERSION
    doc_id: str = Field(min_length=1)
    annotator: str = Field(min_length=1)
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """sha256 of the normalized document text the offsets refer to."""
    spans: list[Span] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    status: Status = Status.in_progress
    note: str = ""
    updated_at: str = Field(default_factory=utc_now_iso)
    """UTC ISO 8601."""
    seconds_spent: float = Field(default=0.0, ge=0)
    """Active annotation time on this document."""
    cursor: int | None = Field(default=None, ge=0)
    """Where the annotator left the cursor, restored on reopening."""
    provenance: dict[str, SpanProvenance] | None = None
    """Gold records only: span id to where the span came from."""
    rejected: list[Span] | None = None
    """Gold records only: versions the adjudicator rejected, so that ``adjudicate --auto`` does
    not bring them back. Not part of the annotation: exports and agreement ignore it."""
    rejected_relations: list[RejectedRelation] | None = None
    """Gold records only: relations the adjudicator rejected (each by its label and its ends'
    extents and labels), so that neither the review nor ``adjudicate --auto`` adds them back.
    Not part of the annotation: exports and agreement ignore it."""

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value > SCHEMA_VERSION:
            raise ValueError(
                f"schema_version {value} is newer than this program ({SCHEMA_VERSION}); upgrade"
            )
        return value

    @field_validator("updated_at")
    @classmethod
    def _iso_time(cls, value: str) -> str:
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as error:
            raise ValueError(f"not an ISO 8601 time: {value!r}") from error
        return value
