"""The line of the ``jsonl`` export: a record joined with its document text.

Its JSON Schema is committed as ``schemas/export_record.schema.json`` (``annotator schema``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from annotator.model.records import Relation, Span, SpanProvenance, Status


class ExportRecord(BaseModel):
    """One annotated document as a training example: text, spans and links in one object,
    then the rest of the record (note, time spent, cursor...), so that an import loses
    nothing the annotator typed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    """The document id in the project."""
    text: str
    """The normalized document text; span offsets are code points into it."""
    title: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    """The document's metadata (source, date, url...)."""
    annotator: str = Field(min_length=1)
    status: Status = Status.done
    spans: list[Span] = Field(default_factory=list)
    """``start`` inclusive, ``end`` exclusive, ``text == text[start:end]``."""
    relations: list[Relation] = Field(default_factory=list)
    """``head`` and ``tail`` are span ids of this line."""
    note: str = ""
    """The annotator's note (the flag note); empty when there is none."""
    seconds_spent: float = Field(default=0.0, ge=0)
    """Active annotation time on this document."""
    updated_at: str | None = None
    """When the record was last saved (UTC ISO 8601)."""
    cursor: int | None = Field(default=None, ge=0)
    """Where the annotator left the cursor (code point offset)."""
    provenance: dict[str, SpanProvenance] | None = None
    """Gold records only: span id to the annotators it came from and the decision."""
    rejected: list[Span] | None = None
    """Gold records only: versions the adjudicator rejected (not annotations: training code
    reads ``spans``); kept so that an import keeps them out of ``adjudicate --auto``."""
