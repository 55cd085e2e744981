"""The bundled sample project: it validates, and it carries the edge cases the program must handle.

New users meet the program through ``sample_corpus/``, and other tests lean on it for awkward text
(CRLF, CJK, right-to-left script, emoji, markup-like brackets) and for a realistic three-way
annotation overlap. These tests fail if an edit to the sample silently drops one of those.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.model.records import AnnotationRecord, Document, Status
from annotator.store.project import Project

ANNOTATORS = ("alice", "bob", "carol")


@pytest.fixture
def project(sample_project: Path) -> Project:
    return Project(sample_project)


@pytest.fixture
def documents(project: Project) -> dict[str, Document]:
    loaded = {document.id: document for document in project.corpus}
    assert project.corpus.problems == []
    return loaded


@pytest.fixture
def records(project: Project) -> dict[str, dict[str, AnnotationRecord]]:
    """Current record per annotator and document."""
    found: dict[str, dict[str, AnnotationRecord]] = {}
    for name in ANNOTATORS:
        annotations = project.annotations(name)
        assert annotations.problems == [] and annotations.warnings == []
        found[name] = {record.doc_id: record for _line, record in annotations.iter_records()}
    return found


def _has(text: str, predicate: Callable[[str], bool]) -> bool:
    return any(predicate(char) for char in text)


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3040" <= char <= "\u30ff"


def _is_rtl(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("R", "AL")


def _is_emoji(char: str) -> bool:
    return ord(char) >= 0x1F300


def test_sample_validates_through_the_cli(
    sample_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(sample_project)]) == 0
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "no problems" in output
    assert "3 annotation file(s)" in output


def test_sample_has_enough_documents_in_both_storage_forms(
    project: Project, documents: dict[str, Document]
) -> None:
    assert len(documents) >= 12
    sources = {entry.path.suffix for entry in project.corpus.entries}
    assert sources == {".txt", ".jsonl"}
    titled = [document for document in documents.values() if document.title]
    assert len(titled) >= 6
    assert "world/summit-geneva" in documents  # .txt id is the relative path without extension


def test_crlf_file_is_crlf_on_disk_but_not_in_the_loaded_text(
    project: Project, documents: dict[str, Document]
) -> None:
    crlf = [
        entry
        for entry in project.corpus.entries
        if entry.path.suffix == ".txt" and b"\r\n" in entry.path.read_bytes()
    ]
    assert crlf, "no .txt document with CRLF line endings"
    for entry in crlf:
        raw = entry.path.read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n")  # every line ending, not just one
        text = documents[entry.id].text
        assert "\r" not in text
        assert text.count("\n") == raw.count(b"\r\n")


def test_long_article_is_over_30_kb(project: Project, documents: dict[str, Document]) -> None:
    long_ids = [doc_id for doc_id, document in documents.items() if len(document.text) > 30_000]
    assert long_ids
    entry = project.corpus.entry(long_ids[0])
    assert entry.path.stat().st_size > 30 * 1024


def test_awkward_scripts_and_markup_are_present_and_annotated(
    documents: dict[str, Document], records: dict[str, dict[str, AnnotationRecord]]
) -> None:
    corpus_text = "\n".join(document.text for document in documents.values())
    assert _has(corpus_text, _is_cjk)
    assert _has(corpus_text, _is_rtl)
    assert _has(corpus_text, _is_emoji)
    for markup in ("[citation needed]", "[bold]", "[@click=app.quit]here[/]"):
        assert markup in corpus_text
    assert "“" in corpus_text and '"' in corpus_text

    # Offsets past astral and wide characters are where code point / UTF-16 / cell counts
    # diverge, so the sample must have spans that contain them.
    span_texts = [
        span.text
        for by_document in records.values()
        for record in by_document.values()
        for span in record.spans
    ]
    assert any(_has(text, _is_cjk) for text in span_texts)
    assert any(_has(text, _is_rtl) for text in span_texts)
    assert any(_has(text, _is_emoji) for text in span_texts)
    assert any("[@click=" in text for text in span_texts)


def test_annotators_overlap_and_disagree(
    records: dict[str, dict[str, AnnotationRecord]],
) -> None:
    shared = set.intersection(*(set(by_document) for by_document in records.values()))
    assert len(shared) >= 4

    def spans_of(name: str, doc_id: str) -> set[tuple[int, int, str]]:
        return {(span.start, span.end, span.label) for span in records[name][doc_id].spans}

    disagreements = [
        doc_id for doc_id in shared if len({frozenset(spans_of(n, doc_id)) for n in ANNOTATORS}) > 1
    ]
    assert disagreements
    # Mostly agreement, though: every shared document has spans all three marked identically.
    for doc_id in shared:
        assert set.intersection(*(spans_of(n, doc_id) for n in ANNOTATORS))


def test_records_carry_links_and_realistic_statuses(
    records: dict[str, dict[str, AnnotationRecord]],
) -> None:
    every = [record for by_document in records.values() for record in by_document.values()]
    statuses = [record.status for record in every]
    assert statuses.count(Status.done) > len(every) // 2
    assert Status.in_progress in statuses
    flagged = [record for record in every if record.status is Status.flagged]
    assert flagged and all(record.note for record in flagged)
    for record in every:
        assert record.seconds_spent > 0
        labels = {span.id: span.label for span in record.spans}
        assert record.relations
        for relation in record.relations:
            assert (labels[relation.head], labels[relation.tail]) == ("claim", "speaker")
