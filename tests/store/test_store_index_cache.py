"""The index cache makes reopening fast, and never hides a change or a problem in the files."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from annotator.model.records import Status
from annotator.store.index_cache import CACHE_DIR_NAME, IndexCache, file_stamp
from annotator.store.jsonl import RawLineStream
from annotator.store.project import Project, init_project

from .helpers import article_record, make_project


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


def test_the_file_saved_just_before_closing_is_not_scanned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "p")
    with Project(root).annotations("alice", writable=True) as annotations:
        annotations.save(article_record())
        annotations.save(article_record().model_copy(update={"status": Status.done}))

    def no_scan(self: RawLineStream) -> None:
        raise AssertionError(f"{self.path} was scanned again")

    monkeypatch.setattr(RawLineStream, "__iter__", no_scan)
    monkeypatch.setattr(RawLineStream, "blocks", no_scan)
    reopened = Project(root).annotations("alice")  # right away: the file is seconds old
    assert reopened.status("a1") is Status.done
    record = reopened.get("a1")
    assert record is not None and record.spans[1].text == "will hold through the winter"


def test_a_fresh_file_changed_where_its_times_cannot_show_it_is_not_served(
    tmp_path: Path,
) -> None:
    """Within one tick of the file system's clock a same-size rewrite keeps every time: the
    content check of a fresh file's stamp must catch it (a rewritten first or last record, as
    an editor or a writer that appends would leave)."""

    def same_tick_stamp() -> tuple[int, ...]:
        """What a stat in the tick of the first write sees: the old times, the new content."""
        now = file_stamp(path)
        assert stamp is not None and now is not None
        return stamp[:5] + now[5:]

    path = tmp_path / "file.jsonl"
    lines = [orjson.dumps({"id": f"d{i}", "status": "in_progress"}) for i in range(20_000)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    stamp = file_stamp(path)
    assert stamp is not None and stamp[5] != 0  # just written: racy, so it carries a check
    cache = IndexCache(tmp_path / "cache")
    cache.store("test", path, stamp, {"n": 1}, {"ids": ["d0"]})
    assert cache.load("test", path, stamp) == ({"n": 1}, {"ids": ["d0"]})
    data = path.read_bytes()
    for old, new in ((b'"d0"', b'"x0"'), (b'"d19999"', b'"x19999"')):
        assert data.count(old) == 1
        path.write_bytes(data.replace(old, new))
        assert cache.load("test", path, same_tick_stamp()) is None, old  # type: ignore[arg-type]
    path.write_bytes(data)
    assert cache.load("test", path, same_tick_stamp()) is not None  # type: ignore[arg-type]
