"""An export file is synced to disk while it is written (so the last fsync has little left):
a sync that fails must still fail the export, leaving no file under the real name."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import orjson
import pytest

from annotator.formats import exporting
from annotator.formats.common import Selection
from annotator.formats.exporting import BackgroundSync, ExportOptions, run_export
from annotator.formats.jsonl import JsonlWriter
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Span, Status
from annotator.model.text import text_sha256
from annotator.store.annotations import encode_record
from annotator.store.project import Project, init_project


def make_project(root: Path, documents: int = 20) -> Path:
    """``documents`` documents, each annotated by alice."""
    init_project(root, [])
    lines, records = [], []
    for number in range(documents):
        text = f"Ana met Bo number {number}. Bo left."
        lines.append(orjson.dumps({"id": f"d{number}", "text": text}))
        spans = [Span(id="s0", start=0, end=3, label="entity", text="Ana")]
        records.append(
            encode_record(
                AnnotationRecord(
                    doc_id=f"d{number}",
                    annotator="alice",
                    text_sha256=text_sha256(text),
                    spans=spans,
                    status=Status.done,
                )
            )
        )
    (root / "documents" / "part.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (root / "annotations" / "alice.jsonl").write_bytes(b"".join(records))
    return root


def test_a_background_sync_error_is_raised_when_it_stops() -> None:
    reading, writing = os.pipe()  # fdatasync refuses a pipe
    try:
        sync = BackgroundSync(writing, interval=0.0)
        deadline = time.monotonic() + 10
        while threading.active_count() > 1 and time.monotonic() < deadline:
            time.sleep(0.001)  # until the sync thread met its error and ended
        with pytest.raises(OSError):
            sync.stop()
    finally:
        os.close(reading)
        os.close(writing)


def test_a_background_sync_of_a_file_stops_cleanly(tmp_path: Path) -> None:
    with (tmp_path / "f").open("wb") as handle:
        sync = BackgroundSync(handle.fileno(), interval=0.001)
        handle.write(b"x" * 1000)
        handle.flush()
        sync.stop()  # no error
        sync.stop()  # stopping twice is harmless


def test_an_export_whose_sync_fails_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "p")
    out = tmp_path / "out.jsonl"
    failed: list[int] = []

    def failing_sync(fd: int) -> None:
        failed.append(fd)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fdatasync", failing_sync)
    monkeypatch.setattr(BackgroundSync, "INTERVAL", 0.0)
    real_close = exporting.FileWriter.close

    def slow_close(self: exporting.FileWriter) -> None:
        while not failed:  # the export is tiny: let the sync thread run once first
            os.sched_yield()
        real_close(self)

    monkeypatch.setattr(exporting.FileWriter, "close", slow_close)
    # the CLI prints it as one line naming the output
    with pytest.raises(AnnotatorError, match=re.escape(f"{out}: cannot write: Input/output error")):
        run_export(Project(root), "jsonl", out, Selection(annotators=("alice",)), ExportOptions())
    assert not out.exists()
    assert [path.name for path in tmp_path.iterdir()] == ["p"]  # no temporary file left


def test_an_export_with_syncs_on_the_way_writes_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "p")
    selection = Selection(annotators=("alice",))
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    run_export(Project(root), "jsonl", first, selection, ExportOptions())
    monkeypatch.setattr(BackgroundSync, "INTERVAL", 0.0)  # a sync as often as can be
    run_export(Project(root), "jsonl", second, selection, ExportOptions())
    assert second.read_bytes() == first.read_bytes()
    assert len(second.read_bytes().splitlines()) == 20


def test_a_writer_whose_header_fails_leaves_no_thread_nor_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "p")

    def failing_start(self: exporting.FileWriter) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(JsonlWriter, "start", failing_start)
    before = threading.active_count()
    with pytest.raises(AnnotatorError, match=re.escape("out.jsonl: cannot write: No space left")):
        run_export(
            Project(root),
            "jsonl",
            tmp_path / "out.jsonl",
            Selection(annotators=("alice",)),
            ExportOptions(),
        )
    assert threading.active_count() == before
    assert [path.name for path in tmp_path.iterdir()] == ["p"]
