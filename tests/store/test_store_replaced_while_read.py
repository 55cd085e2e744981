"""A reader indexes and reads the very file it opened, even when a writer in another process
replaces the path (compaction renames a new file over it) while the reader is opening it.

A replaced file may get the inode number of the file it replaced (ext4 hands freed inodes out
again at once), so checking the path's inode before and after is not enough: the reader must
index through the descriptor it keeps for reading.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annotator.store import annotations as annotations_module
from annotator.store.annotations import AnnotationFile
from annotator.store.index_cache import file_stamp

from .helpers import make_record


def write_records(path: Path, notes: list[str]) -> None:
    with AnnotationFile(path, "alice", writable=True) as annotations:
        for index, note in enumerate(notes):
            annotations.save(make_record("x", doc_id=f"d{index}").model_copy(update={"note": note}))


def test_reader_sees_the_file_it_opened_when_the_path_is_replaced_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "alice.jsonl"
    write_records(path, ["first version, a long note " * 3, "short"])
    replacement = tmp_path / "replacement.jsonl"
    write_records(replacement, ["other", "a different and much longer note " * 4])
    opened = annotations_module.AnnotationFile._open_reader

    def open_then_replace(self: AnnotationFile) -> int | None:
        reader = opened(self)
        os.replace(replacement, path)  # a compaction by another process, just after the open
        return reader

    monkeypatch.setattr(annotations_module.AnnotationFile, "_open_reader", open_then_replace)
    reader = AnnotationFile(path, "alice")
    # every record comes whole from the version that was opened, none from the replacement
    assert [record.note for _, record in reader.iter_records()] == [
        "first version, a long note " * 3,
        "short",
    ]
    reader.close()


def test_stamp_of_an_open_file_describes_it_not_the_path(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"one\n")
    descriptor = os.open(path, os.O_RDONLY)
    try:
        other = tmp_path / "g.jsonl"
        other.write_bytes(b"two lines\nhere\n")
        os.replace(other, path)
        stamp = file_stamp(path, descriptor)
        assert stamp is not None and stamp[0] == 4  # the size of the opened file
        assert stamp != file_stamp(path)
    finally:
        os.close(descriptor)
