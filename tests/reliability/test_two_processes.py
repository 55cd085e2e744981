"""Two processes at once: one writer per annotator, others and readers never corrupt anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.model.errors import AnnotatorError
from annotator.store.annotations import AnnotationFile

WRITER = Path(__file__).with_name("concurrent_writer.py")


def start_writer(path: Path, annotator: str, rounds: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), annotator, str(rounds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line == "READY\n", line + (process.stderr.read() if process.stderr else "")
    return process


def finish(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None and process.stdin is not None
    assert process.stderr is not None
    done = process.stdout.readline()
    process.stdin.write("\n")
    process.stdin.close()
    errors = process.stderr.read()
    assert process.wait(timeout=60) == 0, errors
    assert done == "DONE\n", errors


def read_consistently(path: Path, annotator: str) -> int:
    """Open, list and read every record: each must be whole and belong to its document."""
    reader = AnnotationFile(path, annotator)
    assert reader.problems == [], reader.problems
    count = 0
    for _line, record in reader.iter_records():
        assert record.note.split(":")[0] == record.doc_id
        count += 1
    for doc_id in list(reader.entries):
        found = reader.get(doc_id)
        assert found is not None and found.doc_id == doc_id
    assert reader.problems == [], reader.problems
    return count


def test_same_annotator_twice_is_refused_with_the_holder_pid(tmp_path: Path) -> None:
    path = tmp_path / "annotations" / "alice.jsonl"
    writer = start_writer(path, "alice", rounds=1)
    try:
        with pytest.raises(AnnotatorError) as caught:
            AnnotationFile(path, "alice", writable=True)
        message = str(caught.value)
        assert message == (
            f"{path}: already open for writing by process {writer.pid}; close that session "
            "first (one writer per annotator at a time)"
        )
    finally:
        finish(writer)


def test_two_annotators_and_readers_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    (root / "documents").mkdir(parents=True)
    for index in range(8):
        (root / "documents" / f"doc{index}.txt").write_text(f"doc{index}", encoding="utf-8")
    annotations = root / "annotations"
    writers = [start_writer(annotations / f"{name}.jsonl", name, 150) for name in ("ann", "ben")]
    reads = 0
    try:
        # read while both write and compact; every read sees a whole, consistent file
        for _ in range(60):
            for name in ("ann", "ben"):
                reads += read_consistently(annotations / f"{name}.jsonl", name)
            code = main(["stats", str(root), "--json"])
            assert code == 0, capsys.readouterr().err
        capsys.readouterr()
    finally:
        for writer in writers:
            finish(writer)
    assert reads > 0
    assert main(["validate", str(root)]) == 0, capsys.readouterr()
    for name in ("ann", "ben"):
        final = AnnotationFile(annotations / f"{name}.jsonl", name)
        assert sorted(final.entries) == [f"doc{index}" for index in range(8)]
        assert all(
            record.note.startswith(f"{record.doc_id}:149") for _, record in final.iter_records()
        )
