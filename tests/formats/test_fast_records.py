"""The export's fast check of records against the models and ``check_record``: it may refuse a
valid record (the models then decide), but it must never let through one they reject."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from pydantic import ValidationError

from annotator.formats.common import Selection
from annotator.formats.exporting import ExportOptions, run_export
from annotator.formats.fast_records import (
    PROVENANCE_FIELDS,
    RECORD_FIELDS,
    RELATION_FIELDS,
    SPAN_FIELDS,
    RecordRules,
    StoredProvenance,
    StoredRecord,
    StoredRelation,
    StoredSpan,
    model_record,
)
from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Relation, Span, SpanProvenance
from annotator.model.text import text_sha256
from annotator.model.validate import check_record
from annotator.store.project import Project

from .helpers import make_project

TEXT = "Fans 😀 cheered as Maria Gómez said the final was fair; 東京 agreed."
CONFIG = ProjectConfig()


def _span(span_id: str, covered: str, label: str) -> dict[str, Any]:
    start = TEXT.index(covered)
    end = start + len(covered)
    return {"id": span_id, "start": start, "end": end, "label": label, "text": covered}


BASE: dict[str, Any] = {
    "schema_version": 1,
    "doc_id": "d1",
    "annotator": "gold",
    "text_sha256": text_sha256(TEXT),
    "spans": [
        _span("s1", "Maria Gómez", "speaker"),
        _span("s2", "the final was fair", "claim"),
        _span("s3", "final", "event"),  # nested in s2
        _span("s4", "東京", "entity"),
    ],
    "relations": [{"id": "r1", "label": "attributed_to", "head": "s2", "tail": "s1"}],
    "status": "done",
    "note": "checked",
    "updated_at": "2025-03-01T09:30:00Z",
    "seconds_spent": 12.5,
    "cursor": 7,
    "provenance": {"s1": {"annotators": ["alice", "bob"], "decision": "majority"}},
    "rejected": [_span("x1", "😀", "entity")],
}


OPTIONAL_FIELDS = "schema_version status note updated_at seconds_spent cursor provenance rejected"


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        target: Any = record
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _drop(*paths: str) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        for path in paths:
            target: Any = record
            *parents, last = path.split(".")
            for part in parents:
                target = target[int(part)] if isinstance(target, list) else target[part]
            del target[last]

    return change


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "extra field": _set("extra", 1),
    "span extra field": _set("spans.0.colour", "red"),
    "relation extra field": _set("relations.0.weight", 1),
    "provenance extra field": _set("provenance.s1.score", 1),
    "no doc_id": _drop("doc_id"),
    "empty doc_id": _set("doc_id", ""),
    "numeric doc_id": _set("doc_id", 5),
    "no annotator": _drop("annotator"),
    "empty annotator": _set("annotator", ""),
    "other hash": _set("text_sha256", "0" * 64),
    "upper-case hash": _set("text_sha256", text_sha256(TEXT).upper()),
    "future schema": _set("schema_version", 2),
    "schema as text": _set("schema_version", "1"),
    "unknown status": _set("status", "finished"),
    "status null": _set("status", None),
    "note number": _set("note", 3),
    "bad time": _set("updated_at", "yesterday"),
    "time number": _set("updated_at", 5),
    "negative seconds": _set("seconds_spent", -1),
    "seconds as bool": _set("seconds_spent", True),
    "float cursor": _set("cursor", 3.0),
    "negative cursor": _set("cursor", -1),
    "cursor as bool": _set("cursor", True),
    "spans not a list": _set("spans", {"s1": 1}),
    "span not an object": _set("spans.0", "s1"),
    "span without text": _drop("spans.0.text"),
    "span without id": _drop("spans.0.id"),
    "empty span id": _set("spans.0.id", ""),
    "numeric span id": _set("spans.0.id", 1),
    "duplicate span id": _set("spans.1.id", "s1"),
    "float start": _set("spans.0.start", 19.0),
    "bool start": _set("spans.3.start", False),
    "negative start": _set("spans.0.start", -1),
    "end before start": _set("spans.0.end", 0),
    "end past the text": _set("spans.3.end", len(TEXT) + 5),
    "text of other length": _set("spans.0.text", "Maria"),
    "text not at the offsets": _set("spans.0.text", "Mario Gómez"),
    "empty span text": _set("spans.0.text", ""),
    "unknown label": _set("spans.0.label", "person"),
    "empty label": _set("spans.0.label", ""),
    "label not a string": _set("spans.0.label", ["speaker"]),
    "relations not a list": _set("relations", None),
    "relation without head": _drop("relations.0.head"),
    "relation to a missing span": _set("relations.0.tail", "s9"),
    "relation to an empty id": _set("relations.0.tail", ""),
    "relation unknown type": _set("relations.0.label", "says"),
    "relation wrong head label": _set("relations.0.head", "s3"),
    "relation wrong tail label": _set("relations.0.tail", "s4"),
    "relation numeric head": _set("relations.0.head", 2),
    "duplicate relation id": lambda r: r["relations"].append(dict(r["relations"][0])),
    "empty relation id": _set("relations.0.id", ""),
    "provenance of a missing span": _set("provenance.s9", {"annotators": []}),
    "provenance not an object": _set("provenance", ["s1"]),
    "provenance annotators text": _set("provenance.s1.annotators", "alice"),
    "provenance decision number": _set("provenance.s1.decision", 2),
    "rejected not matching": _set("rejected.0.text", "😁"),
    "rejected end before start": _set("rejected.0.end", 0),
    "rejected not a list": _set("rejected", {"x1": 1}),
    "no optional fields": _drop(*OPTIONAL_FIELDS.split()),
    "null optionals": lambda r: r.update(cursor=None, provenance=None, rejected=None),
    "no spans or relations": lambda r: r.update(spans=[], relations=[], provenance={}),
    "integer seconds": _set("seconds_spent", 3),
}


def mutated(name: str) -> dict[str, Any]:
    """A copy of the valid record with mutation ``name`` applied."""
    value = copy.deepcopy(BASE)
    MUTATIONS[name](value)
    return value


def _models_accept(value: dict[str, Any]) -> bool:
    try:
        record = AnnotationRecord.model_validate_json(orjson.dumps(value))
    except ValidationError:
        return False
    return check_record(record, TEXT, CONFIG) == []


def _fast_accepts(value: dict[str, Any]) -> bool:
    parsed = orjson.loads(orjson.dumps(value))
    return RecordRules(CONFIG).vouch(parsed, TEXT, text_sha256(TEXT))


def test_the_fast_check_knows_every_field_of_the_models() -> None:
    assert set(AnnotationRecord.model_fields) == RECORD_FIELDS
    assert set(Span.model_fields) == SPAN_FIELDS
    assert set(Relation.model_fields) == RELATION_FIELDS
    assert set(SpanProvenance.model_fields) == PROVENANCE_FIELDS


def test_a_valid_record_takes_the_fast_path() -> None:
    assert _models_accept(BASE)
    assert _fast_accepts(BASE)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_the_fast_check_never_accepts_what_the_models_reject(name: str) -> None:
    value = mutated(name)
    if _fast_accepts(value):
        assert _models_accept(value), f"fast path accepted an invalid record ({name})"


def test_most_mutations_are_invalid_and_valid_ones_mostly_stay_fast() -> None:
    """The list above exercises both sides: a test of a check that refuses everything, or of
    mutations that change nothing, would prove nothing."""
    verdicts = {}
    for name in MUTATIONS:
        value = mutated(name)
        verdicts[name] = (_models_accept(value), _fast_accepts(value))
    rejected = [name for name, (models, _) in verdicts.items() if not models]
    assert len(rejected) >= 50
    fast_valid = {name for name, (models, fast) in verdicts.items() if models and fast}
    assert fast_valid >= {"no optional fields", "null optionals", "no spans or relations"}
    # the models accept a cursor of 3.0; the fast check leaves it to them
    assert verdicts["float cursor"] == (True, False)


def _stored_accepts(value: dict[str, Any]) -> bool:
    line = orjson.dumps(value)
    return RecordRules(CONFIG).stored(line, TEXT, text_sha256(TEXT)) is not None


def test_a_valid_record_is_read_as_stored() -> None:
    record = RecordRules(CONFIG).stored(orjson.dumps(BASE), TEXT, text_sha256(TEXT))
    assert record is not None
    assert [span.text for span in record.spans] == [span["text"] for span in BASE["spans"]]
    assert msgspec.to_builtins(record) == BASE


def test_the_stored_record_types_know_every_field_of_the_models() -> None:
    assert set(AnnotationRecord.model_fields) == set(StoredRecord.__struct_fields__)
    assert set(Span.model_fields) == set(StoredSpan.__struct_fields__)
    assert set(Relation.model_fields) == set(StoredRelation.__struct_fields__)
    assert set(SpanProvenance.model_fields) == set(StoredProvenance.__struct_fields__)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_the_stored_check_never_accepts_what_the_models_reject(name: str) -> None:
    value = mutated(name)
    if _stored_accepts(value):
        assert _models_accept(value), f"stored check accepted an invalid record ({name})"


def test_the_stored_check_refuses_most_mutations_and_keeps_valid_ones() -> None:
    verdicts = {}
    for name in MUTATIONS:
        value = mutated(name)
        verdicts[name] = (_models_accept(value), _stored_accepts(value))
    assert sum(1 for models, _ in verdicts.values() if not models) >= 50
    accepted = {name for name, (models, stored) in verdicts.items() if models and stored}
    assert accepted >= {"no optional fields", "null optionals", "no spans or relations"}
    assert not _stored_accepts({**BASE, "spans": BASE["spans"][:1]} | {"x": 1})


def _append_raw(root: Path, annotator: str, value: dict[str, Any]) -> None:
    path = root / "annotations" / f"{annotator}.jsonl"
    with path.open("ab") as handle:
        handle.write(orjson.dumps(value) + b"\n")


def test_export_keeps_what_the_models_accept_and_stops_at_invalid_records(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    project = Project(root)
    alice = project.annotations("alice")
    records = {doc_id: alice.get(doc_id) for doc_id in ("wire/001", "emoji", "cjk")}
    alice.close()
    # a cursor written as 3.0: valid for the models, not vouched for by the fast check
    lenient = records["wire/001"]
    assert lenient is not None
    value = lenient.model_dump(mode="json", exclude_none=True)
    value["cursor"] = 3.0
    _append_raw(root, "alice", value)
    # a span whose text is not the document's there: skipped with the reason
    wrong = records["emoji"]
    assert wrong is not None
    value = wrong.model_dump(mode="json", exclude_none=True)
    value["spans"][0]["text"] = "Maria Gomez"
    _append_raw(root, "alice", value)
    # a record of another version of the text
    changed = records["cjk"]
    assert changed is not None
    value = changed.model_dump(mode="json", exclude_none=True)
    value["text_sha256"] = "0" * 64
    _append_raw(root, "alice", value)

    out = tmp_path / "out.jsonl"
    # by default the invalid record stops the export, naming file and line; nothing written
    with pytest.raises(AnnotatorError) as stopped:
        run_export(Project(root), "jsonl", out, Selection(annotators=("alice",)), ExportOptions())
    assert str(stopped.value).startswith(f"{root / 'annotations' / 'alice.jsonl'}:")
    assert "spans[0].text: text 'Maria Gomez' does not match" in str(stopped.value)
    assert "--skip-bad" in str(stopped.value)
    assert not out.exists()
    summary = run_export(
        Project(root),
        "jsonl",
        out,
        Selection(annotators=("alice",), skip_bad=True),
        ExportOptions(),
    )
    lines = {line["id"]: line for line in map(orjson.loads, out.read_bytes().splitlines())}
    assert "wire/001" in lines
    assert [span["text"] for span in lines["wire/001"]["spans"]] == [
        span.text for span in lenient.spans
    ]
    assert "emoji" not in lines and "cjk" not in lines
    reasons = "\n".join(summary.lines())
    assert "invalid record (text 'Maria Gomez' does not match the document there" in reasons
    assert "text changed since it was annotated" in reasons


def test_export_stops_at_records_whose_label_left_the_config_unless_skip_bad(
    tmp_path: Path,
) -> None:
    """A record saved when ``event`` was a label, exported after it was removed from the
    config: skipped with the reason, in jsonl (which trusts the stored structure) as in conll."""
    root = make_project(tmp_path / "p")
    config = root / "annotator.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index('[[labels]]\nname = "event"')
    end = text.index("[[relations]]")
    config.write_text(text[:start] + text[end:], encoding="utf-8")
    for name in ("jsonl", "conll"):
        out = tmp_path / f"out.{name}"
        with pytest.raises(AnnotatorError, match="unknown label 'event'"):
            run_export(Project(root), name, out, Selection(annotators=("alice",)), ExportOptions())
        summary = run_export(
            Project(root),
            name,
            out,
            Selection(annotators=("alice",), skip_bad=True),
            ExportOptions(),
        )
        reasons = "\n".join(summary.lines())
        assert "invalid record (unknown label 'event'" in reasons, reasons
        assert "'wire/001'" in reasons
        assert "summit" not in out.read_text(encoding="utf-8")


def test_a_label_filtered_jsonl_export_checks_the_structure_it_reads(tmp_path: Path) -> None:
    """``--labels`` reads each relation's head and tail: a hand-edited record without them
    stops the export with the models' message naming file and line, not a KeyError."""
    root = make_project(tmp_path / "p")
    project = Project(root)
    alice = project.annotations("alice")
    record = alice.get("wire/001")
    lines = alice.lines
    alice.close()
    assert record is not None and record.relations
    value = record.model_dump(mode="json", exclude_none=True)
    del value["relations"][0]["head"]
    _append_raw(root, "alice", value)
    out = tmp_path / "out.jsonl"
    selection = Selection(annotators=("alice",), labels=frozenset({"speaker", "claim"}))
    with pytest.raises(AnnotatorError, match=rf"alice.jsonl:{lines + 1}: relations\[0\].head"):
        run_export(Project(root), "jsonl", out, selection, ExportOptions())
    assert not out.exists()


