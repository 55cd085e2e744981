"""An on-disk cache of file indexes (where each line starts, its id...), so reopening a large
project does not parse every line again.

A cached index is used only while the file's size, modification and change times (ns), inode
and device are exactly those recorded when the index was built; any change to the file makes it
stale and the file is scanned again. File times come from a coarse clock, so a file modified in
the last :data:`RACY_SECONDS` could be changed again within the same tick without its times
moving ("racy git" problem): for such a file the stamp also holds a hash of its first and last
64 KB and of 4 KB samples spread over the rest, which the next open reads again and compares
before it trusts the index (this is what lets the store keep the index of the annotator's own
file, written just before closing). Only files that scanned without a problem are cached, so
every error message is still produced by a real scan. The cache lives in the project's
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
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeAlias

import orjson

CACHE_DIR_NAME = ".annotator-cache"
FORMAT_VERSION = 4
RACY_SECONDS = 2
"""A file modified more recently than this gets a content check in its stamp (see
:func:`file_stamp`): more than any file system's timestamp granularity (FAT: 2 s)."""

Stamp = tuple[int, int, int, int, int, int]
"""``(size, mtime_ns, inode, device, ctime_ns, content check)``; the check is 0 for a file
whose times are older than :data:`RACY_SECONDS` (any later change moves them)."""

_EDGE = 1 << 16
"""Bytes hashed at each end of a recently modified file."""
_SAMPLES = 32
_SAMPLE = 1 << 12


def file_stamp(path: Path, descriptor: int | None = None) -> Stamp | None:
    """What identifies one version of a file; None when it cannot be read.

    Taken before a file is read for indexing (or, by a writer, after its final fsync), so the
    index describes the content the stamp vouches for. With ``descriptor`` (the file already
    open for the reading to come) the stamp is that of the open file, not of whatever the path
    names by then: a file replaced by rename may get the inode number of the one it replaced.
    """
    try:
        info = os.stat(path) if descriptor is None else os.fstat(descriptor)
    except OSError:
        return None
    check = 0
    if _racy(info.st_mtime_ns, info.st_ctime_ns):
        found = content_check(path, info.st_size, descriptor)
        if found is None:
            return None
        check = found
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev, info.st_ctime_ns, check)


def _racy(mtime_ns: int, ctime_ns: int) -> bool:
    return time.time_ns() - max(mtime_ns, ctime_ns) < RACY_SECONDS * 1_000_000_000


def content_check(path: Path, size: int, descriptor: int | None = None) -> int | None:
    """A hash of the first and last 64 KB of ``path`` and of 4 KB samples spread between them
    (all of a file up to ~260 KB), never 0; None when it cannot be read. A handful of reads,
    whatever the size. Appending, truncating, or rewriting a record at either end or at any
    sample changes it."""
    digest = hashlib.blake2b(size.to_bytes(8, "little"), digest_size=8)
    try:
        if descriptor is not None:
            _hash_parts(digest, descriptor, size)
        else:
            with open(path, "rb", buffering=0) as handle:
                _hash_parts(digest, handle.fileno(), size)
    except OSError:
        return None
    return int.from_bytes(digest.digest(), "little") >> 1 or 1  # fits a signed 64-bit int


