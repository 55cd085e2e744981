"""The export summary says how many records that are not done went in, and for training formats
suggests ``--status done`` (QA finding F18; the default ``--status`` stays "all")."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.model.records import Status
from annotator.store.project import Project

from .helpers import make_project

HINT = "pass --status done to leave them out"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """Nine documents: 'empty' skipped, one flagged, one in progress, the rest done."""
    root = make_project(tmp_path / "source")
    with Project(root).annotations("alice", writable=True) as annotation_file:
        for doc_id, status in (("wire/001", Status.flagged), ("cjk", Status.in_progress)):
            record = annotation_file.get(doc_id)
            assert record is not None
            annotation_file.save(record.model_copy(update={"status": status}))
    return root


def _export(
    capsys: pytest.CaptureFixture[str], source: Path, out: Path, name: str, *extra: str
) -> str:
    capsys.readouterr()
    assert main(["export", str(source), "--format", name, "--out", str(out), *extra]) == 0
    return capsys.readouterr().err


@pytest.mark.parametrize("name", ["conll", "hf"])
def test_training_formats_count_records_not_done_and_suggest_status_done(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    err = _export(capsys, source, tmp_path / f"out.{name}", name)
    assert "exported 9 document(s), 9 record(s)" in err
    assert "records not done: 3 (flagged 1, in progress 1, skipped 1)" in err
    assert HINT in err


def test_interchange_formats_count_them_without_the_training_hint(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _export(capsys, source, tmp_path / "out.jsonl", "jsonl")
    assert "records not done: 3 (flagged 1, in progress 1, skipped 1)" in err
    assert HINT not in err


def test_chosen_statuses_are_counted_but_not_questioned(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.conll"
    err = _export(capsys, source, out, "conll", "--status", "done")
    assert "exported 6 document(s)" in err and "not done" not in err
    err = _export(capsys, source, out, "conll", "--status", "done,skipped", "--force")
    assert "records not done: 1 (skipped 1)" in err and HINT not in err


def test_a_record_left_out_is_not_counted_as_gone_in(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = source / "documents" / "generated.jsonl"
    # the flagged document's text changes: its record is skipped, not exported
    corpus.write_bytes(corpus.read_bytes().replace(b"Minister Ana Silva", b"Minister Ana Silvo"))
    err = _export(capsys, source, tmp_path / "out.conll", "conll")
    assert "exported 8 document(s)" in err
    assert "records not done: 2 (in progress 1, skipped 1)" in err
