"""The ``hf`` export loads in a stock token-classification script as it is (QA B1), and its
labels file (``--tag-ids``) never changes the meaning of another export's integers (QA B3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from seqeval.metrics import f1_score
from seqeval.metrics.sequence_labeling import get_entities

from annotator.cli import main

from .helpers import DocSpec, make_project

DOCS = (
    DocSpec(
        "one",
        "Minister Ana Silva said the summit will go ahead.",
        (("Ana Silva", 0, "speaker"), ("the summit will go ahead", 0, "claim")),
        ((1, 0),),
    ),
    DocSpec("two", "Lee met Bo in Lisbon.", (("Lee", 0, "speaker"), ("Lisbon", 0, "entity"))),
    DocSpec("three", "Nothing here."),
)


def rows(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_ner_label_setup(tag_rows: list[list[Any]]) -> tuple[list[Any], list[int]]:
    """What HF transformers' run_ner.py does with a ``ner_tags`` column that is not a
    ClassLabel: the label list is the sorted set of the tags seen, and each ``B-X`` is mapped
    to its ``I-X`` (``label.startswith("B-")`` on every entry)."""
    label_list = sorted({tag for row in tag_rows for tag in row})
    b_to_i = []
    for number, label in enumerate(label_list):
        inside = label.replace("B-", "I-")
        if label.startswith("B-") and inside in label_list:
            b_to_i.append(label_list.index(inside))
        else:
            b_to_i.append(number)
    return label_list, b_to_i


def test_a_stock_token_classification_script_reads_the_tags(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", DOCS)
    out = tmp_path / "data.jsonl"
    assert main(["export", str(root), "--format", "hf", "--out", str(out)]) == 0
    tag_rows = [row["ner_tags"] for row in rows(out)]
    label_list, b_to_i = run_ner_label_setup(tag_rows)
    assert label_list == ["B-claim", "B-entity", "B-speaker", "I-claim", "I-speaker", "O"]
    assert [label_list[i] for i in b_to_i] == [
        "I-claim",
        "B-entity",  # no I-entity seen: maps to itself, as run_ner does
        "I-speaker",
        "I-claim",
        "I-speaker",
        "O",
    ]
    # compute_metrics hands the names to seqeval
    assert f1_score(tag_rows, tag_rows) == 1.0
    entities = [get_entities(row) for row in tag_rows]
    assert entities == [
        [("speaker", 1, 2), ("claim", 4, 8)],
        [("speaker", 0, 0), ("entity", 4, 4)],
        [],
    ]


def split_args(root: Path, out: Path, *extra: str) -> list[str]:
    return ["export", str(root), "--format", "hf", "--out", str(out), *extra]


def test_one_labels_file_named_after_the_output_serves_every_split(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", DOCS)
    out = tmp_path / "corpus.jsonl"
    assert main(split_args(root, out, "--tag-ids", "--split", "train=0.5,dev=0.5")) == 0
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == [
        "corpus.dev.jsonl",
        "corpus.labels.json",
        "corpus.train.jsonl",
    ]
    names = json.loads((tmp_path / "corpus.labels.json").read_text(encoding="utf-8"))
    decoded = {
        row["id"]: [names[number] for number in row["ner_tags"]]
        for part in ("train", "dev")
        for row in rows(tmp_path / f"corpus.{part}.jsonl")
    }
    assert decoded["two"] == ["B-speaker", "O", "O", "O", "B-entity", "O"]


def test_a_second_export_in_the_folder_leaves_the_first_ones_labels_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", DOCS)
    first, second = tmp_path / "iob.jsonl", tmp_path / "bilou_speaker.jsonl"
    assert main(split_args(root, first, "--tag-ids")) == 0
    before = (tmp_path / "iob.labels.json").read_bytes()
    assert (
        main(split_args(root, second, "--tag-ids", "--scheme", "bilou", "--labels", "speaker")) == 0
    )
    assert (tmp_path / "iob.labels.json").read_bytes() == before
    assert json.loads((tmp_path / "bilou_speaker.labels.json").read_text()) == [
        "O",
        "B-speaker",
        "I-speaker",
        "L-speaker",
        "U-speaker",
    ]
    names = json.loads(before)
    first_row = rows(first)[0]
    assert [names[n] for n in first_row["ner_tags"]][:3] == ["O", "B-speaker", "I-speaker"]


def test_a_labels_file_that_would_change_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", DOCS)
    out = tmp_path / "corpus.jsonl"
    assert main(split_args(root, out, "--tag-ids", "--split", "train=0.5,dev=0.5")) == 0
    labels = tmp_path / "corpus.labels.json"
    before = labels.read_bytes()
    capsys.readouterr()
    # the same stem without --split: other outputs, but the same labels file with other names
    assert main(split_args(root, out, "--tag-ids", "--labels", "speaker")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "corpus.labels.json" in err and "--force" in err
    assert labels.read_bytes() == before
    assert not out.exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]
    # the same names: nothing would change, so it is no reason to refuse
    assert main(split_args(root, out, "--tag-ids")) == 0
    assert labels.read_bytes() == before
    assert main(split_args(root, out, "--tag-ids", "--labels", "speaker", "--force")) == 0
    assert json.loads(labels.read_text())[1:] == ["B-speaker", "I-speaker"]


def test_tag_names_write_no_labels_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", DOCS)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "corpus.labels.json").write_text('["O"]\n', encoding="utf-8")
    assert main(split_args(root, tmp_path / "out" / "corpus.jsonl")) == 0
    assert (tmp_path / "out" / "corpus.labels.json").read_text() == '["O"]\n'


LINES = DocSpec(
    "lines",
    "Ana Silva said:\nthe summit will go ahead.\nBo said\nit will not.\n\nLee agreed.",
    (("Ana Silva", 0, "speaker"), ("Bo said\nit will not", 0, "claim"), ("Lee", 0, "speaker")),
)


def test_paragraph_rows_cut_documents_at_line_breaks_no_span_crosses(tmp_path: Path) -> None:
    """QA B15: a row per paragraph is short enough for a model's 512 sub-word pieces."""
    root = make_project(tmp_path / "p", (LINES, DOCS[2]))
    whole, parts = tmp_path / "whole.jsonl", tmp_path / "parts.jsonl"
    assert main(split_args(root, whole)) == 0
    assert main(split_args(root, parts, "--rows", "paragraph")) == 0
    got = rows(parts)
    assert [row["id"] for row in got] == ["lines#1", "lines#2", "lines#3", "lines#4", "three#1"]
    assert [" ".join(row["tokens"]) for row in got[:4]] == [
        "Ana Silva said :",
        "the summit will go ahead .",
        "Bo said it will not .",  # the claim crosses this line break: one row
        "Lee agreed .",
    ]
    (document, three) = rows(whole)
    assert [tag for row in got[:4] for tag in row["ner_tags"]] == document["ner_tags"]
    assert got[2]["ner_tags"] == ["B-claim", "I-claim", "I-claim", "I-claim", "I-claim", "O"]
    assert got[4]["tokens"] == three["tokens"]


def test_rows_too_long_for_a_model_are_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paragraph = " ".join(["word"] * 200) + "."
    long_doc = DocSpec("long", paragraph + "\n" + paragraph, (("word", 0, "entity"),))
    root = make_project(tmp_path / "p", (long_doc, DOCS[1]))
    capsys.readouterr()
    assert main(split_args(root, tmp_path / "a.jsonl")) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[1].startswith("warning: 1 row(s) longer than 256 tokens: a model reading 512")
    assert lines[1].endswith("(e.g. in 'long')")
    assert main(split_args(root, tmp_path / "b.jsonl", "--rows", "paragraph")) == 0
    err = capsys.readouterr().err
    assert "warning" not in err
    assert "rows: 3 (one per paragraph" in err
