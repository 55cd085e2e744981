"""Reading JSONL files line by line with byte offsets, and the crash-safe ways of writing them."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from annotator.model.errors import AnnotatorError


@dataclass(frozen=True, slots=True)
class RawLine:
    """One non-blank line of a JSONL file."""

    number: int
    """1-based line number."""
    offset: int
    """Byte offset of the line's first byte."""
    data: bytes
    """The line without its newline."""
    terminated: bool
    """False for a final line with no newline: possibly torn by a crash."""


def iter_raw_lines(path: Path, data: bytes | None = None) -> Iterator[RawLine]:
    """Every non-blank line of ``path`` (or of ``data`` read from it)."""
    if data is None:
        data = path.read_bytes()
    # A UTF-8 BOM at the start of the file is not part of the first line.
    position = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    number = 0
    size = len(data)
    while position < size:
        number += 1
        newline = data.find(b"\n", position)
        terminated = newline != -1
        end = newline if terminated else size
        line = data[position:end]
        if line.endswith(b"\r"):
            line = line[:-1]
        if line.strip():
            yield RawLine(number, position, line, terminated)
        position = end + 1


@dataclass(frozen=True, slots=True)
class LineBlock:
    """Consecutive whole lines of a JSONL file, read in one go (:meth:`RawLineStream.blocks`)."""

    data: bytes
    """What was read: the lines, then possibly the start of a line of the next block."""
    offset: int
    """Byte offset of ``data[0]`` in the file."""
    number: int
    """1-based line number of the first line."""
    end: int
    """Where the block's lines end in :attr:`data`: after a newline, or at the end of the file
    (after the file's final line, which has no newline)."""
    ends: list[int]
    """The position in :attr:`data` of each newline before :attr:`end`."""

    def lines(self) -> Iterator[RawLine]:
        """Every non-blank line of the block, as :class:`RawLineStream` gives it."""
        data, base, number = self.data, self.offset, self.number
        position = 0
        for newline in self.ends:
            line = data[position:newline]
            if line.endswith(b"\r"):
                line = line[:-1]
            if line.strip():
                yield RawLine(number, base + position, line, True)
            number += 1
            position = newline + 1
        if position < self.end:
            line = data[position : self.end]
            if line.endswith(b"\r"):
                line = line[:-1]
            if line.strip():
                yield RawLine(number, base + position, line, False)

    def view(self) -> bytes | memoryview:
        """The bytes of the block's lines (no copy)."""
        data = self.data
        return data if self.end == len(data) else memoryview(data)[: self.end]


def _newlines(data: bytes) -> list[int]:
    """The position of each newline in ``data`` (a C search per line)."""
    ends: list[int] = []
    append, find = ends.append, data.find
    newline = find(b"\n")
    while newline != -1:
        append(newline)
        newline = find(b"\n", newline + 1)
    return ends


class RawLineStream:
    """Like :func:`iter_raw_lines`, reading the file as it goes (memory stays flat).

    Iterating raises ``OSError`` when the file cannot be opened or read; afterwards
    :attr:`size` is the number of bytes read.
    """

    BLOCK_SIZE = 1 << 19
    """Bytes read at a time (a longer line is read whole). Half a megabyte: blocks of several
    megabytes cost more in a fresh process (each one new memory for the allocator to map and
    fault in), smaller ones more calls."""

    def __init__(self, path: Path, descriptor: int | None = None) -> None:
        self.path = path
        self.descriptor = descriptor
        """Read this open file (from its start, left open) rather than open ``path``."""
        self.size = 0

    def __iter__(self) -> Iterator[RawLine]:
        for block in self.blocks():
            yield from block.lines()

    def blocks(self) -> Iterator[LineBlock]:
        """The file as blocks of whole lines, read with a few large reads (no copy made of
        what was read): what :meth:`__iter__` gives, for a reader that can take many lines in
        one call."""
        descriptor = self.descriptor
        if descriptor is None:
            descriptor = os.open(self.path, os.O_RDONLY)
        try:
            # Read only what the file held when opened: a writer appending meanwhile must not
            # make the rest of a line it is writing look like a line of its own.
            limit = os.fstat(descriptor).st_size
            start = 0
            number = 1
            size = self.BLOCK_SIZE
            while start < limit:
                wanted = min(size, limit - start)
                data = os.pread(descriptor, wanted, start)
                if not data:
                    break  # the file shrank
                if start == 0 and data.startswith(b"\xef\xbb\xbf"):
                    # A UTF-8 BOM at the start of the file is not part of the first line.
                    start = self.size = 3
                    continue
                ends = _newlines(data)
                if len(data) == wanted < limit - start:
                    if not ends:
                        size *= 2  # a line longer than a block: read it whole
                        continue
                    end = ends[-1] + 1
                else:
                    end = len(data)  # the end of the file: its final line may have no newline
                yield LineBlock(data, start, number, end, ends)
                start += end
                number += len(ends)
                self.size = start
                if end == len(data) and len(data) < wanted:
                    break  # the file shrank
        finally:
            if self.descriptor is None:
                os.close(descriptor)


def decode_utf8(data: bytes, *, file: Path | str, line: int | None) -> str:
    """Strict UTF-8 decoding with an error that names the byte offset of the bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise AnnotatorError(
            f"invalid UTF-8 at byte {error.start} of the line"
            if line is not None
            else f"invalid UTF-8 at byte offset {error.start}",
            file=file,
            line=line,
        ) from None


def parse_json_object(raw: RawLine, *, file: Path | str) -> dict[str, object]:
    """The line as a JSON object, or an error naming file and line."""
    try:
        value = orjson.loads(raw.data)
    except orjson.JSONDecodeError as error:
        try:
            raw.data.decode("utf-8")
        except UnicodeDecodeError as decode_error:
            raise AnnotatorError(
                f"invalid UTF-8 at byte {decode_error.start} of the line",
                file=file,
                line=raw.number,
            ) from None
        reason = str(error).split(":", 1)[0]
        if not raw.terminated:
            reason += " (the final line is incomplete: torn by a crash?)"
        raise AnnotatorError(f"not valid JSON: {reason}", file=file, line=raw.number) from None
    except RecursionError:
        raise AnnotatorError("JSON nested too deeply", file=file, line=raw.number) from None
    if not isinstance(value, dict):
        raise AnnotatorError(
            f"expected a JSON object, found {type(value).__name__}", file=file, line=raw.number
        )
    return value


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, chunks: Iterable[bytes]) -> None:
    """Write a whole file so that a crash leaves either the old file or the new one.

    Writes a temporary file in the same folder, fsyncs it, renames it over ``path`` and fsyncs
    the folder. A ``path`` that is a symbolic link (an annotation file kept in a synced or shared
    folder) is written through: its target is replaced, the link stays.
    """
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            if path.exists():
                os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(directory)
