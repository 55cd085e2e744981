"""The JSON Schema files committed in ``schemas/``, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from annotator.formats.export_record import ExportRecord
from annotator.model.config import ProjectConfig
from annotator.model.delta import RecordPatch
from annotator.model.records import AnnotationRecord, Document

SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "document.schema.json": Document,
    "annotation_record.schema.json": AnnotationRecord,
    "annotation_patch.schema.json": RecordPatch,
    "project_config.schema.json": ProjectConfig,
    "export_record.schema.json": ExportRecord,
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name to JSON Schema, for every model whose lines or files users write or read."""
    schemas: dict[str, dict[str, Any]] = {}
    for name, model in SCHEMA_MODELS.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schemas[name] = schema
    return schemas
