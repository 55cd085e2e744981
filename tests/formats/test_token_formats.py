"""CoNLL and HF token files read back by independent readers give the expected tags."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from seqeval.metrics.sequence_labeling import get_entities

from annotator.cli import main
from annotator.model.tokenize import TokenIndex
from annotator.store.project import Project

from .helpers import DocSpec, make_project, records_of, span_set, token_aligned

FLAT = (
    DocSpec(
        "flat",
        "Minister Ana Silva said:\nthe summit will go ahead 😀 in 東京.",
        (
            ("Ana Silva", 0, "speaker"),
            ("the summit will go ahead", 0, "claim"),
            ("東京", 0, "entity"),
        ),
        ((1, 0),),
    ),
    DocSpec("empty", ""),
    DocSpec("one", "Lee spoke.", (("Lee", 0, "speaker"),)),
)


def expected_entities(root: Path) -> list[tuple[str, int, int]]:
    """(label, first token, last token) over all documents' tokens concatenated."""
    project = Project(root)
    records = records_of(root, "alice")
    found = []
    offset = 0
    for doc_id in project.corpus.ids():
        text = project.corpus.get(doc_id).text
        index = TokenIndex.of(text, project.config.tokenizer)
        for start, end, label in sorted(token_aligned(root, span_set(records[doc_id]), text)):
            first, last = index.covering(start, end)
            found.append((label, offset + first, offset + last - 1))
        offset += len(index)
    return sorted(found)


def read_conll(path: Path, columns: int = 1) -> tuple[list[str], list[list[str]], int]:
    """Tokens and tag columns as CoNLL-2003 readers take them (whitespace-separated columns,
    lines starting with -DOCSTART- skipped), and the number of -DOCSTART- lines."""
    tokens: list[str] = []
    tags: list[list[str]] = [[] for _ in range(columns)]
    starts = 0
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("-DOCSTART-"):
            assert line == "-DOCSTART- -X- O O"
            starts += 1
            continue
        if not line:
            continue
        fields = line.split()
        assert len(fields) == 1 + columns
        tokens.append(fields[0])
        for i in range(columns):
            tags[i].append(fields[1 + i])
    return tokens, tags, starts


