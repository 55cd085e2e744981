"""Prodigy export and import of what a record carries beyond its spans (QA B22, B6, B17, B8): the
status (a record in progress is no accepted example, and comes back in progress), the document's
meta, the layout of the text in ``tokens`` + ``ws``, and input lines nobody answered yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.cli import main
from annotator.model.records import Status
from annotator.store.project import Project

from .helpers import DocSpec, link_set, make_project, records_of, span_set

LAYOUT = "First line speaker Bob\nsaid\tthis  thing.\n\nNew para   here. 😀 Ana said ok."
DOCS = (
    DocSpec(
        "layout",
        LAYOUT,
        (
            ("Bob", 0, "speaker"),
            ("this  thing", 0, "claim"),
            ("Ana", 0, "speaker"),
            ("ok", 0, "claim"),
        ),
        ((1, 0), (3, 2)),
    ),
    DocSpec(
        "half",
        "Ana Silva said the summit failed.",
        (("Ana Silva", 0, "speaker"),),
        (),
        Status.in_progress,
    ),
    DocSpec("none", "Nothing here.", (), (), Status.skipped),
)


def _export(
    root: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[dict[str, Any], str]:
    assert main(["export", str(root), "--format", "prodigy", "--out", str(out)]) == 0
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    return {line["meta"]["doc_id"]: line for line in lines}, capsys.readouterr().err


def _with_meta(root: Path) -> None:
    """Give every document of the project ``meta`` {"src": "qa", "note": "doc-level"}."""
    path = root / "documents" / "generated.jsonl"
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    for line in lines:
        line["meta"] = {"src": "qa", "note": "doc-level"}
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))


def test_tokens_and_ws_rebuild_the_text_and_indices_point_at_the_spans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", DOCS)
    lines, _ = _export(root, tmp_path / "out.jsonl", capsys)
    line = lines["layout"]
    tokens = line["tokens"]
    assert "".join(t["text"] + (" " if t["ws"] else "") for t in tokens) == LAYOUT
    assert [t["id"] for t in tokens] == list(range(len(tokens)))
    assert all(LAYOUT[t["start"] : t["end"]] == t["text"] for t in tokens)
    assert any(t["text"] == "\n\n" for t in tokens)
    for span in line["spans"]:
        assert tokens[span["token_start"]]["start"] == span["start"]
        assert tokens[span["token_end"]]["end"] == span["end"]
    for relation in line["relations"]:
        assert relation["head"] == relation["head_span"]["token_end"]
        assert relation["child"] == relation["child_span"]["token_end"]
        assert tokens[relation["head"]]["end"] == relation["head_span"]["end"]


def test_in_progress_is_not_accepted_and_comes_back_in_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", DOCS)
    out = tmp_path / "out.jsonl"
    lines, err = _export(root, out, capsys)
    assert lines["half"]["answer"] == "ignore" and lines["half"]["meta"]["status"] == "in_progress"
    assert lines["layout"]["answer"] == "accept" and lines["layout"]["meta"]["status"] == "done"
    assert lines["none"]["answer"] == "ignore" and lines["none"]["meta"]["status"] == "skipped"
    assert "learn accepted answers only" in err
    back = tmp_path / "back"
    assert main(["init", str(back)]) == 0
    assert main(["import", str(back), "--format", "prodigy", "--annotator", "alice", str(out)]) == 0
    records = records_of(back, "alice")
    original = records_of(root, "alice")
    assert {k: r.status for k, r in records.items()} == {k: r.status for k, r in original.items()}
    for doc_id, record in original.items():
        assert span_set(records[doc_id]) == span_set(record)
        assert link_set(records[doc_id]) == link_set(record)


def test_an_answer_changed_in_prodigy_wins_over_the_exported_status(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.jsonl"
    line = {"text": "Ana said hi.", "spans": [], "answer": "reject", "meta": {"status": "done"}}
    path.write_bytes(orjson.dumps(line) + b"\n")
    root = tmp_path / "t"
    assert main(["init", str(root)]) == 0
    assert main(["import", str(root), "--format", "prodigy", "--annotator", "x", str(path)]) == 0
    (record,) = records_of(root, "x").values()
    assert record.status == Status.flagged


def test_document_meta_is_kept_and_ours_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", DOCS)
    _with_meta(root)
    out = tmp_path / "out.jsonl"
    lines, err = _export(root, out, capsys)
    assert lines["half"]["meta"] == {"src": "qa", "doc_id": "half", "status": "in_progress"}
    assert "document meta key(s) named doc_id, title, note or status" in err
    back = tmp_path / "back"
    assert main(["init", str(back)]) == 0
    assert main(["import", str(back), "--format", "prodigy", "--annotator", "alice", str(out)]) == 0
    assert Project(back).corpus.get("half").meta == {"src": "qa"}
    assert records_of(back, "alice")["half"].note == ""


def test_a_line_without_answer_is_a_document_with_no_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    lines = [
        {
            "text": "Ana said hi.",
            "spans": [{"start": 0, "end": 3, "label": "speaker"}],
            "meta": {"id": "a"},
        },
        {"text": "Bo said no.", "spans": [], "answer": "accept", "meta": {"id": "b"}},
    ]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    root = tmp_path / "t"
    assert main(["init", str(root)]) == 0
    assert main(["import", str(root), "--format", "prodigy", "--annotator", "x", str(path)]) == 0
    err = capsys.readouterr().err
    assert set(records_of(root, "x")) == {"b"}
    assert set(Project(root).corpus.ids()) >= {"a", "b"}
    assert "1 Prodigy line(s) without 'answer'" in err


def test_a_classification_answer_is_not_saved_as_a_record_with_no_spans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    lines = [
        {"text": "Ana said hi.", "options": [{"id": "POS"}], "accept": ["POS"], "answer": "accept"},
        {"text": "Bo said no.", "label": "NEG", "answer": "accept"},
        {"text": "Nothing here.", "spans": [], "answer": "accept"},
    ]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    root = tmp_path / "t"
    assert main(["init", str(root)]) == 0
    assert main(["import", str(root), "--format", "prodigy", "--annotator", "x", str(path)]) == 0
    err = capsys.readouterr().err
    (record,) = records_of(root, "x").values()
    assert record.spans == [] and record.status == Status.done  # an accepted "no spans here"
    assert "2 annotation(s) with nothing importable" in err
