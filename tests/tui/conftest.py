"""Helpers for driving the annotate app headless on a copy of the sample project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.store.project import Project
from annotator.tui.annotate_screen import AnnotateScreen
from annotator.tui.app import AnnotateApp


class FakeClock:
    """Time that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def open_app(
    root: Path, doc_id: str | None = None, annotator: str = "tester", clock: FakeClock | None = None
) -> AnnotateApp:
    project = Project(root)
    annotations = project.annotations(annotator, writable=True)
    return AnnotateApp(project, annotations, doc_id, clock=clock or FakeClock())


def screen_of(app: AnnotateApp) -> AnnotateScreen:
    return app.annotate_screen


def saved_records(root: Path, annotator: str = "tester") -> dict[str, dict[str, object]]:
    """The current record per document, read straight from the JSONL file (last line wins)."""
    path = root / "annotations" / f"{annotator}.jsonl"
    records: dict[str, dict[str, object]] = {}
    if path.exists():
        # split on "\n" only: str.splitlines would also cut at U+2028 inside a JSON string
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                record = json.loads(line)
                records[record["doc_id"]] = record
    return records


def saved_spans(root: Path, doc_id: str) -> list[tuple[str, str]]:
    record = saved_records(root).get(doc_id)
    if record is None:
        return []
    return [(span["label"], span["text"]) for span in record["spans"]]  # type: ignore[attr-defined]


@pytest.fixture
def project_root(sample_project: Path) -> Path:
    return sample_project
