"""Prodigy import of what ``prodigy db-out`` writes for a dataset annotated by several people
(one line per answer, the same ``_input_hash``, ``_annotator_id`` / ``_session_id`` saying who),
and of lines without hashes (identical texts are one document) (QA finding F32)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.cli import main
from annotator.model.records import Status
from annotator.store.project import Project

from .helpers import make_project, records_of

TEXT = "Ana Silva said the summit would go ahead."
OTHER = "Rui Costa called it a mistake."
SPEAKER = {"start": 0, "end": 9, "label": "speaker"}
EVENT = {"start": 19, "end": 25, "label": "event"}


def _line(text: str, spans: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"text": text, "spans": spans, "answer": "accept", **extra}


def _write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def _db_out(path: Path, *, key: str = "_annotator_id") -> Path:
    """Two people's answers to one input, as ``prodigy db-out`` writes them."""
    return _write(
        path,
        [
            _line(TEXT, [SPEAKER], _input_hash=111, _task_hash=1, **{key: "news-alice"}),
            _line(TEXT, [SPEAKER, EVENT], _input_hash=111, _task_hash=2, **{key: "news-bob"}),
            _line(OTHER, [SPEAKER], _input_hash=222, _task_hash=3, **{key: "news-bob"}),
        ],
    )


@pytest.fixture
def target(tmp_path: Path) -> Path:
    root = tmp_path / "target"
    assert main(["init", str(root)]) == 0
    return root


def _import(target: Path, source: Path, *options: str) -> int:
    return main(["import", str(target), "--format", "prodigy", *options, str(source)])


def _spans(root: Path, annotator: str) -> dict[str, set[tuple[int, int, str]]]:
    return {
        doc_id: {(span.start, span.end, span.label) for span in record.spans}
        for doc_id, record in records_of(root, annotator).items()
    }


@pytest.mark.parametrize("key", ["_annotator_id", "_session_id"])
def test_annotator_map_imports_each_annotator_as_a_record_of_one_document(
    tmp_path: Path, target: Path, key: str
) -> None:
    source = _db_out(tmp_path / "db-out.jsonl", key=key)
    assert _import(target, source, "--annotator-map", "news-alice=alice,news-bob=bob") == 0
    assert len(Project(target).corpus) == 2  # the same input hash is one document
    assert _spans(target, "alice") == {"prodigy-111": {(0, 9, "speaker")}}
    assert _spans(target, "bob") == {
        "prodigy-111": {(0, 9, "speaker"), (19, 25, "event")},
        "prodigy-222": {(0, 9, "speaker")},
    }


def test_annotator_picks_one_of_several(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _db_out(tmp_path / "db-out.jsonl")
    assert _import(target, source, "--annotator", "news-bob") == 0
    assert set(_spans(target, "news-bob")) == {"prodigy-111", "prodigy-222"}
    assert Project(target).annotators() == ["news-bob"]
    assert "annotations by 'news-alice' were not imported" in capsys.readouterr().err


@pytest.mark.parametrize("options", [[], ["--annotator", "pz"]])
def test_several_annotators_without_a_choice_are_listed(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str], options: list[str]
) -> None:
    source = _db_out(tmp_path / "db-out.jsonl")
    assert _import(target, source, *options) != 0
    err = capsys.readouterr().err
    assert "several annotators (news-alice, news-bob)" in err and "--annotator-map" in err
    assert not Project(target).annotators() and not Project(target).corpus


def test_the_only_annotator_is_named_by_annotator(tmp_path: Path, target: Path) -> None:
    source = _write(
        tmp_path / "one.jsonl",
        [_line(TEXT, [SPEAKER], _input_hash=1, _session_id="news-carol")],
    )
    assert _import(target, source, "--annotator", "carol") == 0
    assert _spans(target, "carol") == {"prodigy-1": {(0, 9, "speaker")}}


def test_identical_texts_without_hashes_are_one_document(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        _line(TEXT, [SPEAKER]),
        _line(OTHER, []),
        _line(TEXT, [EVENT]),
    ]
    source = _write(tmp_path / "plain.jsonl", lines)
    # one person's two different answers to the same text: refused, both lines named
    assert _import(target, source, "--annotator", "pz") != 0
    err = capsys.readouterr().err
    assert f"{source}:3: two annotations of 'prodigy-" in err and f"first at {source}:1" in err
    assert not Project(target).corpus
    # two people's answers to the same text: one document, one record each
    lines[0]["_session_id"], lines[2]["_session_id"] = "s-ana", "s-bo"
    lines[1]["_session_id"] = "s-ana"
    _write(source, lines)
    assert _import(target, source, "--annotator-map", "s-ana=ana,s-bo=bo") == 0
    assert len(Project(target).corpus) == 2
    ana, bo = _spans(target, "ana"), _spans(target, "bo")
    assert set(bo) < set(ana) and len(ana) == 2
    (shared,) = bo
    assert ana[shared] == {(0, 9, "speaker")} and bo[shared] == {(19, 25, "event")}


def test_meta_id_is_the_document_id(tmp_path: Path, target: Path) -> None:
    source = _write(
        tmp_path / "ids.jsonl",
        [
            _line(TEXT, [SPEAKER], meta={"id": "pd-1", "source": "wire"}),
            _line(OTHER, [], meta={"id": 2}),
        ],
    )
    assert _import(target, source, "--annotator", "pz") == 0
    assert set(_spans(target, "pz")) == {"pd-1", "2"}
    assert Project(target).corpus.get("pd-1").meta == {"id": "pd-1", "source": "wire"}


def test_export_then_import_keeps_ids_status_and_the_flag_note(tmp_path: Path) -> None:
    source = make_project(tmp_path / "source")
    project = Project(source)
    with project.annotations("alice", writable=True) as annotation_file:
        record = annotation_file.get("wire/001")
        assert record is not None
        annotation_file.save(
            record.model_copy(update={"status": Status.flagged, "note": "check the quote"})
        )
    out = tmp_path / "out.jsonl"
    assert main(["export", str(source), "--format", "prodigy", "--out", str(out)]) == 0
    exported = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    flagged = next(line for line in exported if line["meta"]["doc_id"] == "wire/001")
    assert flagged["answer"] == "reject" and flagged["meta"]["note"] == "check the quote"
    target = tmp_path / "target"
    assert main(["init", str(target)]) == 0
    (target / "annotator.toml").write_bytes((source / "annotator.toml").read_bytes())
    assert _import(target, out, "--annotator", "back") == 0
    before, after = records_of(source, "alice"), records_of(target, "back")
    assert set(after) == set(before)
    assert {doc_id: (r.status, r.note) for doc_id, r in after.items()} == {
        doc_id: (r.status if r.status != Status.in_progress else Status.done, r.note)
        for doc_id, r in before.items()
    }
    assert "note" not in Project(target).corpus.get("wire/001").meta
