"""The jsonl export's fast path (records parsed by msgspec with the config's labels, span labels
kept from the check for the summary's counts) writes and counts what the model path does."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
import orjson

from annotator.formats.common import Selection
from annotator.formats.exporting import ExportOptions, run_export
from annotator.formats.fast_records import RecordRules, checked_span_labels
from annotator.model.config import ProjectConfig
from annotator.model.text import text_sha256
from annotator.store.project import Project, init_project

TEXT = "Ana Silva said the summit in Lisbon would go ahead; Rui Costa disagreed."


def span(span_id: str, covered: str, label: str) -> dict[str, Any]:
    start = TEXT.index(covered)
    return {
        "id": span_id,
        "start": start,
        "end": start + len(covered),
        "label": label,
        "text": covered,
    }


def record(doc_id: str, **extra: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "schema_version": 1,
        "doc_id": doc_id,
        "annotator": "alice",
        "text_sha256": text_sha256(TEXT),
        "spans": [
            span("s1", "Ana Silva", "speaker"),
            span("s2", "the summit in Lisbon would go ahead", "claim"),
            span("s3", "summit", "event"),
            span("s4", "Rui Costa", "speaker"),
        ],
        "relations": [{"id": "r1", "label": "attributed_to", "head": "s2", "tail": "s1"}],
        "status": "done",
    }
    value.update(extra)
    return value


def make_project(root: Path, records: list[dict[str, Any]]) -> Path:
    init_project(root, [])
    documents = [orjson.dumps({"id": value["doc_id"], "text": TEXT}) for value in records]
    (root / "documents" / "part.jsonl").write_bytes(b"\n".join(documents) + b"\n")
    lines = b"".join(orjson.dumps(value) + b"\n" for value in records)
    (root / "annotations" / "alice.jsonl").write_bytes(lines)
    return root


def test_the_labels_kept_from_the_check_are_those_of_the_spans() -> None:
    rules = RecordRules(ProjectConfig())
    stored = rules.stored(orjson.dumps(record("d1")), TEXT, text_sha256(TEXT))
    assert stored is not None
    assert checked_span_labels(stored) == {
        "s1": "speaker",
        "s2": "claim",
        "s3": "event",
        "s4": "speaker",
    }
    # kept beside the record, never written with it
    assert "span_labels" not in msgspec.to_builtins(stored)
    assert b"span_labels" not in msgspec.json.encode(stored)
    converted = msgspec.convert(record("d2"), type(stored))
    assert checked_span_labels(converted) is None


def test_a_label_outside_the_config_sends_the_record_to_the_models() -> None:
    rules = RecordRules(ProjectConfig())
    value = record("d1")
    value["spans"][2]["label"] = "person"
    assert rules.stored(orjson.dumps(value), TEXT, text_sha256(TEXT)) is None
    value["spans"][2]["label"] = "event"
    assert rules.stored(orjson.dumps(value), TEXT, text_sha256(TEXT)) is not None


def test_fast_and_model_path_records_are_written_and_counted_alike(tmp_path: Path) -> None:
    records = [
        record("fast"),
        record("lenient", cursor=3.0),  # valid for the models, not on the fast path
        record("plain", relations=[], spans=[span("s1", "Lisbon", "entity")]),
    ]
    root = make_project(tmp_path / "p", records)
    out = tmp_path / "out.jsonl"
    summary = run_export(
        Project(root), "jsonl", out, Selection(annotators=("alice",)), ExportOptions()
    )
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [line["id"] for line in lines] == ["fast", "lenient", "plain"]
    assert lines[0]["spans"] == lines[1]["spans"] == records[0]["spans"]
    spans = Counter(item["label"] for line in lines for item in line["spans"])
    relations = Counter(item["label"] for line in lines for item in line["relations"])
    assert spans == {"speaker": 4, "claim": 2, "event": 2, "entity": 1}
    assert summary.spans == spans and summary.relations == relations == {"attributed_to": 2}
