"""Label Studio tasks as other projects write them (QA B21, B12, B9, B7, B13, B23): regions on
another field of the task, annotations with nothing importable, times, offsets that cannot be
checked, labels whose case differs, bidirectional relations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.cli import main

from .helpers import folder_digest, records_of

TEXT = "Ana said Bob won the vote."


@pytest.fixture
def target(tmp_path: Path) -> Path:
    root = tmp_path / "target"
    assert main(["init", str(root)]) == 0
    return root


def _region(
    region: str, start: int, end: int, label: str, text: str | None, to_name: str = "text"
) -> dict[str, Any]:
    value: dict[str, Any] = {"start": start, "end": end, "labels": [label]}
    if text is not None:
        value["text"] = text
    return {
        "id": region,
        "from_name": "label",
        "to_name": to_name,
        "type": "labels",
        "value": value,
    }


def _import(
    target: Path, tmp_path: Path, data: dict[str, Any], *annotations: dict[str, Any]
) -> int:
    path = tmp_path / "ls.json"
    task = {"id": 20, "data": data, "annotations": list(annotations)}
    path.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    return main(["import", str(target), "--format", "label-studio", "--annotator", "x", str(path)])


def _spans(target: Path) -> set[tuple[int, int, str]]:
    record = records_of(target, "x")["ls-task-20"]
    return {(span.start, span.end, span.label) for span in record.spans}


def test_a_region_on_another_field_is_not_moved_onto_the_text(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = [
        _region("t", 0, 3, "speaker", "Bob", to_name="title"),
        _region("a", 0, 3, "speaker", "Ana"),
        {"from_id": "t", "to_id": "a", "type": "relation", "labels": ["attributed_to"]},
    ]
    data = {"title": "Bob wins", "text": TEXT}
    assert _import(target, tmp_path, data, {"result": result}) == 0
    err = capsys.readouterr().err
    assert _spans(target) == {(0, 3, "speaker")}  # Bob at 9-12 was never labelled
    assert "1 Label Studio region(s) on 'title' (not the document text) (not imported)" in err
    assert "repaired" not in err


def test_an_annotation_with_only_unsupported_items_is_not_saved(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    choices = {
        "id": "c",
        "from_name": "sentiment",
        "to_name": "text",
        "type": "choices",
        "value": {"choices": ["positive"]},
    }
    assert _import(target, tmp_path, {"text": TEXT}, {"result": [choices]}) == 0
    err = capsys.readouterr().err
    assert records_of(target, "x") == {}
    assert "1 annotation(s) with nothing importable" in err and "not saved" in err


def test_an_annotation_with_no_result_items_is_still_saved(tmp_path: Path, target: Path) -> None:
    assert _import(target, tmp_path, {"text": TEXT}, {"result": []}) == 0
    assert _spans(target) == set()


def test_the_annotation_time_is_read(tmp_path: Path, target: Path) -> None:
    result = [_region("a", 0, 3, "speaker", "Ana")]
    annotation = {
        "result": result,
        "created_at": "2024-01-10T09:00:00.000000Z",
        "updated_at": "2024-01-11T10:30:00.123456Z",
    }
    assert _import(target, tmp_path, {"text": TEXT}, annotation) == 0
    assert records_of(target, "x")["ls-task-20"].updated_at == "2024-01-11T10:30:00.123456Z"


def test_created_at_when_there_is_no_updated_at(tmp_path: Path, target: Path) -> None:
    annotation = {"result": [], "created_at": "2024-01-10T09:00:00Z"}
    assert _import(target, tmp_path, {"text": TEXT}, annotation) == 0
    assert records_of(target, "x")["ls-task-20"].updated_at == "2024-01-10T09:00:00Z"


def test_regions_without_text_after_an_astral_character_are_pointed_out(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Ana Ribeiro said the summit 🌊 failed."
    result = [_region("a", 0, 11, "speaker", None), _region("c", 17, 37, "claim", None)]
    assert _import(target, tmp_path, {"text": text}, {"result": result}) == 0
    err = capsys.readouterr().err
    assert "check: 1 Label Studio region(s) without value.text" in err  # the claim only
    assert "UTF-16" in err


def test_regions_without_text_and_no_astral_character_are_not_pointed_out(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _import(target, tmp_path, {"text": TEXT}, {"result": [_region("a", 0, 3, "speaker", None)]})
        == 0
    )
    assert "check:" not in capsys.readouterr().err


def test_a_label_whose_case_differs_gets_a_hint(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = folder_digest(target)
    result = [_region("a", 0, 3, "Speaker", "Ana")]
    assert _import(target, tmp_path, {"text": TEXT}, {"result": result}) == 1
    err = capsys.readouterr().err
    assert "ls.json: task 20: annotations[0].result[0]: unknown label 'Speaker'" in err
    assert "did you mean 'speaker'?" in err
    assert folder_digest(target) == before


def test_bidirectional_relations_are_counted(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = [
        _region("a", 0, 3, "speaker", "Ana"),
        _region("c", 9, 25, "claim", "Bob won the vote"),
        {
            "from_id": "c",
            "to_id": "a",
            "type": "relation",
            "direction": "bi",
            "labels": ["attributed_to"],
        },
    ]
    assert _import(target, tmp_path, {"text": TEXT}, {"result": result}) == 0
    assert "check: 1 Label Studio relation(s) with direction 'bi'" in capsys.readouterr().err
    (relation,) = records_of(target, "x")["ls-task-20"].relations
    assert (relation.head, relation.tail) == ("c", "a")


def test_a_text_object_named_otherwise_is_the_text_and_the_title_is_not(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # <Text name="headline" value="$title"/> and <Text name="text" value="$text"/>
    result = [
        _region("h", 0, 3, "speaker", "Bob", to_name="headline"),
        _region("a", 0, 3, "speaker", "Ana"),
    ]
    assert _import(target, tmp_path, {"title": "Bob wins", "text": TEXT}, {"result": result}) == 0
    assert _spans(target) == {(0, 3, "speaker")}
    assert "region(s) on 'headline' (not the document text)" in capsys.readouterr().err


def test_one_object_not_named_after_a_field_is_the_text(tmp_path: Path, target: Path) -> None:
    # <Text name="body" value="$text"/>
    result = [_region("b", 9, 12, "speaker", "Bob", to_name="body")]
    assert _import(target, tmp_path, {"title": "Bob wins", "text": TEXT}, {"result": result}) == 0
    assert _spans(target) == {(9, 12, "speaker")}


def test_several_objects_none_named_after_the_text_field_are_refused(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = folder_digest(target)
    result = [
        _region("h", 0, 3, "speaker", "Bob", to_name="headline"),
        _region("b", 0, 3, "speaker", "Ana", to_name="body"),
    ]
    assert _import(target, tmp_path, {"title": "Bob wins", "text": TEXT}, {"result": result}) == 1
    err = capsys.readouterr().err
    assert "task 20" in err and "'body', 'headline'" in err and "cannot tell" in err
    assert folder_digest(target) == before
