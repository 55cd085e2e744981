"""`annotator export` on a record `annotator validate` rejects: one line naming file and line,
exit 1, nothing written; `--skip-bad` exports the rest and counts what it left out (QA A4)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.cli import main


def _shift_a_span(path: Path) -> int:
    """Move the first span of the file's second record one character on, keeping its text (as a
    hand edit gone wrong does); the line number changed."""
    lines = path.read_bytes().splitlines()
    record = orjson.loads(lines[1])
    span = record["spans"][0]
    span["start"] += 1
    span["end"] += 1
    lines[1] = orjson.dumps(record)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return 2


def test_export_stops_at_an_invalid_record_unless_skip_bad(
    sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    carol = sample_project / "annotations" / "carol.jsonl"
    line = _shift_a_span(carol)
    out = tmp_path / "out" / "carol.conll"
    command = ["export", str(sample_project), "--annotator", "carol", "--format", "conll"]
    assert main([*command, "--out", str(out)]) == 1
    [error] = capsys.readouterr().err.splitlines()
    assert error.startswith(f"annotator: error: {carol}:{line}: spans[0].text: ")
    assert "--skip-bad" in error
    assert not out.parent.exists()  # nothing written, not even the folder
    assert main([*command, "--out", str(out), "--skip-bad"]) == 0
    said = capsys.readouterr().err
    assert "1 invalid record (text " in said
    assert out.stat().st_size > 0
