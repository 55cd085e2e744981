"""An exclusive, advisory lock on an annotator's file, naming the holder's pid when refused."""

from __future__ import annotations

import contextlib
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
    """

    def __init__(self, path: Path, guarded: Path) -> None:
        self.path = path
        self.guarded = guarded
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = ""
                with contextlib.suppress(OSError, ValueError):
                    holder = os.pread(fd, 32, 0).decode().strip()
                os.close(fd)
                who = f"process {holder}" if holder else "another process"
                raise AnnotatorError(
                    f"already open for writing by {who}; close that session first "
                    "(one writer per annotator at a time)",
                    file=self.guarded,
                ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
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