def _hash_parts(digest: hashlib.blake2b, descriptor: int, size: int) -> None:
    if size <= 2 * _EDGE + _SAMPLES * _SAMPLE:
        digest.update(os.pread(descriptor, size, 0))
    else:
        digest.update(os.pread(descriptor, _EDGE, 0))
        middle = size - 2 * _EDGE - _SAMPLE
        for index in range(_SAMPLES):
            offset = _EDGE + middle * index // (_SAMPLES - 1)
            digest.update(os.pread(descriptor, _SAMPLE, offset))
        digest.update(os.pread(descriptor, _EDGE, size - _EDGE))


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
        self,
        kind: str,
        path: Path,
        stamp: Stamp | None,
        descriptor: int | None = None,
        *,
        convert: Mapping[str, Callable[[bytes], Column | None]] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Column]] | None:
        """``(metadata, columns)`` stored for this exact version of ``path``, else None.

        A column named in ``convert`` is given as what its function makes of its stored bytes
        (None: the cache is not used), as soon as it is read: a reader that needs something
        else than the column (the hashes of a list of ids, see :func:`json_pieces`) never holds
        it whole. The file is read column by column, never whole."""
        if stamp is None:
            return None
        try:
            with self._slot(kind, path).open("rb") as handle:
                if handle.read(len(_MAGIC)) != _MAGIC:
                    return None
                size = int.from_bytes(handle.read(8), "little")
                header = orjson.loads(handle.read(size))
                if (
                    not isinstance(header, dict)
                    or header.get("version") != FORMAT_VERSION
                    or header.get("byteorder") != sys.byteorder
                    or header.get("path") != os.path.abspath(path)
                    or not _same_version(path, tuple(header.get("stamp") or ()), stamp, descriptor)
                ):
                    return None
                body = len(_MAGIC) + 8 + size
                columns: dict[str, Column] = {}
                for name, code, offset, length in header["columns"]:
                    handle.seek(body + offset)
                    if code != "json" and (convert is None or name not in convert):
                        # straight into the array: no bytes copy of the column on the way
                        numbers = array(code)
                        count, rest = divmod(length, numbers.itemsize)
                        if rest:
                            return None
                        numbers.fromfile(handle, count)
                        columns[name] = numbers
                        continue
                    chunk = handle.read(length)
                    if len(chunk) != length:
                        return None
                    if convert is not None and name in convert:
                        converted = convert[name](chunk)
                        if converted is None:
                            return None
                        columns[name] = converted
                    else:
                        value = orjson.loads(chunk)
                        if not isinstance(value, list):
                            return None
                        columns[name] = value
                    del chunk
            meta = header["meta"]
            return (meta, columns) if isinstance(meta, dict) else None
        except (OSError, EOFError, ValueError, TypeError, KeyError):  # JSONDecodeError: ValueError
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
        was read, or after a writer's final fsync) describes. Failures are ignored: the cache is
        only a shortcut."""
        if stamp is None:
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


PIECE_BYTES = 1 << 16


def json_strings(data: bytes) -> bool:
    """Whether ``data`` may be a JSON list of strings as orjson writes it (each piece of it is
    checked when parsed)."""
    return data == b"[]" or (data.startswith(b'["') and data.endswith(b'"]'))


def json_pieces(data: bytes, size: int = PIECE_BYTES) -> Iterator[bytes]:
    """The JSON list of strings ``data`` (see :func:`json_strings`) cut into JSON lists of
    consecutive items, each about ``size`` bytes, made one at a time. A cut falls only at a
    ``","`` whose first quote ends a string (an even number of backslashes before it): inside a
    string every quote is escaped."""
    if data == b"[]":
        return
    start = 1  # the opening quote of the piece's first string
    end = len(data) - 1  # the closing bracket
    search = start + size
    while search < end:
        cut = data.find(b'","', search, end)
        if cut < 0:
            break
        backslashes = 0
        while data[cut - 1 - backslashes] == 0x5C:  # a backslash
            backslashes += 1
        if backslashes % 2:
            search = cut + 1  # an escaped quote inside a string
            continue
        yield b"[" + data[start : cut + 1] + b"]"
        start = cut + 2
        search = start + size
    yield b"[" + data[start:end] + b"]"


def _same_version(
    path: Path, stored: tuple[Any, ...], current: Stamp, descriptor: int | None = None
) -> bool:
    """Whether the cached ``stored`` stamp describes the file that ``current`` (just taken)
    describes. Equal times and sizes are not enough when the file was fresh at caching time:
    its content check is then read again from the file."""
    if len(stored) != len(current) or stored[:5] != current[:5]:
        return False
    expected = stored[5]
    if not expected:
        return True
    found = current[5] or content_check(path, current[0], descriptor)
    return bool(found == expected)
