"""The saver hands the store each edit's delta, and writes a record whole after a refused save."""

from __future__ import annotations

import errno
from pathlib import Path

from annotator.model import delta as delta_module
from annotator.model.config import ProjectConfig
from annotator.model.delta import RecordDelta
from annotator.model.records import AnnotationRecord, Document
from annotator.model.session import EditingSession
from annotator.store.annotations import AnnotationFile, StoreWriteError
from annotator.tui.saver import Saver

TEXT = "Prime Minister Ana Kell said the ceasefire would hold in Geneva on Monday."


class FlakyFile:
    """Stands for an AnnotationFile: applies deltas to what it holds, refuses when told to."""

    def __init__(self) -> None:
        self.records: dict[str, AnnotationRecord] = {}
        self.calls: list[RecordDelta | None] = []
        self.refuse = False

    def save(self, record: AnnotationRecord, delta: RecordDelta | None = None) -> None:
        self.calls.append(delta)
        if self.refuse:
            raise StoreWriteError(
                "could not save: disk full", file=Path("x"), error_number=errno.ENOSPC
            )
        base = self.records.get(record.doc_id)
        if delta is None or base is None:
            self.records[record.doc_id] = record
        else:
            folded = delta_module.apply(base, delta)
            self.records[record.doc_id] = record.model_copy(
                update={"spans": folded.spans, "relations": folded.relations}
            )


def _spans(record: AnnotationRecord | None) -> set[tuple[int, int, str]]:
    assert record is not None
    return {(span.start, span.end, span.label) for span in record.spans}


def test_a_delta_refused_by_the_disk_is_not_lost_the_retry_writes_the_record_whole() -> None:
    file = FlakyFile()
    saver = Saver(file)  # type: ignore[arg-type]
    session = EditingSession(Document(id="d", text=TEXT), ProjectConfig(), "me", snapshots=False)

    def edit(word: str, label: str) -> bool:
        session.move_to(TEXT.index(word))
        record = session.tag(label)
        assert record is not None
        return saver.save(record, session.take_delta())

    assert edit("Minister", "entity")
    assert edit("Geneva", "entity")
    assert file.calls[-1] is not None and file.calls[-1].size() == 1  # a patch, not the record
    file.refuse = True
    assert not edit("ceasefire", "event")  # refused: kept in memory
    assert not edit("Monday", "event")  # still refused; the edit before it is not on disk
    refused = _spans(session.to_record())
    session.move_to(TEXT.index("Prime"))
    session.tag("speaker")  # not handed to the saver: the kept record must not follow it
    assert saver.pending["d"].spans is not session.spans
    assert saver.reason == "disk full"
    file.refuse = False
    assert saver.flush()
    assert file.calls[-1] is None  # the retry wrote the record whole
    assert _spans(file.records["d"]) == refused
    assert len(refused) == 4
    assert edit("Kell", "speaker")  # and patches again from there (with the untold edit)
    assert file.calls[-1] is not None
    assert _spans(file.records["d"]) == _spans(session.to_record())


def test_deltas_through_a_real_annotation_file(tmp_path: Path) -> None:
    """Big enough for patch lines or not, what the file reads back is what the session has."""
    path = tmp_path / "me.jsonl"
    text = "word " * 30_000
    with AnnotationFile(path, "me", writable=True) as annotations:
        saver = Saver(annotations)
        session = EditingSession(Document(id="d", text=text), ProjectConfig(), "me")
        for number in range(0, 30_000, 7):
            session.move_to(number * 5)
            session.tag("entity")
        assert saver.save(session.to_record(), session.take_delta())
        for number in range(3, 300, 11):
            session.move_to(number * 5)
            record = session.tag("claim" if number % 2 else "entity")
            assert record is not None
            assert saver.save(record, session.take_delta())
        expected = _spans(session.to_record())
        first, *patches = path.read_bytes().splitlines()
        assert len(patches) == 27  # one small line per edit, not the record again each time
        assert sum(map(len, patches)) < len(first) // 10
    with AnnotationFile(path, "me") as reread:
        assert _spans(reread.get("d")) == expected