def test_conll_iob2_reads_back_with_the_same_entities(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", FLAT)
    out = tmp_path / "out.conll"
    assert main(["export", str(root), "--format", "conll", "--out", str(out)]) == 0
    tokens, (tags,), starts = read_conll(out)
    assert starts == len(FLAT)
    assert "😀" in tokens and "東" in tokens and "京" in tokens  # an ideograph is a token
    assert sorted(get_entities(tags)) == expected_entities(root)


def decode_bilou(tags: list[str]) -> list[tuple[str, int, int]]:
    found, start = [], None
    for position, tag in enumerate(tags):
        prefix, _, label = tag.partition("-")
        if prefix == "U":
            found.append((label, position, position))
        elif prefix == "B":
            start = position
        elif prefix == "L":
            assert start is not None
            found.append((label, start, position))
            start = None
        elif prefix == "I":
            assert start is not None
    return sorted(found)


def test_conll_bilou(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", FLAT)
    out = tmp_path / "out.conll"
    assert (
        main(["export", str(root), "--format", "conll", "--scheme", "bilou", "--out", str(out)])
        == 0
    )
    _, (tags,), _ = read_conll(out)
    assert "U-speaker" in tags and "L-claim" in tags
    assert decode_bilou(tags) == expected_entities(root)


NESTED = (
    DocSpec(
        "nested",
        "Officials said the Lisbon summit would go ahead.",
        (
            ("the Lisbon summit would go ahead", 0, "claim"),
            ("Lisbon summit", 0, "event"),
            ("Lisbon", 0, "entity"),
        ),
    ),
)


def test_conll_outermost_drops_are_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", NESTED)
    out = tmp_path / "out.conll"
    assert main(["export", str(root), "--format", "conll", "--out", str(out)]) == 0
    _, (tags,), _ = read_conll(out)
    assert [label for label, *_ in get_entities(tags)] == ["claim"]
    err = capsys.readouterr().err
    assert "1 event span(s) inside or across a longer span" in err
    assert "1 entity span(s) inside or across a longer span" in err


def test_conll_one_column_per_label_keeps_overlaps(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", NESTED)
    out = tmp_path / "out.conll"
    assert (
        main(["export", str(root), "--format", "conll", "--overlap", "columns", "--out", str(out)])
        == 0
    )
    labels = Project(root).config.label_names
    _, columns, _ = read_conll(out, columns=len(labels))
    found = {label: get_entities(column) for label, column in zip(labels, columns, strict=True)}
    assert [e[0] for e in found["claim"]] == ["claim"]
    assert [e[0] for e in found["event"]] == ["event"]
    assert [e[0] for e in found["entity"]] == ["entity"]
    assert found["speaker"] == []


def test_hf_tags_are_the_tag_names(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", FLAT)
    out = tmp_path / "hf" / "train.jsonl"
    assert main(["export", str(root), "--format", "hf", "--out", str(out)]) == 0
    lines = [orjson.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["flat", "empty", "one"]
    tags: list[str] = []
    for line in lines:
        assert set(line) == {"id", "tokens", "ner_tags"}
        assert len(line["tokens"]) == len(line["ner_tags"])
        assert all(isinstance(tag, str) for tag in line["ner_tags"])
        tags.extend(line["ner_tags"])
    assert sorted(get_entities(tags)) == expected_entities(root)
    assert sorted(path.name for path in (tmp_path / "hf").iterdir()) == ["train.jsonl"]


def test_hf_tag_ids_are_integers_named_by_the_labels_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", FLAT)
    out = tmp_path / "hf" / "train.jsonl"
    assert main(["export", str(root), "--format", "hf", "--tag-ids", "--out", str(out)]) == 0
    names = json.loads((tmp_path / "hf" / "train.labels.json").read_text())
    assert names[0] == "O"
    tags: list[str] = []
    for line in (orjson.loads(line) for line in out.read_text().splitlines()):
        assert all(isinstance(number, int) for number in line["ner_tags"])
        tags.extend(names[number] for number in line["ner_tags"])
    assert sorted(get_entities(tags)) == expected_entities(root)


def test_split_is_deterministic_and_covers_every_document(tmp_path: Path) -> None:
    specs = tuple(
        DocSpec(f"doc-{n}", f"Lee said {n}.", (("Lee", 0, "speaker"),)) for n in range(40)
    )
    root = make_project(tmp_path / "p", specs)
    seen: dict[str, list[str]] = {}
    for attempt in ("a", "b"):
        out = tmp_path / attempt / "data.jsonl"
        assert (
            main(
                [
                    "export",
                    str(root),
                    "--format",
                    "hf",
                    "--out",
                    str(out),
                    "--split",
                    "train=0.8,dev=0.1,test=0.1",
                    "--seed",
                    "7",
                ]
            )
            == 0
        )
        for split in ("train", "dev", "test"):
            path = tmp_path / attempt / f"data.{split}.jsonl"
            ids = [orjson.loads(x)["id"] for x in path.read_text().splitlines()]
            seen.setdefault(split, []).append(",".join(ids))
    assert all(a == b for a, b in seen.values())
    everything = [i for value in seen.values() for i in value[0].split(",") if i]
    assert sorted(everything) == sorted(spec.doc_id for spec in specs)
    assert len(seen["train"][0].split(",")) > len(seen["test"][0].split(","))
    other = tmp_path / "c" / "data.jsonl"
    assert (
        main(
            [
                "export",
                str(root),
                "--format",
                "hf",
                "--out",
                str(other),
                "--split",
                "train=0.8,dev=0.1,test=0.1",
                "--seed",
                "8",
            ]
        )
        == 0
    )
    assert (tmp_path / "c" / "data.train.jsonl").read_text() != (
        tmp_path / "a" / "data.train.jsonl"
    ).read_text()


@pytest.mark.parametrize("value", ["train=0.8,dev=0.1", "train=0.5,train=0.5", "train", "a/b=1"])
def test_bad_split_is_refused(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", FLAT)
    assert (
        main(
            ["export", str(root), "--format", "hf", "--out", str(tmp_path / "x"), "--split", value]
        )
        == 1
    )
    assert "--split" in capsys.readouterr().err
