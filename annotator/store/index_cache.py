"""An on-disk cache of file indexes (where each line starts, its id...), so reopening a large
project does not parse every line again.

A cached index is used only while the file's size, modification time (ns), inode and device
are exactly those recorded when the index was built; any change to the file makes it stale and
the file is scanned again. Only files that scanned without a problem are cached, so every error
message is still produced by a real scan. The cache lives in the project's
``.annotator-cache/`` folder; if it cannot be written (read-only project), nothing is cached
and everything works as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any, TypeAlias

import orjson

CACHE_DIR_NAME = ".annotator-cache"
FORMAT_VERSION = 3
RACY_SECONDS = 2
"""Files modified more recently than this are not cached (see :meth:`IndexCache.store`)."""

Stamp = tuple[int, int, int, int]


def file_stamp(path: Path) -> Stamp | None:
    """What identifies one version of a file; None when it cannot be read."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


Column: TypeAlias = "array[int] | list[Any]"
"""Integers as an :class:`array.array` (stored as raw bytes), anything else as a JSON list."""

_MAGIC = b"annotator-index\n"


class IndexCache:
    """Index columns stored per file and per kind of index.

    The file format is a magic line, the length of a JSON header, the header (format version,
    path, stamp, metadata, column table) and the columns: raw machine integers for arrays (no
    Python object per number while loading), JSON for lists of strings.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _slot(self, kind: str, path: Path) -> Path:
        key = hashlib.sha1(os.path.abspath(path).encode("utf-8", "surrogatepass")).hexdigest()
        return self.directory / f"{kind}-{key[:20]}.idx"

    def load(
        self, kind: str, path: Path, stamp: Stamp | None
    ) -> tuple[dict[str, Any], dict[str, Column]] | None:
        """``(metadata, columns)`` stored for this exact version of ``path``, else None."""
        if stamp is None:
            return None
        try:
            data = self._slot(kind, path).read_bytes()
            if not data.startswith(_MAGIC):
                return None
            start = len(_MAGIC) + 8
            size = int.from_bytes(data[len(_MAGIC) : start], "little")
            header = orjson.loads(data[start : start + size])
            if (
                not isinstance(header, dict)
                or header.get("version") != FORMAT_VERSION
                or header.get("byteorder") != sys.byteorder
                or header.get("path") != os.path.abspath(path)
                or tuple(header.get("stamp") or ()) != stamp
            ):
                return None
            body = memoryview(data)[start + size :]
            columns: dict[str, Column] = {}
            for name, code, offset, length in header["columns"]:
                chunk = body[offset : offset + length]
                if len(chunk) != length:
                    return None
                if code == "json":
                    value = orjson.loads(chunk)
                    if not isinstance(value, list):
                        return None
                    columns[name] = value
                else:
                    numbers = array(code)
                    numbers.frombytes(chunk)
                    columns[name] = numbers
            meta = header["meta"]
            return (meta, columns) if isinstance(meta, dict) else None
        except (OSError, ValueError, TypeError, KeyError):  # JSONDecodeError is a ValueError
            return None

    def store(
        self,
        kind: str,
        path: Path,
        stamp: Stamp | None,
        meta: dict[str, Any],
        columns: dict[str, Column],
    ) -> None:
        """Remember the index of the version of ``path`` that ``stamp`` (taken before the file
        was read) describes. Failures are ignored: the cache is only a shortcut.

        A file modified within the last :data:`RACY_SECONDS` is not cached: file times have a
        coarse clock, so a file rewritten in the same tick with the same size (and a recycled
        inode, as an atomic replace often gets) would look unchanged ("racy git" problem).
        """
        if stamp is None or time.time_ns() - stamp[1] < RACY_SECONDS * 1_000_000_000:
            return
        with contextlib.suppress(OSError, TypeError, ValueError):
            table = []
            chunks = []
            offset = 0
            for name, column in columns.items():
                code: str
                if isinstance(column, array):
                    code, chunk = column.typecode, column.tobytes()
                else:
                    code, chunk = "json", orjson.dumps(column)
                table.append([name, code, offset, len(chunk)])
                chunks.append(chunk)
                offset += len(chunk)
            header = orjson.dumps(
                {
                    "version": FORMAT_VERSION,
                    "byteorder": sys.byteorder,
                    "path": os.path.abspath(path),
                    "stamp": list(stamp),
                    "meta": meta,
                    "columns": table,
                }
            )
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# index cache of `annotator`; safe to delete\n*\n")
            target = self._slot(kind, path)
            fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(_MAGIC + len(header).to_bytes(8, "little") + header)
                    for chunk in chunks:
                        handle.write(chunk)
                os.chmod(temporary, 0o644)
                os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
