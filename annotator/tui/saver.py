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

A file replaced, emptied, cut short or removed by another program (a backup restored, a sync
client, ``git checkout``, an accidental ``rm``) may lack edits the screen already called saved.
So the saver keeps the latest record of every document it saved in this session
(:attr:`Saver.saved`), and on reopening compares each with the new file's: a record the new file
lacks, or has in another version that is not newer (its ``updated_at``), is written again; a newer
one (another machine's, say) is kept. What happened is put in :attr:`Saver.notices`, which the
screen shows until the session ends.

No Textual here: the screen owns the timer and the drawing, this owns the bookkeeping.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from annotator.model.delta import RecordDelta
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Status
from annotator.store.annotations import AnnotationFile, StoreWriteError, encode_record

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
        ("lost its lock", "another session is writing this file"),
        ("already open for writing", "another session is writing this file"),
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
        self.saved: dict[str, AnnotationRecord] = {}
        """The latest record of each document saved in this session (on disk when it was
        saved): written again to a file replaced or emptied under us that lacks it."""
        self.notices: list[str] = []
        """What another program did to the file and what was written to it again, oldest first
        (the screen shows them until the session ends)."""
        self.kept_theirs: set[str] = set()
        """Documents whose record in a file replaced under us was newer than the one saved
        here, and was kept: the screen must read them again rather than edit its older copy."""

    @property
    def ok(self) -> bool:
        return not self.pending and not self._must_reopen

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
        if self._must_reopen and not self.pending:
            try:
                self._reopen_file(self._cause)  # queues what this session saved and it lacks
            except (OSError, AnnotatorError) as error:
                self.error = error
                self.failures += 1
                return False
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
            self.saved[doc_id] = record
            if self.pending.get(doc_id) is record:
                del self.pending[doc_id]
                self._deltas.pop(doc_id, None)
        self.error = None
        self.failures = 0
        return True

    def _write(self, record: AnnotationRecord, delta: RecordDelta | None) -> None:
        if self._must_reopen:
            self._reopen_file(self._cause)
            delta = None  # another file now: its version of the record is not ours
        try:
            self.annotations.save(record, delta)
        except (OSError, AnnotatorError) as error:
            if not _needs_reopen(error) or self._reopen is None:
                raise
            self._must_reopen = True
            self._cause = str(error)
            self._reopen_file(self._cause)
            self.annotations.save(record)

    _must_reopen = False
    """The file we hold was replaced and closed; open the one now at the path before writing."""
    _cause = ""
    """Why the file had to be reopened (the store's message), for the notice."""

    def check_file(self) -> bool:
        """Whether the file at the path is still the one saves go to; if another program
        replaced, emptied or removed it, reopen it and write again what this session saved that
        it lacks (see :attr:`notices`). False when that could not be done yet (the records wait
        in :attr:`pending`). Costs two ``stat`` calls when nothing happened (quitting calls it:
        a file replaced after the last save must not be left without that session's work)."""
        if self._reopen is None or not self.annotations.writable:
            return True
        if not self._must_reopen:
            try:
                self.annotations.check_unchanged()
            except (OSError, AnnotatorError) as error:
                if _needs_reopen(error):
                    self._must_reopen = True
                    self._cause = str(error)
                # anything else (a disk error) is met, and reported, by the next save
        return self.flush()

    def _reopen_file(self, cause: str) -> None:
        assert self._reopen is not None
        self.annotations.close()  # releases the lock so that this process can take it again
        self.annotations = self._reopen()  # raises (and we try again later) if it cannot
        self._must_reopen = False
        self._restore(cause)

    def _restore(self, cause: str) -> None:
        """Queue again every record saved in this session that the file now at the path lacks
        or has in an older version, and say so in :attr:`notices`."""
        restored: list[str] = []
        kept: list[str] = []
        superseded: list[str] = []
        overwritten: list[str] = []
        unsaved = [doc_id for doc_id in self.pending if doc_id not in self.saved]
        for doc_id in [*self.saved, *unsaved]:
            edited = doc_id in self.pending  # its latest edit is written in any case
            mine = self.saved.get(doc_id)
            theirs: AnnotationRecord | None
            try:
                theirs = self.annotations.get(doc_id)
            except AnnotatorError:
                theirs = None  # unreadable there: ours (last line wins) is the readable one
                overwritten.append(doc_id)
            if theirs is None and mine is None:
                continue  # a document new in this session, saved for the first time
            if theirs is not None:
                if mine is not None and _same_version(theirs, mine, edited):
                    continue
                newer = mine is not None and _later(theirs.updated_at, mine.updated_at)
                if newer and not edited:
                    kept.append(doc_id)
                    self.kept_theirs.add(doc_id)
                    continue
                overwritten.append(doc_id)
                if newer:
                    superseded.append(doc_id)  # the edit just made goes on top of it
            restored.append(doc_id)
            if not edited:
                assert mine is not None
                self.pending[doc_id] = mine
                self._deltas[doc_id] = None
        side = None
        if overwritten or superseded:
            side = _keep_copy(self.annotations.path)  # their versions stay readable
        self.notices.append(
            _reopen_notice(
                self.annotations, cause, restored, kept, superseded, len(self.saved), side
            )
        )

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
        if self._must_reopen and self.saved:
            parts.append(
                f"the file was {_what_happened(self._cause).removeprefix('was ')} and could not "
                f"be reopened: it may lack the {len(self.saved)} record(s) you saved in this "
                "session"
            )
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


def _same_version(theirs: AnnotationRecord, mine: AnnotationRecord, edited: bool) -> bool:
    """Whether ``theirs`` (read from the file) is the record ``mine`` saved. ``edited``: an
    edit of the document is pending, and ``mine`` may share its span list with the session,
    which that edit changed: only its own fields (made anew for each save) are compared."""
    if edited:
        fields = ("updated_at", "cursor", "seconds_spent", "status", "note", "text_sha256")
        return all(getattr(theirs, name) == getattr(mine, name) for name in fields)
    return encode_record(theirs) == encode_record(mine)


def _keep_copy(path: Path) -> Path | None:
    """Copy ``path`` to ``<name>.before-restore-<time>`` beside it (never over an earlier
    copy) before records of this session are written over versions it holds; None if the copy
    could not be made (the restore goes on: the superseded lines stay in the file until it is
    compacted)."""
    stem = f"{path.name}.before-restore-{int(time.time())}"
    side = path.with_name(stem)
    number = 1
    while side.exists():
        number += 1
        side = path.with_name(f"{stem}-{number}")
    try:
        shutil.copyfile(path, side)
        with side.open("rb") as handle:
            os.fsync(handle.fileno())
    except OSError:
        return None
    return side


def _later(first: str, second: str) -> bool:
    """Whether ISO time ``first`` is after ``second`` (False when either cannot be read)."""
    try:
        times = [datetime.fromisoformat(value.replace("Z", "+00:00")) for value in (first, second)]
    except ValueError:
        return False
    one, two = (t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc) for t in times)
    return one > two


