"""Label Studio output checked field by field against the documented task shape; UTF-16
offsets; brat output parsed by an independent parser (pybrat)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.store.project import Project

from .helpers import DocSpec, make_project, records_of, span_set

# A task in the shape of Label Studio's JSON export documentation (guide "Export annotations",
# "Label Studio JSON format of annotated tasks"; tag "Text", sample results JSON; relations as
# the Relations tag stores them). Text and labels are our own.
DOCUMENTED_TASK = {
    "id": 1,
    "data": {"text": "Ana Silva said it."},
    "annotations": [
        {
            "id": 1001,
            "result": [
                {
                    "id": "a1",
                    "from_name": "label",
                    "to_name": "text",
                    "type": "labels",
                    "value": {"start": 0, "end": 9, "text": "Ana Silva", "labels": ["speaker"]},
                },
                {
                    "id": "a2",
                    "from_name": "label",
                    "to_name": "text",
                    "type": "labels",
                    "value": {"start": 15, "end": 17, "text": "it", "labels": ["claim"]},
                },
                {
                    "from_id": "a2",
                    "to_id": "a1",
                    "type": "relation",
                    "direction": "right",
                    "labels": ["attributed_to"],
                },
            ],
            "was_cancelled": False,
            "ground_truth": False,
            "created_at": "2021-03-09T22:16:08.728353Z",
            "updated_at": "2021-03-09T22:16:08.728378Z",
            "lead_time": 4.288,
        }
    ],
}

EMOJI = (
    DocSpec(
        "e",
        "😀👍🏽 𠮷野家 said Zoe\u0301 won 🎉 today.",
        (("𠮷野家", 0, "speaker"), ("Zoe\u0301 won", 0, "claim"), ("today", 0, "event")),
        ((1, 0),),
    ),
)


def shape(value: object) -> object:
    """Keys and value types, recursively (lists by their first item)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def test_label_studio_task_has_the_documented_fields(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p",
        (
            DocSpec(
                "d",
                "Ana Silva said it.",
                (("Ana Silva", 0, "speaker"), ("it", 0, "claim")),
                ((1, 0),),
            ),
        ),
    )
    out = tmp_path / "tasks.json"
    assert main(["export", str(root), "--format", "label-studio", "--out", str(out)]) == 0
    (task,) = json.loads(out.read_text())
    documented = DOCUMENTED_TASK
    assert set(documented) <= set(task)
    assert task["data"]["text"] == documented["data"]["text"]  # type: ignore[index]
    (annotation,) = task["annotations"]
    (reference,) = documented["annotations"]  # type: ignore[misc]
    for key, value in reference.items():
        assert key in annotation, key
        if key != "result":
            assert type(annotation[key]) in (type(value), float, int), key
    regions = [item for item in annotation["result"] if item["type"] == "labels"]
    relations = [item for item in annotation["result"] if item["type"] == "relation"]
    documented_regions = [item for item in reference["result"] if item["type"] == "labels"]
    documented_relation = next(i for i in reference["result"] if i["type"] == "relation")
    for region, expected in zip(regions, documented_regions, strict=True):
        assert set(expected) <= set(region)
        assert shape(region["value"]) == shape(expected["value"])
        assert region["from_name"] == "label" and region["to_name"] == "text"
        assert {k: region["value"][k] for k in ("start", "end", "text", "labels")} == expected[
            "value"
        ]
    (relation,) = relations
    assert shape(relation) == shape(documented_relation)
    ids = {region["id"]: region["value"]["labels"][0] for region in regions}
    assert ids[relation["from_id"]] == "claim" and ids[relation["to_id"]] == "speaker"
    config = ElementTree.parse(tmp_path / "tasks.label_config.xml").getroot()
    labels = config.find("Labels")
    assert labels is not None and labels.get("name") == "label" and labels.get("toName") == "text"
    assert [label.get("value") for label in labels] == Project(root).config.label_names
    text = config.find("Text")
    assert text is not None and text.get("name") == "text" and text.get("value") == "$text"
    assert [r.get("value") for r in config.iter("Relation")] == ["attributed_to"]


def test_documented_task_imports(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", ())
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([DOCUMENTED_TASK]))
    assert (
        main(["import", str(root), "--format", "label-studio", "--annotator", "ann", str(path)])
        == 0
    )
    record = records_of(root, "ann")["ls-task-1"]
    assert span_set(record) == {(0, 9, "speaker"), (15, 17, "claim")}
    assert record.seconds_spent == pytest.approx(4.288)


