"""Simulated disk faults: the store raises a clear error, the file is never damaged, and a retry
after the fault clears saves without loss."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Status
from annotator.model.text import text_sha256
from annotator.store import annotations as annotations_module
from annotator.store.annotations import AnnotationFile, StoreWriteError, encode_record
from annotator.store.project import Project

from .harness import make_crash_project


def record(doc_id: str, note: str) -> AnnotationRecord:
    return AnnotationRecord(
        doc_id=doc_id,
        annotator="alice",
        text_sha256=text_sha256("Yes." if doc_id == "short" else ""),
        note=note,
        status=Status.done,
    )


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, AnnotationFile]:
    path = tmp_path / "alice.jsonl"
    annotations = AnnotationFile(path, "alice", writable=True)
    for index in range(3):
        annotations.save(record(f"d{index}", "before the fault"))
    return path, annotations


def failing(
    real: Callable[..., int], fd: int, error_number: int, *, partial: bool = False
) -> Callable[..., int]:
    """``os.write``/``os.fsync`` that fails on ``fd`` (after writing half, with ``partial``)."""

    def fake(target: int, *args: object) -> int:
        if target != fd:
            return real(target, *args)
        if partial and args:
            data = args[0]
            assert isinstance(data, bytes)
            if len(data) > 1:
                return real(target, data[: len(data) // 2])
        raise OSError(error_number, os.strerror(error_number))

    return fake


def assert_intact(path: Path, expected: dict[str, str]) -> None:
    reader = AnnotationFile(path, "alice")
    assert reader.problems == [] and reader.warnings == []
    assert {doc: r.note for _, r in reader.iter_records() for doc in [r.doc_id]} == expected


@pytest.mark.parametrize(
    ("function", "error_number", "partial"),
    [
        ("write", errno.ENOSPC, False),
        ("write", errno.ENOSPC, True),
        ("write", errno.EACCES, False),
        ("fsync", errno.ENOSPC, False),
        ("fsync", errno.EIO, False),
    ],
)
def test_failed_save_is_clear_leaves_file_intact_and_retry_succeeds(
    store: tuple[Path, AnnotationFile],
    monkeypatch: pytest.MonkeyPatch,
    function: str,
    error_number: int,
    partial: bool,
) -> None:
    path, annotations = store
    before = path.read_bytes()
    assert annotations._handle is not None
    fd = annotations._handle
    real = getattr(os, function)
    monkeypatch.setattr(
        annotations_module.os, function, failing(real, fd, error_number, partial=partial)
    )
    with pytest.raises(StoreWriteError) as caught:
        annotations.save(record("d1", "during the fault"))
    # one clear line naming the file; catchable as AnnotatorError and OSError alike
    assert str(caught.value) == f"{path}: could not save: {os.strerror(error_number)}"
    assert isinstance(caught.value, AnnotatorError) and isinstance(caught.value, OSError)
    assert caught.value.errno == error_number
    assert path.read_bytes() == before
    unchanged = annotations.get("d1")
    assert unchanged is not None and unchanged.note == "before the fault"
    monkeypatch.undo()
    annotations.save(record("d1", "retried"))
    annotations.save(record("d3", "after"))
    assert_intact(
        path, {"d0": "before the fault", "d1": "retried", "d2": "before the fault", "d3": "after"}
    )
    annotations.close()
    assert_intact(
        path, {"d0": "before the fault", "d1": "retried", "d2": "before the fault", "d3": "after"}
    )


def test_partial_write_that_cannot_even_be_cut_back_is_cut_before_the_next_save(
    store: tuple[Path, AnnotationFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, annotations = store
    before = path.read_bytes()
    assert annotations._handle is not None
    fd = annotations._handle
    monkeypatch.setattr(
        annotations_module.os, "write", failing(os.write, fd, errno.ENOSPC, partial=True)
    )
    monkeypatch.setattr(annotations_module.os, "ftruncate", failing(os.ftruncate, fd, errno.EIO))
    with pytest.raises(StoreWriteError):
        annotations.save(record("d1", "lost in the fault"))
    assert path.read_bytes().startswith(before)  # half a line hangs off the end now
    monkeypatch.undo()
    annotations.save(record("d1", "retried"))
    assert_intact(path, {"d0": "before the fault", "d1": "retried", "d2": "before the fault"})


def test_failing_compaction_never_damages_the_journal(
    store: tuple[Path, AnnotationFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, annotations = store
    annotations.save(record("d0", "second"))
    before = path.read_bytes()

    def no_space(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(annotations_module, "atomic_write", no_space)
    with pytest.raises(OSError):
        annotations.compact()
    assert path.read_bytes() == before
    annotations.close()  # tries to compact again, fails quietly: the journal is complete
    assert path.read_bytes() == before
    monkeypatch.undo()
    assert_intact(path, {"d0": "second", "d1": "before the fault", "d2": "before the fault"})


def test_real_compaction_leaves_no_temporary_file_when_the_disk_is_full(
    store: tuple[Path, AnnotationFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, annotations = store
    annotations.save(record("d0", "second"))
    before = path.read_bytes()
    real_fsync = os.fsync

    def fsync_full(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_full)
    with pytest.raises(OSError):
        annotations.compact()
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [".alice.jsonl.lock", "alice.jsonl"]
    annotations.save(record("d2", "after"))
    annotations.close()
    assert_intact(path, {"d0": "second", "d1": "before the fault", "d2": "after"})


def test_read_only_folder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(make_crash_project(tmp_path / "p"))
    real_open = os.open

    def denied(path: object, *args: object, **kwargs: object) -> int:
        if str(path).startswith(str(project.annotations_dir)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(StoreWriteError) as caught:
        project.annotations("alice", writable=True)
    assert str(caught.value) == (
        f"{project.annotation_path('alice')}: cannot open for writing: Permission denied"
    )
    monkeypatch.undo()
    with project.annotations("alice", writable=True) as annotations:
        annotations.save(record("short", "fine now"))


_OPEN_AS_ANOTHER_USER = """
import sys
from annotator.model.errors import AnnotatorError
from annotator.store.project import Project
try:
    Project(sys.argv[1]).annotations("alice", writable=True)
