"""The line of the ``jsonl`` export: a record joined with its document text.

Its JSON Schema is committed as ``schemas/export_record.schema.json`` (``annotator schema``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from annotator.model.records import Relation, Span, Status


class ExportRecord(BaseModel):
    """One annotated document as a training example: text, spans and links in one object."""

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
