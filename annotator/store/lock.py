"""An exclusive, advisory lock on an annotator's file, naming the holder's pid when refused."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from types import TracebackType

from annotator.model.errors import AnnotatorError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class FileLock:
    """Held while a process writes one annotator's file; released on close or process death.

    Uses ``flock`` on a ``.lock`` file beside the data; the kernel drops the lock when the
    process dies, so a ``kill -9`` never leaves a stale lock behind. The lock file holds the
    holder's pid for the refusal message.

    An ``flock`` belongs to the lock file's inode, not to its name: if another program deletes
    the lock file (a "cleanup" of the 0-byte dot file, ``git clean``, a sync tool), the next
    process creates a new file at the path and locks it without conflict. So taking the lock
    checks, after ``flock`` succeeds, that the locked file is still the one at the path (else it
    tries again), and the writer calls :meth:`confirm` before each write: a lock that is no
    longer the one at the path is taken again if nobody else has, and refused if someone has.
    """

    ATTEMPTS = 20
    """Times :meth:`acquire` tries when the lock file keeps being removed under it."""

    def __init__(self, path: Path, guarded: Path) -> None:
        self.path = path
        self.guarded = guarded
        self._fd: int | None = None
        self.retaken = 0
        """Times the lock file was found removed or replaced and the lock taken again."""
        self.holder = "another process"
        """Who holds the lock, as the last refusal found it ("process 1234")."""
        self._lost = False
        """The lock file was removed or replaced while held, and not taken again yet."""

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(self.ATTEMPTS):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                    raise  # a folder not writable: said of the annotation file, as any write
                raise AnnotatorError(  # something in the lock file's way: named as itself
                    f"cannot open the lock file of {self.guarded.name}: {error.strerror or error}",
                    file=self.path,
                ) from None
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    holder = ""
                    with contextlib.suppress(OSError, ValueError):
                        holder = os.pread(fd, 32, 0).decode().strip()
                    os.close(fd)
                    who = f"process {holder}" if holder else "another process"
                    self.holder = who
                    raise AnnotatorError(
                        f"already open for writing by {who}; close that session first "
                        "(one writer per annotator at a time)",
                        file=self.guarded,
                    ) from None
            if self._at_path(fd):
                break
            os.close(fd)  # removed or replaced between open and flock: that lock guards nothing
        else:
            raise AnnotatorError(
                f"cannot take the lock: {self.path.name} keeps being removed or replaced by "
                "another program",
                file=self.guarded,
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def _at_path(self, fd: int) -> bool:
        """Whether the open file ``fd`` is the file now at :attr:`path`."""
        try:
            on_disk = os.stat(self.path)
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)

    def confirm(self) -> None:
        """Make sure the lock held is still the one at the path (one ``stat`` and one
        ``fstat``), before a write. If another program removed or replaced the lock file, take
        the lock again (nobody else holds the file now at the path: no other writer came in);
        if another process holds it, raise :class:`AnnotatorError` saying so, now and at every
        later call until the lock is taken again: this writer must not write any more (the
        other one may be writing)."""
        if fcntl is None:
            return
        if self._fd is not None:
            if self._at_path(self._fd):
                return
            os.close(self._fd)
            self._fd = None
            self._lost = True
        if not self._lost:
            return  # not taken, or released: nothing to confirm
        try:
            self.acquire()
        except AnnotatorError:
            raise AnnotatorError(
                f"lost its lock: {self.path.name} was removed or replaced by another program "
                f"and {self.holder} holds the new one (another session of this annotator?); "
                "nothing was written",
                file=self.guarded,
            ) from None
        self._lost = False
        self.retaken += 1

    def release(self) -> None:
        self._lost = False
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
