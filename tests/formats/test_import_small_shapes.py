"""Legal or common input shapes the importers used to refuse (QA B13): spans without ids in
native jsonl (a model's predictions), brat files saved with a BOM, ``R`` lines naming ``Arg2``
first, ``T`` lines without their text field."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.cli import main

from .helpers import link_set, records_of, span_set

TEXT = "Ana said the talks were frank."


@pytest.fixture
def target(tmp_path: Path) -> Path:
    root = tmp_path / "target"
    assert main(["init", str(root)]) == 0
    return root


def test_jsonl_spans_without_ids_get_numbered_ids(tmp_path: Path, target: Path) -> None:
    line = {
        "id": "p1",
        "text": TEXT,
        "spans": [
            {"start": 0, "end": 3, "label": "speaker"},
            {"id": "s1", "start": 9, "end": 29, "label": "claim"},
            {"start": 13, "end": 18, "label": "event"},
        ],
    }
    path = tmp_path / "pred.jsonl"
    path.write_bytes(orjson.dumps(line) + b"\n")
    assert main(["import", str(target), "--format", "jsonl", "--annotator", "m", str(path)]) == 0
    record = records_of(target, "m")["p1"]
    assert {(span.id, span.label) for span in record.spans} == {
        ("s2", "speaker"),
        ("s1", "claim"),
        ("s3", "event"),
    }


def _brat(tmp_path: Path, ann: str, *, bom: bool = False) -> Path:
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "a.ann").write_bytes((b"\xef\xbb\xbf" if bom else b"") + ann.encode())
    return folder


def _import_brat(target: Path, folder: Path) -> int:
    return main(["import", str(target), "--format", "brat", "--annotator", "b", str(folder)])


ANN = "T1\tspeaker 0 3\tAna\nT2\tclaim 9 29\tthe talks were frank\n"


def test_brat_ann_with_a_byte_order_mark(tmp_path: Path, target: Path) -> None:
    assert _import_brat(target, _brat(tmp_path, ANN, bom=True)) == 0
    assert span_set(records_of(target, "b")["a"]) == {(0, 3, "speaker"), (9, 29, "claim")}


def test_brat_relation_arguments_are_read_by_role(tmp_path: Path, target: Path) -> None:
    folder = _brat(tmp_path, ANN + "R1\tattributed_to Arg2:T1 Arg1:T2\n")
    assert _import_brat(target, folder) == 0
    assert link_set(records_of(target, "b")["a"]) == {
        ((9, 29, "claim"), (0, 3, "speaker"), "attributed_to")
    }


def test_brat_text_bound_line_without_its_text(tmp_path: Path, target: Path) -> None:
    assert _import_brat(target, _brat(tmp_path, "T1\tspeaker 0 3\nT2\tclaim 9 29\t\n")) == 0
    assert span_set(records_of(target, "b")["a"]) == {(0, 3, "speaker"), (9, 29, "claim")}


def test_brat_text_bound_line_without_text_past_the_end_is_refused(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _import_brat(target, _brat(tmp_path, "T1\tspeaker 0 300\n")) == 1
    assert "a.ann:1" in capsys.readouterr().err
