"""The project's own ``jsonl`` export, imported back, loses nothing the annotator typed: the flag
note, the time spent, when the record was saved, the cursor, and a gold record's provenance and
rejected versions (QA finding F17)."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.formats.export_record import ExportRecord
from annotator.model.records import AnnotationRecord, Span, SpanProvenance, Status
from annotator.store.project import Project

from .helpers import DOCS, make_project, normalized, record_for, records_of

FLAG_NOTE = "Unsure whether the quote is direct — ask the lead"

OLD_KEYS = ["id", "text", "meta", "annotator", "status", "spans", "relations"]
"""The keys the export always wrote, in their order (consumers read them)."""


def _with_details(record: AnnotationRecord, number: int, length: int) -> AnnotationRecord:
    """The record as an annotator leaves it: time spent, a save time, a cursor, and a flag note
    on every other document."""
    update: dict[str, object] = {
        "seconds_spent": 12.5 * (number + 1),
        "updated_at": f"2024-04-{number + 1:02d}T09:14:05Z",
        "cursor": min(number * 3, length),
    }
    if number % 2:
        update.update(status=Status.flagged, note=f"{FLAG_NOTE} ({number})")
    return record.model_copy(update=update)


def _project(root: Path) -> Path:
    make_project(root)
    project = Project(root)
    with project.annotations("alice", writable=True) as annotation_file:
        for number, spec in enumerate(DOCS):
            length = len(normalized(spec.text))
            annotation_file.save(_with_details(record_for(spec, "alice"), number, length))
    return root


def _export(source: Path, out: Path, *extra: str) -> None:
    assert main(["export", str(source), "--format", "jsonl", "--out", str(out), *extra]) == 0


def _import(tmp_path: Path, source: Path, out: Path, annotator: str) -> Path:
    target = tmp_path / "target"
    assert main(["init", str(target)]) == 0
    shutil.copy(source / "annotator.toml", target / "annotator.toml")
    assert (
        main(["import", str(target), "--format", "jsonl", "--annotator", annotator, str(out)]) == 0
    )
    return target


def _without_annotator(record: AnnotationRecord) -> dict[str, object]:
    """The record as compared: whose it is aside, spans in text order (the import sorts them)."""
    dump = record.model_dump(mode="json")
    del dump["annotator"]
    dump["spans"].sort(key=lambda span: (span["start"], span["end"], span["label"]))
    return dump


def test_jsonl_export_then_import_keeps_every_field_of_every_record(tmp_path: Path) -> None:
    source = _project(tmp_path / "source")
    out = tmp_path / "out.jsonl"
    _export(source, out, "--annotator", "alice")
    target = _import(tmp_path, source, out, "back")

    before, after = records_of(source, "alice"), records_of(target, "back")
    assert set(after) == set(before)
    notes = {doc_id: record.note for doc_id, record in after.items() if record.note}
    assert len(notes) == len(DOCS) // 2 and all(FLAG_NOTE in note for note in notes.values())
    for doc_id, record in before.items():
        assert _without_annotator(after[doc_id]) == _without_annotator(record), doc_id


def test_jsonl_line_keeps_its_keys_and_adds_the_rest_of_the_record(tmp_path: Path) -> None:
    source = _project(tmp_path / "source")
    out = tmp_path / "out.jsonl"
    _export(source, out, "--annotator", "alice")
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    flagged = next(line for line in lines if line["status"] == "flagged")
    assert [key for key in flagged if key != "title"][: len(OLD_KEYS)] == OLD_KEYS
    assert flagged["note"].startswith(FLAG_NOTE)
    assert flagged["seconds_spent"] > 0 and flagged["updated_at"].startswith("2024-04-")
    for line in lines:  # each line still valid against the published schema
        ExportRecord.model_validate(line)


def _gold(root: Path) -> Path:
    """A project with a gold record: spans with provenance, a rejected version."""
    make_project(root)
    spec = DOCS[0]
    record = record_for(spec, "gold")
    speaker = record.spans[0]
    rejected = Span(
        id=speaker.id,
        start=speaker.start + 4,
        end=speaker.end,
        label=speaker.label,
        text=speaker.text[4:],
    )
    provenance = {
        span.id: SpanProvenance(annotators=["alice", "bob"], decision="majority")
        for span in record.spans
    }
    record = record.model_copy(
        update={"provenance": provenance, "rejected": [rejected], "status": Status.done}
    )
    with Project(root).annotations("gold", writable=True) as annotation_file:
        annotation_file.save(record)
    return root


@pytest.mark.parametrize("labels", [None, "speaker,claim"])
def test_gold_provenance_and_rejected_versions_survive(tmp_path: Path, labels: str | None) -> None:
    source = _gold(tmp_path / "source")
    out = tmp_path / "gold.jsonl"
    _export(source, out, "--annotator", "gold", *(["--labels", labels] if labels else []))
    target = _import(tmp_path, source, out, "gold")

    (before,) = records_of(source, "gold").values()
    (after,) = records_of(target, "gold").values()
    kept = {span.id for span in before.spans if labels is None or span.label in labels}
    assert {span.id for span in after.spans} == kept
    assert before.provenance is not None and after.provenance is not None
    # provenance of the spans exported only: the import checks each names a span
    assert after.provenance == {k: v for k, v in before.provenance.items() if k in kept}
    assert after.rejected == before.rejected


def test_import_refuses_a_bad_save_time_naming_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _project(tmp_path / "source")
    out = tmp_path / "out.jsonl"
    _export(source, out, "--annotator", "alice")
    lines = out.read_bytes().splitlines()
    broken = orjson.loads(lines[1])
    broken["updated_at"] = "yesterday"
    lines[1] = orjson.dumps(broken)
    out.write_bytes(b"\n".join(lines) + b"\n")
    target = tmp_path / "target"
    assert main(["init", str(target)]) == 0
    shutil.copy(source / "annotator.toml", target / "annotator.toml")
    code = main(["import", str(target), "--format", "jsonl", "--annotator", "b", str(out)])
    assert code != 0
    assert f"{out}:2: updated_at: not an ISO 8601 time: 'yesterday'" in capsys.readouterr().err
    assert not Project(target).annotators()