def test_the_jsonl_summary_counts_the_spans_and_relations_written(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", annotators=("alice", "bob"))
    out = tmp_path / "out.jsonl"
    summary = run_export(
        Project(root), "jsonl", out, Selection(annotators=("alice", "bob")), ExportOptions()
    )
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert {line["annotator"] for line in lines} == {"alice", "bob"}
    spans = Counter(span["label"] for line in lines for span in line["spans"])
    relations = Counter(relation["label"] for line in lines for relation in line["relations"])
    assert sum(spans.values()) > 10 and sum(relations.values()) > 1
    assert summary.spans == spans and summary.relations == relations


def _record_models_accept(value: dict[str, Any]) -> bool:
    try:
        AnnotationRecord.model_validate_json(orjson.dumps(value))
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_record_read_on_its_own_is_never_one_the_models_reject(name: str) -> None:
    """``model_record`` (``annotator stats``) vouches for the record's own rules only: it may
    leave a record to the models, never take one they refuse."""
    value = mutated(name)
    if model_record(orjson.dumps(value)) is not None:
        assert _record_models_accept(value), f"model_record accepted an invalid record ({name})"


def test_a_record_read_on_its_own_keeps_what_needs_no_text() -> None:
    verdicts = {}
    for name in MUTATIONS:
        value = mutated(name)
        verdicts[name] = (_record_models_accept(value), model_record(orjson.dumps(value)))
    assert sum(1 for models, _ in verdicts.values() if not models) >= 35
    kept = {name for name, (_, record) in verdicts.items() if record is not None}
    # valid on their own; the text or the config is what they do not fit
    assert kept >= {
        "no optional fields",
        "null optionals",
        "other hash",
        "unknown label",
        "text not at the offsets",
        "relation to a missing span",
    }
    record = model_record(orjson.dumps(BASE))
    assert record is not None and msgspec.to_builtins(record) == BASE
    assert model_record(orjson.dumps({**BASE, "text_sha256": "a" * 64 + "\n"})) is None
