"""``AnnotationFile.save_many``: the lines ``save`` writes, fsynced per batch, never a record
acknowledged before its fsync, and a file cut back to the last acknowledged batch on a fault."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Status
from annotator.store.annotations import AnnotationFile, StoreWriteError, encode_record

from .helpers import ARTICLE, article_record, make_record, span


def records(count: int, note: str = "") -> list[AnnotationRecord]:
    """Records of documents d0, d1, ... each with a span (and d3 saved twice: last one wins)."""
    made = [
        make_record(
            ARTICLE,
            doc_id=f"d{index}",
            spans=[span(ARTICLE, "Ana Ruiz", "speaker", f"s{index}")],
            status=Status.flagged if index % 2 else Status.skipped,  # lines of one length
            note=f"{note}{index}",
        )
        for index in range(count)
    ]
    if count > 3:
        made.append(made[3].model_copy(update={"note": "d3 again"}))
    return made


def notes(path: Path) -> dict[str, str]:
    """Every document's current note, read back by a fresh reader that finds no problem."""
    reader = AnnotationFile(path, "alice")
    try:
        assert reader.problems == [] and reader.warnings == []
        found = {record.doc_id: record.note for _, record in reader.iter_records()}
        assert reader.problems == []
        return found
    finally:
        reader.close()


class Counting:
    """Counts ``os.fsync`` calls on one file descriptor; fails writes or fsyncs on demand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fd: int) -> None:
        self.fd = fd
        self.fsyncs = 0
        self.writes = 0
        self.fail_write_from: int | None = None
        """The 1-based write call on ``fd`` from which writes fail."""
        self.fail_fsync_from: int | None = None
        self.partial = False
        real_write, real_fsync = os.write, os.fsync

        def write(target: int, data: bytes) -> int:
            if target != fd:
                return real_write(target, data)
            self.writes += 1
            if self.fail_write_from is not None and self.writes >= self.fail_write_from:
                if self.partial and len(data) > 1 and self.writes == self.fail_write_from:
                    return real_write(target, data[: len(data) // 2])  # then the next one fails
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_write(target, data)

        def fsync(target: int) -> None:
            if target == fd:
                self.fsyncs += 1
                if self.fail_fsync_from is not None and self.fsyncs >= self.fail_fsync_from:
                    raise OSError(errno.EIO, os.strerror(errno.EIO))
            real_fsync(target)

        monkeypatch.setattr(os, "write", write)  # the store calls os.write / os.fsync
        monkeypatch.setattr(os, "fsync", fsync)


def writer(path: Path) -> AnnotationFile:
    annotations = AnnotationFile(path, "alice", writable=True)
    annotations.save(make_record(ARTICLE, doc_id="d1", note="before"))  # a record already there
    return annotations


def test_same_bytes_and_index_as_one_save_per_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_by_one, batched = tmp_path / "a" / "alice.jsonl", tmp_path / "b" / "alice.jsonl"
    one_by_one.parent.mkdir()
    batched.parent.mkdir()
    made = records(12)  # made once: each record's updated_at is the second it was made in
    with writer(one_by_one) as annotations:
        for record in made:
            annotations.save(record)
        expected = one_by_one.read_bytes()
        expected_entries = dict(annotations.entries)
    with writer(batched) as annotations:
        counting = Counting(monkeypatch, annotations._handle or -1)
        assert annotations.save_many(iter(made)) == 13
        assert counting.fsyncs == 1  # 13 records, one fsync (and one write)
        assert counting.writes == 1
        assert batched.read_bytes() == expected
        assert dict(annotations.entries) == expected_entries
        assert annotations.get("d3") is not None and annotations.get("d3").note == "d3 again"  # type: ignore[union-attr]
        assert annotations.status("d5") is Status.flagged
        assert annotations.lines == 14
        monkeypatch.undo()
    assert batched.read_bytes() == one_by_one.read_bytes()  # closing compacted both alike
    assert notes(batched) == {**{f"d{i}": str(i) for i in range(12)}, "d3": "d3 again"}


def test_batches_are_fsynced_as_they_fill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "alice.jsonl"
    batch = records(9)
    line = len(encode_record(batch[0]))
    annotations = writer(path)
    monkeypatch.setattr(annotations, "SAVE_MANY_BATCH_BYTES", 3 * line)
    counting = Counting(monkeypatch, annotations._handle or -1)
    assert annotations.save_many(batch) == 10
    assert counting.fsyncs == 4  # 3 + 3 + 3 + the last one
    monkeypatch.undo()
    annotations.close()
    assert notes(path) == {**{f"d{i}": str(i) for i in range(9)}, "d3": "d3 again"}


@pytest.mark.parametrize(
    ("fault", "partial"), [("write", False), ("write", True), ("fsync", False)]
)
def test_fault_in_the_second_batch_keeps_exactly_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str, partial: bool
) -> None:
    path = tmp_path / "alice.jsonl"
    batch = records(9, note="new ")
    line = len(encode_record(batch[0]))
    annotations = writer(path)
    monkeypatch.setattr(annotations, "SAVE_MANY_BATCH_BYTES", 3 * line)
    before_batches = path.stat().st_size
    counting = Counting(monkeypatch, annotations._handle or -1)
    counting.partial = partial
    if fault == "write":
        counting.fail_write_from = 2
    else:
        counting.fail_fsync_from = 2
    with pytest.raises(StoreWriteError) as caught:
        annotations.save_many(batch)
    assert isinstance(caught.value, AnnotatorError)
    assert str(caught.value).startswith(f"{path}: could not save: ")
    assert caught.value.saved == 3
    first_batch = b"".join(encode_record(record) for record in batch[:3])
    assert path.stat().st_size == before_batches + len(first_batch)  # cut back
    acknowledged = {"d0": "new 0", "d1": "new 1", "d2": "new 2"}
    assert notes(path) == acknowledged
    # the writer's own index says the same, and the file still takes saves once the fault clears
    assert annotations.get("d2").note == "new 2"  # type: ignore[union-attr]
    assert annotations.get("d3") is None
    monkeypatch.undo()
    assert annotations.save_many(batch[3:]) == 7
    annotations.close()
    assert notes(path) == {**{f"d{i}": f"new {i}" for i in range(9)}, "d3": "d3 again"}


def test_records_before_a_failing_producer_are_saved_then_its_error_raised(
    tmp_path: Path,
) -> None:
    path = tmp_path / "alice.jsonl"

    def produced() -> Iterator[AnnotationRecord]:
        yield from records(3, note="new ")
        raise ValueError("the merge broke")

    with writer(path) as annotations:
        with pytest.raises(ValueError, match="the merge broke"):
            annotations.save_many(produced())
        assert notes(path) == {"d0": "new 0", "d1": "new 1", "d2": "new 2"}  # before closing
        assert annotations.get("d2").note == "new 2"  # type: ignore[union-attr]


def test_record_of_another_annotator_stops_the_batch_after_saving_those_before(
    tmp_path: Path,
) -> None:
    path = tmp_path / "alice.jsonl"
    batch = [*records(2, note="new "), article_record(annotator="bob"), *records(1, note="x")]
    with (
        writer(path) as annotations,
        pytest.raises(AnnotatorError, match="record of 'bob' cannot go in the file"),
    ):
        annotations.save_many(batch)
    assert notes(path) == {"d0": "new 0", "d1": "new 1"}


def test_read_only_file_refuses(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    writer(path).close()
    reader = AnnotationFile(path, "alice")
    check: Callable[[], int] = lambda: reader.save_many(records(1))  # noqa: E731
    with pytest.raises(AnnotatorError, match="read-only"):
        check()
