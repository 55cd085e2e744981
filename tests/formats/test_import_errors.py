"""Bad inputs give clear file:line (or task id) errors and leave the project byte for byte
unchanged; offsets that are off are repaired only when the text is found once nearby."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main

from .helpers import DocSpec, folder_digest, make_project, records_of, span_set

TEXT = "Ana Silva said the summit will happen. Ana Silva left."
BASE = (DocSpec("d", TEXT, (("Ana Silva", 0, "speaker"),)),)


def doccano_line(**changes: object) -> dict[str, object]:
    line: dict[str, object] = {
        "doc_id": "new",
        "text": TEXT,
        "entities": [
            {"id": 1, "label": "speaker", "start_offset": 0, "end_offset": 9},
            {"id": 2, "label": "claim", "start_offset": 15, "end_offset": 37},
        ],
        "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "attributed_to"}],
    }
    line.update(changes)
    return line


def ls_task(
    task_id: int, start: int, end: int, text: str, label: str = "speaker"
) -> dict[str, object]:
    return {
        "id": task_id,
        "data": {"text": TEXT},
        "annotations": [
            {
                "result": [
                    {
                        "id": "r1",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": start, "end": end, "text": text, "labels": [label]},
                    }
                ]
            }
        ],
    }


def jsonl(*lines: object) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


CASES = {
    "truncated json": (
        "label-studio",
        json.dumps([ls_task(1, 0, 9, "Ana Silva")])[:-40],
        ["not valid JSON", "truncated"],
    ),
    "truncated line": (
        "doccano",
        jsonl(doccano_line())[:-30] + "\n",
        ["in.txt:1", "not valid JSON"],
    ),
    "wrong type": (
        "doccano",
        jsonl(
            doccano_line(),
            doccano_line(
                doc_id="n2",
                entities=[{"id": 1, "label": "speaker", "start_offset": "0", "end_offset": 9}],
            ),
        ),
        ["in.txt:2", "entities[0].start_offset", "expected an integer, found a string"],
    ),
    "text not a string": (
        "jsonl",
        jsonl({"id": "x", "text": 5}),
        ["in.txt:1", "text", "expected a string"],
    ),
    "out of range": (
        "doccano",
        jsonl(
            doccano_line(
                entities=[{"id": 1, "label": "speaker", "start_offset": 50, "end_offset": 90}],
                relations=[],
            )
        ),
        ["in.txt:1", "run past the end of the text"],
    ),
    "negative": (
        "prodigy",
        jsonl(
            {
                "text": TEXT,
                "spans": [{"start": -1, "end": 3, "label": "speaker"}],
                "answer": "accept",
            }
        ),
        ["in.txt:1", "start must be >= 0"],
    ),
    "unknown label": (
        "doccano",
        jsonl(
            doccano_line(
                entities=[{"id": 1, "label": "person", "start_offset": 0, "end_offset": 9}],
                relations=[],
            )
        ),
        ["in.txt:1", "unknown label 'person'"],
    ),
    "unknown relation": (
        "doccano",
        jsonl(doccano_line(relations=[{"id": 1, "from_id": 2, "to_id": 1, "type": "said_by"}])),
        ["in.txt:1", "unknown relation label 'said_by'"],
    ),
    "dangling relation": (
        "doccano",
        jsonl(
            doccano_line(relations=[{"id": 1, "from_id": 2, "to_id": 7, "type": "attributed_to"}])
        ),
        ["in.txt:1", "tail '7' is not a span"],
    ),
    "duplicate span ids": (
        "doccano",
        jsonl(
            doccano_line(
                entities=[
                    {"id": 1, "label": "speaker", "start_offset": 0, "end_offset": 9},
                    {"id": 1, "label": "claim", "start_offset": 15, "end_offset": 37},
                ]
            )
        ),
        ["in.txt:1", "duplicate span id '1'"],
    ),
    "duplicate documents": (
        "doccano",
        jsonl(doccano_line(), doccano_line()),
        ["in.txt:2", "duplicate document id 'new' (first at"],
    ),
    "duplicate task ids": (
        "label-studio",
        json.dumps([ls_task(4, 0, 9, "Ana Silva"), ls_task(4, 0, 9, "Ana Silva")]),
        ["task 4", "duplicate task id"],
    ),
    "ambiguous repair": (
        "label-studio",
        json.dumps([ls_task(9, 2, 11, "Ana Silva")]),
        ["task 9", "not found exactly once nearby"],
    ),
    "changed text": (
        "doccano",
        jsonl(doccano_line(doc_id="d", text=TEXT + " More.")),
        ["in.txt:1", "already in the project with a different text"],
    ),
    "existing record": (
        "jsonl",
        jsonl({"id": "d", "text": TEXT, "spans": [], "annotator": "alice"}),
        ["already has a record for 'd'", "--replace"],
    ),
    "brat bad line": ("brat", "T1\tspeaker 0 nine\tAna Silva\n", ["in.ann:1", "expected 'T<n>"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_changes_nothing(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", BASE)
    format_name, content, expected = CASES[case]
    if format_name == "brat":
        folder = tmp_path / "b"
        folder.mkdir()
        (folder / "in.ann").write_text(content, encoding="utf-8")
        (folder / "in.txt").write_text(TEXT, encoding="utf-8")
        path = folder
    else:
        path = tmp_path / "in.txt"
        path.write_text(content, encoding="utf-8")
    before = folder_digest(root)
    code = main(["import", str(root), "--format", format_name, "--annotator", "alice", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert "Traceback" not in err
    assert folder_digest(root) == before


def test_all_problems_are_listed_not_just_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", BASE)
    path = tmp_path / "in.jsonl"
    path.write_text(
        jsonl(
            doccano_line(
                doc_id="n1",
                entities=[{"id": 1, "label": "x", "start_offset": 0, "end_offset": 3}],
                relations=[],
            ),
            doccano_line(
                doc_id="n2",
                entities=[{"id": 1, "label": "y", "start_offset": 0, "end_offset": 3}],
                relations=[],
            ),
        )
    )
    assert main(["import", str(root), "--format", "doccano", "--annotator", "bob", str(path)]) == 1
    err = capsys.readouterr().err
    assert "in.jsonl:1" in err and "in.jsonl:2" in err and "2 problem(s)" in err


def test_shifted_offsets_are_repaired_when_the_text_is_found_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", ())
    path = tmp_path / "ls.json"
    # "the summit" is at 15; the tool said 13
    path.write_text(json.dumps([ls_task(3, 13, 23, "the summit", "event")]))
    assert (
        main(["import", str(root), "--format", "label-studio", "--annotator", "ann", str(path)])
        == 0
    )
    err = capsys.readouterr().err
    assert "repaired" in err and "13-23 -> 15-25" in err and "task 3" in err
    assert span_set(records_of(root, "ann")["ls-task-3"]) == {(15, 25, "event")}


def test_replace_overwrites_an_existing_record(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", BASE)
    path = tmp_path / "in.jsonl"
    path.write_text(
        jsonl(
            {
                "id": "d",
                "text": TEXT,
                "spans": [
                    {"id": "x", "start": 15, "end": 25, "label": "event", "text": "the summit"}
                ],
            }
        )
    )
    assert (
        main(
            [
                "import",
                str(root),
                "--format",
                "jsonl",
                "--annotator",
                "alice",
                "--replace",
                str(path),
            ]
        )
        == 0
    )
    assert span_set(records_of(root, "alice")["d"]) == {(15, 25, "event")}


def test_crlf_source_offsets_map_onto_the_normalized_text(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", ())
    raw = "Mayor Jo Park said:\r\n\r\nthe bridge opens.\r\n"
    start = raw.index("the bridge")
    path = tmp_path / "in.jsonl"
    path.write_text(
        jsonl(
            {
                "doc_id": "c",
                "text": raw,
                "entities": [
                    {"id": 1, "label": "claim", "start_offset": start, "end_offset": start + 16}
                ],
            }
        )
    )
    assert main(["import", str(root), "--format", "doccano", "--annotator", "a", str(path)]) == 0
    (span,) = records_of(root, "a")["c"].spans
    assert span.text == "the bridge opens"


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", BASE)
    path = tmp_path / "in.jsonl"
    path.write_text(jsonl(doccano_line()))
    before = folder_digest(root)
    assert (
        main(
            [
                "import",
                str(root),
                "--format",
                "doccano",
                "--annotator",
                "bob",
                "--dry-run",
                str(path),
            ]
        )
        == 0
    )
    assert folder_digest(root) == before


@pytest.mark.parametrize(
    ("format_name", "content"),
    [
        ("label-studio", "[]"),
        ("doccano", ""),
        ("prodigy", "\n\n"),
        ("jsonl", "\ufeff"),
        ("brat", None),
    ],
)
def test_an_input_with_nothing_in_it_is_refused(
    tmp_path: Path, format_name: str, content: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", BASE)
    path = tmp_path / "in"
    if content is None:
        path.mkdir()
        (path / "notes.txt").write_text("no annotations here", encoding="utf-8")
    else:
        path.write_text(content, encoding="utf-8")
    before = folder_digest(root)
    code = main(["import", str(root), "--format", format_name, "--annotator", "alice", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "found: nothing to import" in err and str(path) in err
    assert folder_digest(root) == before
