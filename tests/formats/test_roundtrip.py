"""Export then import gives the same spans, labels and links, for every format that carries
them: on generated documents (nested spans, emoji, CJK, combining marks, CRLF, empty) and on
the sample corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.store.project import Project

from .helpers import link_set, make_project, records_of, span_set, token_aligned

SAMPLE = Path(__file__).resolve().parents[2] / "sample_corpus"

ROUND_TRIP = ("jsonl", "doccano", "label-studio", "brat", "prodigy")


def output_for(tmp_path: Path, name: str) -> Path:
    return tmp_path / ("brat-out" if name == "brat" else f"out.{name}")


def export_import(tmp_path: Path, source: Path, name: str, annotator: str) -> Path:
    out = output_for(tmp_path, name)
    assert (
        main(["export", str(source), "--format", name, "--out", str(out), "--annotator", annotator])
        == 0
    )
    target = tmp_path / "target"
    assert main(["init", str(target)]) == 0
    if (source / "annotator.toml").exists():
        shutil.copy(source / "annotator.toml", target / "annotator.toml")
    else:
        (target / "annotator.toml").unlink()
    assert main(["import", str(target), "--format", name, "--annotator", "back", str(out)]) == 0
    return target


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_generated_documents_survive_a_round_trip(tmp_path: Path, name: str) -> None:
    source = make_project(tmp_path / "source")
    target = export_import(tmp_path, source, name, "alice")
    before = records_of(source, "alice")
    after = records_of(target, "back")
    assert set(after) == set(before)
    source_project, target_project = Project(source), Project(target)
    for doc_id, record in before.items():
        text = source_project.corpus.get(doc_id).text
        assert target_project.corpus.get(doc_id).text == text
        expected = span_set(record)
        if name == "prodigy":  # token-based: spans are on token boundaries already here
            expected = token_aligned(source, expected, text)
        assert span_set(after[doc_id]) == expected, doc_id
        assert link_set(after[doc_id]) == link_set(record), doc_id
        for span in after[doc_id].spans:
            assert text[span.start : span.end] == span.text


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_sample_corpus_survives_a_round_trip(tmp_path: Path, name: str) -> None:
    source = tmp_path / "sample"
    shutil.copytree(SAMPLE, source)
    annotator = Project(source).annotators()[0]
    target = export_import(tmp_path, source, name, annotator)
    before = records_of(source, annotator)
    after = records_of(target, "back")
    assert before and set(after) == set(before)
    for doc_id, record in before.items():
        expected = span_set(record)
        if name == "prodigy":
            text = Project(source).corpus.get(doc_id).text
            expected = token_aligned(source, expected, text)
        assert span_set(after[doc_id]) == expected
        assert link_set(after[doc_id]) == link_set(record)


def test_import_into_the_same_project_adds_no_documents(tmp_path: Path) -> None:
    source = make_project(tmp_path / "source")
    out = tmp_path / "out.json"
    assert main(["export", str(source), "--format", "label-studio", "--out", str(out)]) == 0
    before = sorted(p.name for p in (source / "documents").iterdir())
    assert (
        main(["import", str(source), "--format", "label-studio", "--annotator", "bob", str(out)])
        == 0
    )
    assert sorted(p.name for p in (source / "documents").iterdir()) == before
    assert {d: span_set(r) for d, r in records_of(source, "bob").items()} == {
        d: span_set(r) for d, r in records_of(source, "alice").items()
    }


def test_new_documents_go_to_a_new_file_each_time(tmp_path: Path) -> None:
    source = make_project(tmp_path / "source")
    out = tmp_path / "out.jsonl"
    assert main(["export", str(source), "--format", "doccano", "--out", str(out)]) == 0
    target = tmp_path / "target"
    main(["init", str(target)])
    assert main(["import", str(target), "--format", "doccano", "--annotator", "a", str(out)]) == 0
    first = (target / "documents" / "imported-doccano-1.jsonl").read_bytes()
    # a second import of the same documents for another annotator adds no document file
    assert main(["import", str(target), "--format", "doccano", "--annotator", "b", str(out)]) == 0
    assert not (target / "documents" / "imported-doccano-2.jsonl").exists()
    assert (target / "documents" / "imported-doccano-1.jsonl").read_bytes() == first
