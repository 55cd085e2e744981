"""One annotator's JSONL file: an append-only journal of records, the last one per document wins.

Saving appends one line and fsyncs it before returning, so an edit the UI reports as saved
survives ``kill -9`` and power loss. When superseded lines pile up, the file is compacted by
writing a new copy and renaming it over the old one (atomic). A final line torn by a crash is
detected on opening, reported, kept in a ``.torn`` side file, and cut off; every line before it
is kept. A file with any other unreadable line is never written to.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Status
from annotator.model.validate import problems_from_validation_error
from annotator.store.jsonl import (
    RawLine,
    atomic_write,
    fsync_directory,
    iter_raw_lines,
    parse_json_object,
)
from annotator.store.lock import FileLock

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)


def check_annotator_name(name: str) -> str:
    """An annotator name becomes a file name: letters, digits, ``._-``, at most 64 characters."""
    if not _NAME.match(name) or name.lower().split(".")[0] in _RESERVED or name.endswith("."):
        raise AnnotatorError(
            f"invalid annotator name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


@dataclass(slots=True)
class RecordEntry:
    """Where the current record of one document is in the file, and its status."""

    doc_id: str
    line: int
    offset: int
    length: int
    status: Status


def encode_record(record: AnnotationRecord) -> bytes:
    return orjson.dumps(record.model_dump(mode="json", exclude_none=True)) + b"\n"


def _status_of(value: dict[str, object]) -> Status:
    status = value.get("status", "in_progress")
    try:
        return Status(status)
    except ValueError:
        return Status.in_progress


class AnnotationFile:
    """The records of one annotator. Open with ``writable=True`` to save (takes the lock)."""

    COMPACT_MIN_LINES = 256

    def __init__(self, path: Path, annotator: str, *, writable: bool = False) -> None:
        self.path = path
        self.annotator = check_annotator_name(annotator)
        self.writable = writable
        self.entries: dict[str, RecordEntry] = {}
        """Current record of each document, in order of first appearance."""
        self.problems: list[AnnotatorError] = []
        """Lines that could not be read (each names file and line)."""
        self.warnings: list[AnnotatorError] = []
        """Things recovered from, such as a torn final line."""
        self.lines = 0
        self._lock: FileLock | None = None
        self._handle: int | None = None
        self._size = 0
        if writable:
            self._lock = FileLock(path.with_name(f".{path.name}.lock"), path)
            self._lock.acquire()
        try:
            self._scan()
            if writable:
                self._prepare_for_writing()
        except BaseException:
            self.close()
            raise

    # -- reading ------------------------------------------------------------------------------

    def _scan(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as error:
            raise AnnotatorError(f"cannot read: {error.strerror}", file=self.path) from None
        self._size = len(data)
        for raw in iter_raw_lines(self.path, data):
            self.lines += 1
            try:
                value = parse_json_object(raw, file=self.path)
            except AnnotatorError as error:
                if not raw.terminated:
                    self._torn = raw
                    self.warnings.append(
                        AnnotatorError(
                            "incomplete final line (torn by a crash); the lines before it are "
                            "intact and it will be set aside on the next write",
                            file=self.path,
                            line=raw.number,
                        )
                    )
                else:
                    self.problems.append(error)
                continue
            doc_id = value.get("doc_id")
            if not isinstance(doc_id, str) or not doc_id:
                self.problems.append(
                    AnnotatorError(
                        "missing string field", file=self.path, line=raw.number, field="doc_id"
                    )
                )
                continue
            annotator = value.get("annotator")
            if annotator != self.annotator:
                self.problems.append(
                    AnnotatorError(
                        f"record of annotator {annotator!r} in the file of {self.annotator!r}",
                        file=self.path,
                        line=raw.number,
                        field="annotator",
                    )
                )
                continue
            self.entries[doc_id] = RecordEntry(
                doc_id, raw.number, raw.offset, len(raw.data), _status_of(value)
            )

    _torn: RawLine | None = None

    def read_record(self, entry: RecordEntry) -> AnnotationRecord:
        """The validated record at ``entry``; raises :class:`AnnotatorError` on a bad record."""
        with self.path.open("rb") as handle:
            handle.seek(entry.offset)
            data = handle.read(entry.length)
        try:
            return AnnotationRecord.model_validate_json(data)
        except ValidationError as error:
            problems = problems_from_validation_error(error, file=self.path, line=entry.line)
            raise problems[0] from None

    def get(self, doc_id: str) -> AnnotationRecord | None:
        entry = self.entries.get(doc_id)
        return None if entry is None else self.read_record(entry)

    def status(self, doc_id: str) -> Status | None:
        entry = self.entries.get(doc_id)
        return None if entry is None else entry.status

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def iter_records(self) -> Iterator[tuple[int, AnnotationRecord]]:
        """``(line, record)`` for every document's current record, in file order.

        Records that fail validation are reported in :attr:`problems` and skipped.
        """
        if not self.entries:
            return
        data = self.path.read_bytes()
        for entry in sorted(self.entries.values(), key=lambda item: item.offset):
            chunk = data[entry.offset : entry.offset + entry.length]
            try:
                yield entry.line, AnnotationRecord.model_validate_json(chunk)
            except ValidationError as error:
                self.problems.extend(
                    problems_from_validation_error(error, file=self.path, line=entry.line)
                )

    # -- writing ------------------------------------------------------------------------------

    def _prepare_for_writing(self) -> None:
        if self.problems:
            first = self.problems[0]
            raise AnnotatorError(
                f"cannot be fully read ({len(self.problems)} bad line(s), first at line "
                f"{first.line}: {first.message}); it will not be written to until it is fixed",
                file=self.path,
            )
        torn = self._torn
        if torn is not None:
            side = self.path.with_name(f"{self.path.name}.torn-{int(time.time())}")
            side.write_bytes(torn.data)
            with self.path.open("r+b") as handle:
                handle.truncate(torn.offset)
                handle.flush()
                os.fsync(handle.fileno())
            self._size = torn.offset
            self._torn = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.lines - len(self.entries) > max(self.COMPACT_MIN_LINES, len(self.entries)):
            self.compact()
        existed = self.path.exists()
        self._handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if not existed:
            fsync_directory(self.path.parent)

    def save(self, record: AnnotationRecord) -> None:
        """Append ``record`` as the document's current record; durable when this returns."""
        if self._handle is None:
            raise AnnotatorError("opened read-only; cannot save", file=self.path)
        if record.annotator != self.annotator:
            raise AnnotatorError(
                f"record of {record.annotator!r} cannot go in the file of {self.annotator!r}",
                file=self.path,
            )
        line = encode_record(record)
        written = 0
        try:
            while written < len(line):
                written += os.write(self._handle, line[written:])
            os.fsync(self._handle)
        except OSError:
            if written:
                # A partial line would be torn; cut it back so the file stays readable.
                os.ftruncate(self._handle, self._size)
            raise
        self.lines += 1
        self.entries[record.doc_id] = RecordEntry(
            record.doc_id, self.lines, self._size, len(line) - 1, record.status
        )
        self._size += len(line)
        if self.lines - len(self.entries) > max(self.COMPACT_MIN_LINES * 16, 4 * len(self.entries)):
            self.compact()

    def compact(self) -> None:
        """Rewrite the file with one line per document (atomic rename)."""
        if self.path.exists():
            data = self.path.read_bytes()
            ordered = sorted(self.entries.values(), key=lambda item: item.offset)
            chunks = [data[e.offset : e.offset + e.length] + b"\n" for e in ordered]
        else:
            ordered, chunks = [], []
        atomic_write(self.path, chunks)
        offset = 0
        for number, (entry, chunk) in enumerate(zip(ordered, chunks, strict=True), start=1):
            entry.line, entry.offset = number, offset
            offset += len(chunk)
        self.lines = len(ordered)
        self._size = offset
        if self._handle is not None:
            os.close(self._handle)
            self._handle = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def close(self) -> None:
        if self._handle is not None:
            try:
                if self.lines > len(self.entries):
                    self.compact()
            except OSError:
                pass
            finally:
                if self._handle is not None:
                    os.close(self._handle)
                self._handle = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> AnnotationFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