@pytest.mark.parametrize("offsets", ["codepoints", "utf16"])
def test_label_studio_offsets_with_emoji_cjk_and_combining_marks(
    tmp_path: Path, offsets: str
) -> None:
    root = make_project(tmp_path / "p", EMOJI)
    out = tmp_path / "tasks.json"
    assert (
        main(
            [
                "export",
                str(root),
                "--format",
                "label-studio",
                "--offsets",
                offsets,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    (task,) = json.loads(out.read_text())
    text = task["data"]["text"]
    units = text.encode("utf-16-le")
    for region in task["annotations"][0]["result"]:
        if region["type"] != "labels":
            continue
        value = region["value"]
        if offsets == "codepoints":
            assert text[value["start"] : value["end"]] == value["text"]
        else:  # a JavaScript string slice
            covered = units[2 * value["start"] : 2 * value["end"]].decode("utf-16-le")
            assert covered == value["text"]
    # both read back to the same spans (UTF-16 recognised from value.text)
    target = tmp_path / "t"
    main(["init", str(target)])
    assert (
        main(["import", str(target), "--format", "label-studio", "--annotator", "x", str(out)]) == 0
    )
    assert span_set(records_of(target, "x")["e"]) == span_set(records_of(root, "alice")["e"])


def test_several_annotators_map_to_one_record_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", EMOJI, annotators=("alice", "bob"))
    out = tmp_path / "tasks.json"
    assert main(["export", str(root), "--format", "label-studio", "--out", str(out)]) == 0
    (task,) = json.loads(out.read_text())
    assert [a["created_username"] for a in task["annotations"]] == ["alice", "bob"]
    target = tmp_path / "t"
    main(["init", str(target)])
    assert (
        main(["import", str(target), "--format", "label-studio", "--annotator", "zed", str(out)])
        == 1
    )
    assert "several annotators (alice, bob)" in capsys.readouterr().err
    assert (
        main(["import", str(target), "--format", "label-studio", "--annotator", "bob", str(out)])
        == 0
    )
    assert Project(target).annotators() == ["bob"]
    assert (
        main(
            [
                "import",
                str(target),
                "--format",
                "label-studio",
                "--annotator-map",
                "alice=a1,bob=b1",
                str(out),
            ]
        )
        == 0
    )
    assert Project(target).annotators() == ["a1", "b1", "bob"]


def test_brat_output_parses_with_pybrat(tmp_path: Path) -> None:
    from pybrat.parser import BratParser

    from .helpers import DOCS

    root = make_project(tmp_path / "p")
    out = tmp_path / "brat"
    assert main(["export", str(root), "--format", "brat", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "annotation.conf" in names
    assert all(not name.startswith(".") and "/" not in name for name in names)
    assert len([n for n in names if n.endswith(".ann")]) == len(DOCS)  # "A" and "a" both kept
    ids = dict(line.split("\t") for line in (out / "doc-ids.tsv").read_text().splitlines())
    examples = BratParser(error="raise").parse(out)
    records = records_of(root, "alice")
    project = Project(root)
    assert len(examples) == len(DOCS)
    for example in examples:
        stem = Path(example.id).name if example.id else None
        doc_id = ids.get(stem) if stem else None
        assert doc_id is not None
        text = project.corpus.get(doc_id).text
        assert example.text == text
        record = records[doc_id]
        got = set()
        for entity in example.entities:
            first, last = entity.spans[0].start, entity.spans[-1].end
            assert " ".join(text[s.start : s.end] for s in entity.spans) == entity.mention
            got.add((first, last, entity.type))
        assert got == span_set(record), doc_id
        assert len(example.relations) == len(record.relations)
        for relation in example.relations:
            assert relation.type == "attributed_to"
            assert relation.arg1.type == "claim" and relation.arg2.type == "speaker"


def test_brat_file_names_are_safe(tmp_path: Path) -> None:
    from annotator.formats.common import safe_file_name

    used: set[str] = set()
    names = [
        safe_file_name(doc_id, used)
        for doc_id in [
            "../../etc/passwd",
            "CON",
            "con.txt",
            "a/b",
            "a_b",
            "A",
            "a",
            ".hidden",
            "..",
            "",
            "x" * 300,
        ]
    ]
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert name and "/" not in name and not name.startswith(".") and len(name) <= 100
        assert name.split(".")[0].lower() not in {"con", "prn", "aux", "nul"}
    assert names[4] == "a_b" and names[5] == "A"
