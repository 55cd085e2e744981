"""doccano lines in the shapes other tools and older doccano versions write (QA B20, B13, B23):
spans under a key the importer does not read never become a done record with no spans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.cli import main
from annotator.store.project import Project

from .helpers import folder_digest, records_of

TEXT = "Ana said hi."


@pytest.fixture
def target(tmp_path: Path) -> Path:
    root = tmp_path / "target"
    assert main(["init", str(root)]) == 0
    return root


def _import(target: Path, tmp_path: Path, *lines: dict[str, Any], bom: bool = False) -> int:
    path = tmp_path / "in.jsonl"
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return main(["import", str(target), "--format", "doccano", "--annotator", "x", str(path)])


def _spans(target: Path) -> dict[str, set[tuple[int, int, str]]]:
    return {
        doc_id: {(span.start, span.end, span.label) for span in record.spans}
        for doc_id, record in records_of(target, "x").items()
    }


def test_labels_is_read_as_label(tmp_path: Path, target: Path) -> None:
    assert _import(target, tmp_path, {"id": 1, "text": TEXT, "labels": [[0, 3, "speaker"]]}) == 0
    assert _spans(target) == {"doccano-1": {(0, 3, "speaker")}}


def test_doccano_1_annotations_with_label_names_are_read(tmp_path: Path, target: Path) -> None:
    line = {
        "id": 1,
        "text": TEXT,
        "annotations": [{"label": "speaker", "start_offset": 0, "end_offset": 3, "user": 1}],
    }
    assert _import(target, tmp_path, line) == 0
    assert _spans(target) == {"doccano-1": {(0, 3, "speaker")}}


def test_doccano_1_label_ids_are_refused_in_one_line(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = folder_digest(target)
    line = {
        "id": 1,
        "text": TEXT,
        "annotations": [{"label": 4, "start_offset": 0, "end_offset": 3, "user": 1}],
    }
    assert _import(target, tmp_path, line) == 1
    err = capsys.readouterr().err
    assert "in.jsonl:1" in err and "annotations[0].label" in err and "label id 4" in err
    assert folder_digest(target) == before


def test_spans_under_an_unknown_list_key_are_refused_naming_the_key(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = folder_digest(target)
    assert _import(target, tmp_path, {"id": 1, "text": TEXT, "spans": [[0, 3, "speaker"]]}) == 1
    err = capsys.readouterr().err
    assert "in.jsonl:1" in err and "'spans'" in err and "nothing" in err
    assert folder_digest(target) == before


def test_unknown_scalar_keys_go_to_the_document_meta(tmp_path: Path, target: Path) -> None:
    line = {"id": 1, "text": TEXT, "label": [], "source": "wire", "meta": {"a": 1}}
    assert _import(target, tmp_path, line) == 0
    assert Project(target).corpus.get("doccano-1").meta == {"a": 1, "source": "wire"}


def test_old_data_key_is_the_text(tmp_path: Path, target: Path) -> None:
    assert _import(target, tmp_path, {"id": 12, "data": TEXT, "label": [[0, 3, "speaker"]]}) == 0
    assert Project(target).corpus.get("doccano-12").text == TEXT
    assert _spans(target) == {"doccano-12": {(0, 3, "speaker")}}


def test_comments_become_the_note(tmp_path: Path, target: Path) -> None:
    line = {"id": 1, "text": TEXT, "label": [], "Comments": ["unsure of 'hi'", {"text": "ask"}]}
    assert _import(target, tmp_path, line) == 0
    assert records_of(target, "x")["doccano-1"].note == "unsure of 'hi'\nask"


def test_a_byte_order_mark_is_skipped(tmp_path: Path, target: Path) -> None:
    line = {"id": 1, "text": TEXT, "label": [[0, 3, "speaker"]]}
    assert _import(target, tmp_path, line, bom=True) == 0
    assert _spans(target) == {"doccano-1": {(0, 3, "speaker")}}