_SIZES = re.compile(r"size (\d+), expected (\d+)")


def _what_happened(cause: str) -> str:
    """What another program did to the file, from the store's message."""
    if "removed by another program" in cause:
        return "was removed by another program"
    if "lost its lock" in cause:
        return (
            "was written to by another session of this annotator (its lock file had been "
            "removed), and this one waited for it to close"
        )
    sizes = _SIZES.search(cause)
    if sizes is not None:
        now, expected = int(sizes.group(1)), int(sizes.group(2))
        if now == 0:
            return "was emptied by another program"
        if now < expected:
            return "was cut short by another program"
        return "was written to by another program"
    return "was replaced by another program"


def _listed(doc_ids: list[str], most: int = 5) -> str:
    names = ", ".join(doc_ids[:most])
    return names if len(doc_ids) <= most else f"{names} and {len(doc_ids) - most} more"


def _reopen_notice(
    annotations: AnnotationFile,
    cause: str,
    restored: list[str],
    kept: list[str],
    superseded: list[str],
    saved: int,
    side: Path | None,
) -> str:
    """One paragraph for the annotator: the file, what happened, what was written again."""
    path = annotations.path
    parts = [f"{path.parent.name}/{path.name} {_what_happened(cause)}; the program reopened it."]
    if restored:
        parts.append(
            f"The {len(restored)} record(s) you saved in this session that it lacked or had in "
            f"another version were written to it again (the latest of each): "
            f"{_listed(restored)}."
        )
    elif saved:
        parts.append("It already had every record you saved in this session.")
    if kept:
        parts.append(
            f"{len(kept)} record(s) in it are newer than the ones you saved and were kept: "
            f"{_listed(kept)}."
        )
    if superseded:
        parts.append(
            f"It had a version of {_listed(superseded)} newer than the one you saved; your "
            "latest edit was saved over it."
        )
    if side is not None:
        parts.append(f"A copy of it as it was found is kept in {side.parent.name}/{side.name}.")
    parts.append(
        "Records you did not save in this session are as that file has them (restore them "
        "from a backup if this was an accident)."
    )
    return " ".join(parts)
