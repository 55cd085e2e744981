"""A record made on an older text of its document is set aside by agreement: the lead is told
whose, on which document, and what to run (agreement's table and JSON, and ``stats``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.cli import main

from .helpers import build_project, record

TEXT = "Minister Ana Ruiz said the ceasefire will hold."
OTHER = "Nobody said anything today."
MINISTER = [(0, 17, "speaker")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stale(annotator: str, doc_id: str, text: str) -> Any:
    return record(annotator, doc_id, text, MINISTER, digest="0" * 64)


@pytest.fixture
def changed(tmp_path: Path) -> Path:
    """carol's records of d1 (compared on alice and bob) and d2 (then excluded: only alice is
    left) were made on an older text; bob's record of d3 too."""
    root = tmp_path / "p"
    build_project(
        root,
        {"d1": TEXT, "d2": TEXT, "d3": OTHER},
        {
            "alice": {"d1": MINISTER, "d2": MINISTER, "d3": []},
            "bob": {"d1": MINISTER, "d3": stale("bob", "d3", OTHER)},
            "carol": {"d1": stale("carol", "d1", TEXT), "d2": stale("carol", "d2", TEXT)},
        },
    )
    return root


def test_the_table_header_names_the_records_set_aside(
    changed: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _err = run(capsys, "agreement", str(changed))
    assert code == 0
    lines = out.splitlines()
    start = lines.index(
        "  set aside: 3 record(s) made on an older text (run `annotator reanchor`):"
    )
    assert lines[start + 1 : start + 3] == ["    carol: d1, d2", "    bob: d3"]
    # in the header, above the first table
    assert start < min(index for index, line in enumerate(lines) if line.startswith("┏"))


def test_the_json_lists_every_record_set_aside(
    changed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "agreement", str(changed), "--format", "json")
    assert code == 0
    documents = json.loads(out)["documents"]
    reason = "document text changed since annotated (text_sha256 differs)"
    assert sorted(
        (item["annotator"], item["doc_id"], item["reason"]) for item in documents["set_aside"]
    ) == [("bob", "d3", reason), ("carol", "d1", reason), ("carol", "d2", reason)]
    # the figures and exclusions are those of before
    assert documents["counted"] == 1
    assert {item["doc_id"] for item in documents["excluded"]} == {"d2", "d3"}


def test_the_worker_processes_find_the_same_records(
    changed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, one, _err = run(capsys, "agreement", str(changed), "--format", "json")
    code, two, _err = run(capsys, "agreement", str(changed), "--format", "json", "--jobs", "2")
    assert code == 0
    assert json.loads(one)["documents"] == json.loads(two)["documents"]


def test_no_set_aside_line_when_every_record_is_of_the_current_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    build_project(root, {"d1": TEXT}, {"alice": {"d1": MINISTER}, "bob": {"d1": MINISTER}})
    code, out, _err = run(capsys, "agreement", str(root))
    assert code == 0
    assert "set aside" not in out
    code, out, _err = run(capsys, "agreement", str(root), "--format", "json")
    assert "set_aside" not in json.loads(out)["documents"]


# -- stats -----------------------------------------------------------------------------------------


def test_stats_counts_the_records_whose_text_changed(
    changed: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _err = run(capsys, "stats", str(changed), "--json")
    assert code == 0
    annotators = json.loads(out)["annotators"]
    assert {name: row["text_changed"] for name, row in annotators.items()} == {
        "alice": 0,
        "bob": 1,
        "carol": 2,
    }
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _err = run(capsys, "stats", str(changed))
    assert code == 0
    status = out.split("spans per label")[0]
    assert "changed" in status
    rows = {
        cells[0]: cells[1:]
        for line in status.splitlines()
        if line.startswith("│") and (cells := [cell.strip() for cell in line.split("│")[1:-1]])
    }
    assert [row[-2] for row in rows.values()] == ["0", "1", "2"]  # just before the hours


def test_stats_without_changed_texts_has_no_such_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    build_project(root, {"d1": TEXT}, {"alice": {"d1": MINISTER}, "bob": {"d1": MINISTER}})
    code, out, _err = run(capsys, "stats", str(root))
    assert code == 0
    assert "text" not in out.split("documents by status")[1]


def test_stats_titles_are_above_their_tables(
    changed: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA C9: a caption under a table read as the title of the next one."""
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _err = run(capsys, "stats", str(changed))
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == f"{changed}: 3 documents"
    for title, header in (("documents by status", " done "), ("spans per label", " speaker ")):
        index = lines.index(title)
        assert lines[index + 1].startswith("┏"), title  # the table's top border follows
        assert header in lines[index + 2], title  # and it is this table
