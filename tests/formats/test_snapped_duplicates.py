"""Spans that become identical once moved to token boundaries are written once by every
token-based export, their relations kept on the one written, and counted (QA B10)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import spacy
from spacy.tokens import DocBin

from annotator.cli import main

from .helpers import DocSpec, make_project, records_of

TEXT = "Ana Ribeiro said the talks were frank."
TRAILING_SPACE = DocSpec(
    "d",
    TEXT,
    (
        ("Ana Ribeiro", 0, "speaker"),
        ("Ana Ribeiro ", 0, "speaker"),  # as a doccano or Label Studio selection often ends
        ("talks were frank", 0, "claim"),
    ),
    ((2, 1),),  # the claim is linked to the copy with the space
)
CUT_TOKEN = DocSpec(
    "cut",
    "Mayor Ribeiroville spoke today.",
    (("Ribeiro", 0, "entity"), ("Ribeiroville", 0, "entity"), ("Mayor", 0, "speaker")),
)
MERGED = "1 identical span(s) after moving to token boundaries"


def export(root: Path, name: str, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["export", str(root), "--format", name, "--out", str(out)]) == 0
    return capsys.readouterr().err


def test_spacy_keeps_the_entity_and_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", (TRAILING_SPACE, CUT_TOKEN))
    err = export(root, "spacy", tmp_path / "out.spacy", capsys)
    docs = list(DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("xx").vocab))
    first, second = docs
    assert [(e.text, e.label_) for e in first.ents] == [
        ("Ana Ribeiro", "speaker"),
        ("talks were frank", "claim"),
    ]
    spans = [(s.text, s.label_) for s in first.spans["sc"]]
    assert spans == [("Ana Ribeiro", "speaker"), ("talks were frank", "claim")]
    (relation,) = first.user_data["relations"]
    assert (relation["head"], relation["tail"]) == (1, 0)
    assert [(e.text, e.label_) for e in second.ents] == [
        ("Mayor", "speaker"),
        ("Ribeiroville", "entity"),
    ]
    assert "merged:\n" in err
    assert err.count("identical span(s) after moving to token boundaries") == 1
    assert "2 identical span(s) after moving to token boundaries" in err
    assert "left out of doc.ents" not in err


def test_prodigy_export_imports_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path / "p", (TRAILING_SPACE,))
    out = tmp_path / "out.jsonl"
    err = export(root, "prodigy", out, capsys)
    assert MERGED in err
    (task,) = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [(s["start"], s["end"], s["label"]) for s in task["spans"]] == [
        (0, 11, "speaker"),
        (21, 37, "claim"),
    ]
    assert main(["import", str(root), "--format", "prodigy", "--annotator", "back", str(out)]) == 0
    record = records_of(root, "back")["d"]
    spans = {span.id: (span.start, span.end, span.label) for span in record.spans}
    assert sorted(spans.values()) == [(0, 11, "speaker"), (21, 37, "claim")]
    (relation,) = record.relations
    assert (spans[relation.head], spans[relation.tail]) == ((21, 37, "claim"), (0, 11, "speaker"))


def test_token_tags_count_a_merge_not_a_nested_span(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", (TRAILING_SPACE,))
    for name in ("conll", "hf"):
        err = export(root, name, tmp_path / f"out.{name}", capsys)
        assert MERGED in err
        assert "inside or across a longer span" not in err
        assert "spans: 2 (claim 1, speaker 1)" in err


def test_links_made_identical_are_written_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both_linked = DocSpec(
        "d", TEXT, TRAILING_SPACE.spans, ((2, 0), (2, 1))
    )  # the claim linked to each copy
    root = make_project(tmp_path / "p", (both_linked,))
    err = export(root, "spacy", tmp_path / "out.spacy", capsys)
    (doc,) = DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("xx").vocab)
    assert [(r["head"], r["tail"]) for r in doc.user_data["relations"]] == [(1, 0)]
    assert "1 identical relation(s) after their spans merged" in err
    assert "relations: 1 (attributed_to 1)" in err


def test_the_copy_on_token_boundaries_is_the_one_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whichever comes first in the record, the span that needed no move is written (its id
    and text are the annotator's own), so the summary counts no move."""
    spans = TRAILING_SPACE.spans
    reordered = DocSpec("d", TEXT, (spans[1], spans[0], spans[2]), ((2, 0),))
    root = make_project(tmp_path / "p", (reordered,))
    err = export(root, "prodigy", tmp_path / "out.jsonl", capsys)
    assert MERGED in err
    assert "moved to token boundaries (cut" not in err
