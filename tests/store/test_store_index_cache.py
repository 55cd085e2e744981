"""The index cache makes reopening fast, and never hides a change or a problem in the files."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from annotator.model.records import Status
from annotator.store import index_cache
from annotator.store.index_cache import CACHE_DIR_NAME
from annotator.store.project import Project, init_project

from .helpers import article_record, make_project


@pytest.fixture(autouse=True)
def cache_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests reopen files they just wrote; the cache normally skips files modified in the
    last two seconds (see ``RACY_SECONDS``), which tests/reliability/test_two_processes.py needs."""
    monkeypatch.setattr(index_cache, "RACY_SECONDS", 0)


def jsonl_project(tmp_path: Path, count: int = 3) -> Path:
    root = tmp_path / "p"
    init_project(root, [])
    lines = [
        orjson.dumps({"id": f"d{i}", "title": f"Title {i}", "text": f"Text number {i}."})
        for i in range(count)
    ]
    (root / "documents" / "set.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return root


def test_reopening_uses_the_index_and_gives_the_same_documents(tmp_path: Path) -> None:
    root = jsonl_project(tmp_path)
    first = Project(root)
    assert any((root / CACHE_DIR_NAME).glob("corpus-*"))
    second = Project(root)
    assert second.corpus.ids() == first.corpus.ids() == ["d0", "d1", "d2"]
    assert [entry.title for entry in second.corpus.entries] == ["Title 0", "Title 1", "Title 2"]
    assert second.corpus.text("d2") == "Text number 2."


def test_a_document_added_after_caching_is_seen(tmp_path: Path) -> None:
    root = jsonl_project(tmp_path)
    Project(root)
    with (root / "documents" / "set.jsonl").open("ab") as handle:
        handle.write(b'{"id": "d9", "text": "Late arrival."}\n')
    assert Project(root).corpus.text("d9") == "Late arrival."


def test_a_line_broken_after_caching_is_reported(tmp_path: Path) -> None:
    root = jsonl_project(tmp_path)
    Project(root)
    path = root / "documents" / "set.jsonl"
    data = path.read_bytes().replace(b'"id":"d1"', b'"id":d1')
    path.write_bytes(data)
    problems = [str(problem) for problem in Project(root).corpus.problems]
    assert len(problems) == 1 and problems[0].startswith(f"{path}:2: not valid JSON")


def test_duplicate_ids_are_still_reported_from_the_index(tmp_path: Path) -> None:
    root = jsonl_project(tmp_path)
    (root / "documents" / "more.jsonl").write_bytes(b'{"id": "d1", "text": "again"}\n')
    for _ in range(2):
        problems = [str(problem) for problem in Project(root).corpus.problems]
        assert len(problems) == 1 and "duplicate document id 'd1'" in problems[0]


def test_saved_records_are_found_after_reopening(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    project = Project(root)
    with project.annotations("alice", writable=True) as annotations:
        annotations.save(article_record())
        done = article_record().model_copy(update={"status": Status.done})
        annotations.save(done)
    assert any((root / CACHE_DIR_NAME).glob("annotations-*"))
    reopened = Project(root).annotations("alice")
    assert reopened.status("a1") is Status.done
    record = reopened.get("a1")
    assert record is not None and record.spans[1].text == "will hold through the winter"


def test_a_line_appended_by_another_program_is_seen(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    with Project(root).annotations("alice", writable=True) as annotations:
        annotations.save(article_record())
    path = root / "annotations" / "alice.jsonl"
    with path.open("ab") as handle:
        handle.write(b"{not json}\n")
    reopened = Project(root).annotations("alice")
    assert [problem.line for problem in reopened.problems] == [2]


def test_a_file_of_the_same_size_rewritten_later_is_scanned_again(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    with Project(root).annotations("alice", writable=True) as annotations:
        annotations.save(article_record())
    path = root / "annotations" / "alice.jsonl"
    data = path.read_bytes()
    rewritten = data.replace(b'"in_progress"', b'"flagged"    ')  # same size, still JSON
    assert len(rewritten) == len(data)
    path.write_bytes(rewritten)
    info = os.stat(path)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))
    assert Project(root).annotations("alice").status("a1") is Status.flagged


def test_a_read_only_cache_folder_changes_nothing(tmp_path: Path) -> None:
    root = jsonl_project(tmp_path)
    (root / CACHE_DIR_NAME).write_text("not a folder")  # the cache cannot be created
    assert Project(root).corpus.ids() == ["d0", "d1", "d2"]
    assert Project(root).corpus.text("d0") == "Text number 0."


def test_the_cached_index_of_another_annotator_is_not_used(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    with Project(root).annotations("alice", writable=True) as annotations:
        annotations.save(article_record())
    os.replace(root / "annotations" / "alice.jsonl", root / "annotations" / "bob.jsonl")
    bob = Project(root).annotations("bob")
    assert len(bob.problems) == 1 and bob.problems[0].field == "annotator"
