"""Saving from the annotate screen when the disk may refuse: edits wait in memory, never lost.

Every edit is handed to :meth:`Saver.save` with the :class:`RecordDelta` of what it changed (the
store then appends a small patch line for a big record). When the store refuses the write (disk
full, no permission, a read-only file system, the file replaced or removed by another program)
the record stays in :attr:`Saver.pending` (the newest one per document) and the screen shows a
warning until a retry succeeds; that record is then written whole (a patch is relative to the
version on disk, which after a refusal, or in a file replaced under us, is not known for sure).
Retries happen on the next edit and on a timer. A file replaced under our feet cannot be appended
to by the handle we hold, so a retry then reopens it (which reads the new file, and refuses to
write if it is not a clean annotation file) and saves the pending records on top.

No Textual here: the screen owns the timer and the drawing, this owns the bookkeeping.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence

from annotator.model.delta import RecordDelta
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Status
from annotator.store.annotations import AnnotationFile, StoreWriteError

_SHORT_REASONS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "no permission to write",
    errno.EPERM: "no permission to write",
    errno.EROFS: "read-only file system",
    errno.EIO: "disk I/O error",
}


def short_reason(error: AnnotatorError | OSError) -> str:
    """A few words for the status line ("disk full"); the banner shows the whole message."""
    number = getattr(error, "errno", None)
    if isinstance(number, int) and number in _SHORT_REASONS:
        return _SHORT_REASONS[number]
    text = str(error)
    for marker, reason in (
        ("replaced by another program", "file replaced by another program"),
        ("removed by another program", "file removed by another program"),
        ("changed by another program", "file changed by another program"),
        ("cannot be fully read", "file on disk is damaged"),
        ("opened read-only", "opened read-only"),
    ):
        if marker in text:
            return reason
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return "write failed"


def _needs_reopen(error: AnnotatorError | OSError) -> bool:
    """The handle we hold points at a file that is no longer the one at the path."""
    return isinstance(error, StoreWriteError) and error.errno is None


class Saver:
    """The annotation file of the screen, plus the records it has not accepted yet."""

    def __init__(
        self,
        annotations: AnnotationFile,
        reopen: Callable[[], AnnotationFile] | None = None,
    ) -> None:
        self.annotations = annotations
        """The file saves go to; a new object after a reopen."""
        self.original = annotations
        """The file the caller opened (and closes); any later one is closed by :meth:`close`."""
        self._reopen = reopen
        self.pending: dict[str, AnnotationRecord] = {}
        """Records not on disk yet, the newest per document, oldest edit first."""
        self._deltas: dict[str, RecordDelta | None] = {}
        """For each pending record, the patch from the version on disk (None: write it whole)."""
        self.error: AnnotatorError | OSError | None = None
        """Why the last attempt failed; None once everything is saved."""
        self.failures = 0
        """Failed attempts since the last success (the banner says how often it tried)."""

    @property
    def ok(self) -> bool:
        return not self.pending

    @property
    def reason(self) -> str:
        return short_reason(self.error) if self.error is not None else ""

    def save(self, record: AnnotationRecord, delta: RecordDelta | None = None) -> bool:
        """Queue ``record`` after the older unsaved ones and try to write them all.

        ``delta``: what changed since the record last handed here (None: unknown). It is used
        only while every earlier save of the document reached the disk; otherwise the edit it
        follows is not on disk, and the record is written whole."""
        doc_id = record.doc_id
        if doc_id in self.pending:
            delta = None
        self.pending.pop(doc_id, None)
        self.pending[doc_id] = record
        self._deltas[doc_id] = delta
        return self.flush()

    def flush(self) -> bool:
        """Write what is pending, oldest first; True when nothing is left in memory only."""
        while self.pending:
            doc_id, record = next(iter(self.pending.items()))
            try:
                self._write(record, self._deltas.get(doc_id))
            except (OSError, AnnotatorError) as error:
                self._deltas[doc_id] = None  # the next attempt writes the record whole
                if self.pending.get(doc_id) is record:
                    self.pending[doc_id] = _snapshot(record)
                self.error = error
                self.failures += 1
                return False
            if self.pending.get(doc_id) is record:
                del self.pending[doc_id]
                self._deltas.pop(doc_id, None)
        self.error = None
        self.failures = 0
        return True

    def _write(self, record: AnnotationRecord, delta: RecordDelta | None) -> None:
        if self._must_reopen:
            self._reopen_file()
            delta = None  # another file now: its version of the record is not ours
        try:
            self.annotations.save(record, delta)
        except (OSError, AnnotatorError) as error:
            if not _needs_reopen(error) or self._reopen is None:
                raise
            self._must_reopen = True
            self._reopen_file()
            self.annotations.save(record)

    _must_reopen = False
    """The file we hold was replaced and closed; open the one now at the path before writing."""

    def _reopen_file(self) -> None:
        assert self._reopen is not None
        self.annotations.close()  # releases the lock so that this process can take it again
        self.annotations = self._reopen()  # raises (and we try again later) if it cannot
        self._must_reopen = False

    # -- reading with the pending records on top -------------------------------------------

    def get(self, doc_id: str) -> AnnotationRecord | None:
        """The record to edit: the unsaved one if there is one, else the file's."""
        record = self.pending.get(doc_id)
        return record if record is not None else self.annotations.get(doc_id)

    def status(self, doc_id: str) -> Status | None:
        record = self.pending.get(doc_id)
        return record.status if record is not None else self.annotations.status(doc_id)

    def statuses(self, doc_ids: Sequence[str]) -> list[Status | None]:
        """:meth:`status` of each document (one pass: the document list of a big corpus)."""
        by_id = self.annotations.entries.statuses()
        by_id.update((doc_id, record.status) for doc_id, record in self.pending.items())
        return list(map(by_id.get, doc_ids))

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.pending or doc_id in self.annotations

    def describe_pending(self) -> str:
        """What quitting now would lose, in one sentence."""
        parts = []
        for doc_id, record in self.pending.items():
            on_disk: AnnotationRecord | None
            try:
                on_disk = self.annotations.get(doc_id)
            except AnnotatorError:
                on_disk = None
            parts.append(f"{doc_id}: {_difference(record, on_disk)}")
        return "; ".join(parts)

    def close(self) -> None:
        """Close a file this object reopened (the caller closes the one it passed in)."""
        if self.annotations is not self.original:
            self.annotations.close()


def _snapshot(record: AnnotationRecord) -> AnnotationRecord:
    """``record`` with lists of its own: a record kept for a retry must not follow later edits
    of the session that made it (which may share its span list, see ``EditingSession``)."""
    update: dict[str, object] = {"spans": list(record.spans), "relations": list(record.relations)}
    if record.provenance is not None:
        update["provenance"] = dict(record.provenance)
    if record.rejected is not None:
        update["rejected"] = list(record.rejected)
    return record.model_copy(update=update)


def _difference(record: AnnotationRecord, on_disk: AnnotationRecord | None) -> str:
    spans = len(record.spans)
    links = len(record.relations)
    if on_disk is None:
        return f"{spans} span(s), {links} link(s), status {record.status.value} (never saved)"
    if (on_disk.spans, on_disk.relations, on_disk.status, on_disk.note) == (
        record.spans,
        record.relations,
        record.status,
        record.note,
    ):
        return "only the cursor position and time spent"
    return (
        f"{spans} span(s), {links} link(s), status {record.status.value} "
        f"(the file has {len(on_disk.spans)} span(s), {len(on_disk.relations)} link(s), "
        f"status {on_disk.status.value})"
    )