except AnnotatorError as error:
    print(error)
    raise SystemExit(3)
raise SystemExit(0)
"""


def test_really_read_only_folder() -> None:
    """Real permissions, not a monkeypatch. Root ignores them, so as root the opening runs in
    a child process without the capability to override file permissions (``setpriv``)."""
    base = Path(tempfile.mkdtemp(prefix="annotator-ro-", dir="/tmp"))
    try:
        base.chmod(0o755)
        project = Project(make_crash_project(base / "p"))
        with project.annotations("alice", writable=True) as annotations:
            annotations.save(record("short", "first"))
        before = project.annotation_path("alice").read_bytes()
        for path in (base / "p", *sorted((base / "p").rglob("*"))):
            path.chmod(0o555 if path.is_dir() else 0o444)
        command = [sys.executable, "-c", _OPEN_AS_ANOTHER_USER, str(base / "p")]
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            assert setpriv, "as root this test needs util-linux's setpriv to drop CAP_DAC_OVERRIDE"
            command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=base)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "cannot open for writing" in result.stdout or "Permission denied" in result.stdout
        assert project.annotation_path("alice").read_bytes() == before
    finally:
        for path in (base, *base.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(base)


def test_file_replaced_under_the_program(store: tuple[Path, AnnotationFile]) -> None:
    path, annotations = store
    replacement = encode_record(record("other", "written by another program"))
    temporary = path.with_name("elsewhere.tmp")
    temporary.write_bytes(replacement)
    os.replace(temporary, path)  # e.g. `git checkout`, a sync tool, an editor's atomic save
    with pytest.raises(StoreWriteError, match="replaced by another program"):
        annotations.save(record("d1", "not written"))
    with pytest.raises(StoreWriteError):
        annotations.compact()
    annotations.close()
    assert path.read_bytes() == replacement  # the other program's file is left as it is
    with AnnotationFile(path, "alice", writable=True) as reopened:  # the retry: reopen and save
        reopened.save(record("d1", "saved after reopening"))
    assert_intact(path, {"other": "written by another program", "d1": "saved after reopening"})


def test_file_removed_or_appended_under_the_program(store: tuple[Path, AnnotationFile]) -> None:
    path, annotations = store
    extra = encode_record(record("by-hand", "appended by hand"))
    with path.open("ab") as handle:
        handle.write(extra)
    before = path.read_bytes()
    with pytest.raises(StoreWriteError, match="changed by another program"):
        annotations.save(record("d1", "not written"))
    annotations.close()
    assert path.read_bytes() == before
    path.unlink()
    annotations = AnnotationFile(path, "alice", writable=True)
    annotations.save(record("d1", "one"))
    path.unlink()
    with pytest.raises(StoreWriteError, match="removed by another program"):
        annotations.save(record("d1", "two"))
    annotations.close()
    assert not path.exists()
