"""The lock file removed while a writer runs (a cleanup of the 0-byte ``.NAME.jsonl.lock``,
``git clean``, a sync tool) never lets two writers of one annotator write (QA s7 A9)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annotator.model.errors import AnnotatorError
from annotator.store import lock as lock_module
from annotator.store.annotations import AnnotationFile, StoreWriteError
from annotator.store.lock import FileLock

from .helpers import article_record


def lock_of(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


def test_a_writer_whose_lock_file_was_taken_by_another_refuses_to_write(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    first = AnnotationFile(path, "alice", writable=True)
    first.save(article_record(doc_id="a"))
    lock_of(path).unlink()
    second = AnnotationFile(path, "alice", writable=True)  # a new lock file: nothing to refuse
    try:
        before = path.read_bytes()
        with pytest.raises(StoreWriteError) as caught:
            first.save(article_record(doc_id="b"))
        message = str(caught.value)
        assert message.startswith(f"{path}: lost its lock: .alice.jsonl.lock was removed")
        assert f"process {os.getpid()} holds the new one" in message
        assert caught.value.errno is None  # the app reopens on this, and is refused while
        assert path.read_bytes() == before  # the other session runs
        second.save(article_record(doc_id="c"))
        with pytest.raises(StoreWriteError):  # refused again, not once only
            first.save(article_record(doc_id="b"))
    finally:
        second.close()
        first.close()
    reader = AnnotationFile(path, "alice")
    assert sorted(reader.entries) == ["a", "c"]
    reader.close()


def test_a_writer_whose_lock_file_was_removed_takes_it_again_and_keeps_others_out(
    tmp_path: Path,
) -> None:
    path = tmp_path / "alice.jsonl"
    with AnnotationFile(path, "alice", writable=True) as first:
        first.save(article_record(doc_id="a"))
        lock_of(path).unlink()
        first.save(article_record(doc_id="b"))  # nobody else came: the lock is taken again
        assert lock_of(path).read_text() == f"{os.getpid()}\n"
        with pytest.raises(AnnotatorError, match="already open for writing by process"):
            AnnotationFile(path, "alice", writable=True)
        first.save(article_record(doc_id="c"))
    with AnnotationFile(path, "alice") as reader:
        assert sorted(reader.entries) == ["a", "b", "c"]


def test_a_lock_file_replaced_by_another_is_taken_again(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    with AnnotationFile(path, "alice", writable=True) as first:
        fresh = tmp_path / "fresh"
        fresh.write_text("")
        os.replace(fresh, lock_of(path))  # e.g. a sync tool brings its own copy
        first.save(article_record(doc_id="a"))
        with pytest.raises(AnnotatorError, match="already open for writing"):
            AnnotationFile(path, "alice", writable=True)


def test_taking_the_lock_tries_again_when_the_file_goes_between_open_and_flock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: a process opens the lock file, another program removes it, the first locks
    the removed file. It must notice, and lock the file now at the path."""
    path = tmp_path / "alice.jsonl"
    real_flock = lock_module.fcntl.flock
    removed = []

    def flock(fd: int, operation: int) -> None:
        if not removed:
            removed.append(True)
            os.unlink(lock_of(path))
        real_flock(fd, operation)

    monkeypatch.setattr(lock_module.fcntl, "flock", flock)
    with AnnotationFile(path, "alice", writable=True):
        assert removed
        monkeypatch.setattr(lock_module.fcntl, "flock", real_flock)
        with pytest.raises(AnnotatorError, match="already open for writing"):
            AnnotationFile(path, "alice", writable=True)


def test_a_lock_file_that_keeps_vanishing_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "alice.jsonl"
    real_flock = lock_module.fcntl.flock

    def flock(fd: int, operation: int) -> None:
        real_flock(fd, operation)
        os.unlink(lock_of(path))

    monkeypatch.setattr(lock_module.fcntl, "flock", flock)
    with pytest.raises(AnnotatorError) as caught:
        FileLock(lock_of(path), path).acquire()
    assert "keeps being removed or replaced" in str(caught.value)
    assert "\n" not in str(caught.value)
