"""The project's documents: an index of ids and where each text lives, texts loaded on demand."""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, repeat
from operator import sub
from pathlib import Path
from typing import BinaryIO, NamedTuple, overload

import orjson

from annotator.model.errors import AnnotatorError
from annotator.model.records import Document, checked_document
from annotator.model.text import normalize_text
from annotator.store.index_cache import Column, IndexCache, Stamp, file_stamp
from annotator.store.jsonl import (
    LineBlock,
    RawLine,
    RawLineStream,
    decode_utf8,
    parse_json_object,
)
from annotator.store.scan import document_heads

DOCUMENT_SUFFIXES = (".txt", ".jsonl")


class DocumentEntry(NamedTuple):
    """Where one document lives; the text itself is read when needed.

    A named tuple: made in C, twice as fast as a frozen dataclass, which counts when a caller
    walks 100,000 of them (finding the first document not done, an export)."""

    id: str
    path: Path
    line: int | None
    """1-based line in a ``.jsonl`` file; None for a ``.txt`` file."""
    offset: int
    """Byte offset of the line (0 for ``.txt``)."""
    length: int
    """Byte length of the line (the file size for ``.txt``)."""
    title: str | None


_DOCUMENT_FIELDS = frozenset({"id", "text", "title", "meta"})
"""Fields of a corpus line with a meaning; any other field is kept in ``meta``."""


def _document_from_object(value: dict[str, object], *, file: Path, line: int | None) -> Document:
    doc_id = value.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id:
        raise AnnotatorError("missing or empty string field 'id'", file=file, line=line)
    text = value.get("text")
    if not isinstance(text, str):
        raise AnnotatorError(
            f"document {doc_id!r}: missing string field 'text'", file=file, line=line
        )
    title = value.get("title")
    if title is not None and not isinstance(title, str):
        raise AnnotatorError(f"document {doc_id!r}: 'title' must be a string", file=file, line=line)
    meta = value.get("meta", {})
    if not isinstance(meta, dict):
        raise AnnotatorError(f"document {doc_id!r}: 'meta' must be an object", file=file, line=line)
    if not value.keys() <= _DOCUMENT_FIELDS:
        extra = {key: item for key, item in value.items() if key not in _DOCUMENT_FIELDS}
        meta = {**extra, **meta}
    # checked above field by field: no need to build and run the pydantic validator
    return checked_document(doc_id, normalize_text(text), title, meta)


class Corpus:
    """All documents under a ``documents/`` folder: ``*.txt`` files and ``*.jsonl`` files.

    Opening scans every file once and keeps only ids, titles and byte positions, so a corpus of
    100,000 documents stays small in memory. Problems found while scanning (bad UTF-8, bad JSON,
    missing fields, duplicate ids) are collected in :attr:`problems`; the documents that could be
    read are still available.
    """

    def __init__(self, root: Path, *, cache: IndexCache | None = None, scan: bool = True) -> None:
        self.root = root
        # The index is kept in columns (one machine integer per number, no object per
        # document); :attr:`entries` makes a DocumentEntry when one is asked for.
        self._ids: list[str] = []
        # Titles: one string per file, each entry a (start, end) slice of it (-1 for none);
        # a str object per title would cost three times as much at 100,000 documents.
        self._title_blobs: list[str] = []
        self._title_starts = array("i")
        self._title_ends = array("i")
        self._pending_titles: list[str] = []
        self._pending_length = 0
        self._paths: list[Path] = []
        self._path_of = array("I")
        self._lines = array("I")
        """1-based line, 0 for a ``.txt`` file."""
        self._offsets = array("q")
        self._lengths = array("q")
        self.problems: list[AnnotatorError] = []
        self._by_id: dict[str, int] = {}
        self._cache = cache
        """Where the index of each ``.jsonl`` file is kept between runs (see index_cache)."""
        if scan and root.is_dir():
            self._scan()

    @property
    def entries(self) -> Sequence[DocumentEntry]:
        """Every document's entry, in reading order (a view made on each use: kept as an
        attribute it would tie the corpus in a cycle, freed only by a full collection)."""
        return _Entries(self)

    @classmethod
    def of_file(cls, root: Path, path: Path, *, cache: IndexCache | None = None) -> Corpus:
        """The documents of one file of the corpus under ``root`` (ids as the whole corpus
        gives them), indexed as the whole corpus indexes it: the index of one file at a time,
        for a reader that goes through a corpus front to back (see :class:`CorpusStream`)."""
        corpus = cls(root, cache=cache, scan=False)
        corpus._scan_file(path)
        corpus._flush_titles()
        return corpus

    @classmethod
    def of_columns(cls, root: Path, path: Path, columns: ScanColumns) -> Corpus:
        """The documents of a stretch of one file of the corpus under ``root``, from the
        columns its scan made (:class:`ScanColumns`); a document id met twice in them is in
        :attr:`problems`, as when the file is indexed whole."""
        corpus = cls(root, scan=False)
        corpus._add_cached(path, columns.as_columns())
        return corpus

    def _files(self) -> list[Path]:
        return corpus_files(self.root)

    def entry_at(self, index: int) -> DocumentEntry:
        """The entry of the document at ``index`` in reading order (see :meth:`index_of`)."""
        return self._entry(index)

    def title_at(self, index: int) -> str | None:
        """The title of the document at ``index`` in reading order, without making its entry
        (the document list's first search reads the title of every document)."""
        return self._title(index)

    def _entry(self, index: int) -> DocumentEntry:
        line = self._lines[index]
        return DocumentEntry(
            self._ids[index],
            self._paths[self._path_of[index]],
            line or None,
            self._offsets[index],
            self._lengths[index],
            self._title(index),
        )

    def _title(self, index: int) -> str | None:
        start = self._title_starts[index]
        if start < 0:
            return None
        file = self._path_of[index]
        if file == len(self._paths) - 1:
            self._flush_titles()
        return self._title_blobs[file][start : self._title_ends[index]]

    def _append_titles(self, titles: list[str | None]) -> None:
        """:meth:`_append_title` for each title, with the arithmetic done in C when every
        document has a title (the usual case; a cached index of 100,000 documents)."""
        if None in titles:
            for title in titles:
                self._append_title(title)
            return
        present: list[str] = titles  # type: ignore[assignment]  # no None in it
        bounds = array("i", accumulate(map(len, present), initial=self._pending_length))
        self._title_starts.extend(bounds[:-1])
        self._title_ends.extend(bounds[1:])
        self._pending_titles.extend(present)
        self._pending_length = bounds[-1]

    def _flush_titles(self) -> None:
        if self._pending_titles:
            self._title_blobs[-1] += "".join(self._pending_titles)
            self._pending_titles = []

    def _append_title(self, title: str | None) -> None:
        if title is None:
            self._title_starts.append(-1)
            self._title_ends.append(-1)
            return
        self._title_starts.append(self._pending_length)
        self._pending_titles.append(title)
        self._pending_length += len(title)
        self._title_ends.append(self._pending_length)

    def _path_index(self, path: Path) -> int:
        if not self._paths or self._paths[-1] != path:
            self._flush_titles()
            self._paths.append(path)
            self._title_blobs.append("")
            self._pending_length = 0
        return len(self._paths) - 1

    def _duplicate(self, doc_id: str, path: Path, line: int | None) -> None:
        first = self._entry(self._by_id[doc_id])
        where = f"{first.path}:{first.line}" if first.line else str(first.path)
        self.problems.append(
            AnnotatorError(
                f"duplicate document id {doc_id!r} (first defined at {where})",
                file=path,
                line=line,
            )
        )

    def _add(self, entry: DocumentEntry) -> None:
        if entry.id in self._by_id:
            self._duplicate(entry.id, entry.path, entry.line)
            return
        self._by_id[entry.id] = len(self._ids)
        self._ids.append(entry.id)
        self._path_of.append(self._path_index(entry.path))
        self._append_title(entry.title)
        self._lines.append(entry.line or 0)
        self._offsets.append(entry.offset)
        self._lengths.append(entry.length)

    def _scan(self) -> None:
        for path in self._files():
            self._scan_file(path)
        self._flush_titles()

    def _scan_file(self, path: Path) -> None:
        if path.suffix == ".txt":
            doc_id = path.relative_to(self.root).with_suffix("").as_posix()
            try:
                size = path.stat().st_size
            except OSError as error:
                self.problems.append(AnnotatorError(f"cannot read: {error.strerror}", file=path))
                return
            self._add(DocumentEntry(doc_id, path, None, 0, size, None))
        else:
            self._scan_jsonl(path)

    def _scan_jsonl(self, path: Path) -> None:
        stamp = file_stamp(path)
        if self._cache is not None:
            cached = self._cache.load("corpus", path, stamp)
            if cached is not None and self._add_cached(path, cached[1]):
                return
        problems = len(self.problems)
        try:
            columns = _scan_columns(path)
        except OSError as error:
            self.problems.append(AnnotatorError(f"cannot read: {error.strerror}", file=path))
            return
        if columns is None:
            # A line the quick scan does not vouch for: the line-by-line scan reports it.
            self._scan_lines(path, stamp)
            return
        self._add_cached(path, columns)  # reports duplicate ids one by one, in line order
        if self._cache is not None and len(self.problems) == problems:
            self._cache.store("corpus", path, stamp, {}, columns)

    def _scan_lines(self, path: Path, stamp: Stamp | None) -> None:
        """The careful scan: each line on its own, every problem worded with its line."""
        found: list[DocumentEntry] = []
        problems = len(self.problems)
        try:
            for raw in RawLineStream(path):
                entry = self._entry_of(path, raw)
                if entry is not None:
                    found.append(entry)
                    self._add(entry)
        except OSError as error:
            self.problems.append(AnnotatorError(f"cannot read: {error.strerror}", file=path))
            return
        if self._cache is not None and len(self.problems) == problems:
            # Duplicate ids are found again by _add when the cached index is replayed.
            self._cache.store(
                "corpus",
                path,
                stamp,
                {},
                {
                    "ids": [entry.id for entry in found],
                    "titles": [entry.title for entry in found],
                    "lines": array("I", [entry.line or 0 for entry in found]),
                    "offsets": array("q", [entry.offset for entry in found]),
                    "lengths": array("q", [entry.length for entry in found]),
                },
            )

    def _entry_of(self, path: Path, raw: RawLine) -> DocumentEntry | None:
        """The index entry of one line, or None after recording its problem."""
        try:
            value = orjson.loads(raw.data)
            if not isinstance(value, dict):
                raise ValueError
        except (ValueError, RecursionError):  # orjson.JSONDecodeError is a ValueError
            try:
                parse_json_object(raw, file=path)
            except AnnotatorError as error:  # the precise message, naming file and line
                self.problems.append(error)
            return None
        try:
            doc_id = value.get("id")
            if isinstance(doc_id, int) and not isinstance(doc_id, bool):
                doc_id = str(doc_id)
            if not isinstance(doc_id, str) or not doc_id:
                raise AnnotatorError(
                    "missing or empty string field 'id'", file=path, line=raw.number
                )
            if not isinstance(value.get("text"), str):
                raise AnnotatorError(
                    f"document {doc_id!r}: missing string field 'text'",
                    file=path,
                    line=raw.number,
                )
            title = value.get("title")
            if title is not None and not isinstance(title, str):
                raise AnnotatorError(
                    f"document {doc_id!r}: 'title' must be a string",
                    file=path,
                    line=raw.number,
                )
        except AnnotatorError as error:
            self.problems.append(error)
            return None
        return DocumentEntry(doc_id, path, raw.number, raw.offset, len(raw.data), title)

    def _add_cached(self, path: Path, columns: dict[str, Column]) -> bool:
        ids, titles = columns.get("ids"), columns.get("titles")
        lines, offsets = columns.get("lines"), columns.get("offsets")
        lengths = columns.get("lengths")
        if not (
            isinstance(ids, list)
            and isinstance(titles, list)
            and isinstance(lines, array)
            and isinstance(offsets, array)
            and isinstance(lengths, array)
            and len(ids) == len(titles) == len(lines) == len(offsets) == len(lengths)
        ):
            return False
        by_id = self._by_id
        if not by_id.keys().isdisjoint(ids) or len(set(ids)) != len(ids):
            # Duplicate ids: take the slow path that reports each one.
            for row, doc_id in enumerate(ids):
                line = lines[row]
                entry = DocumentEntry(
                    doc_id, path, line or None, offsets[row], lengths[row], titles[row]
                )
                self._add(entry)
            return True
        by_id.update(zip(ids, range(len(self._ids), len(self._ids) + len(ids)), strict=True))
        self._ids.extend(ids)
        self._path_of.extend([self._path_index(path)] * len(ids))
        self._append_titles(titles)
        self._flush_titles()
        self._lines.extend(lines)
        self._offsets.extend(offsets)
        self._lengths.extend(lengths)
        return True

    # -- access -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._by_id

    def shared_id(self, doc_id: str) -> str:
        """The corpus's own string object for ``doc_id`` (when known), so that indexes of other
        files can share it instead of keeping a copy per file."""
        index = self._by_id.get(doc_id)
        return doc_id if index is None else self._ids[index]

    def ids(self) -> list[str]:
        return list(self._ids)

    def index_of(self, doc_id: str) -> int:
        """Position of ``doc_id`` in reading order; KeyError if unknown."""
        return self._by_id[doc_id]

    def entry(self, doc_id: str) -> DocumentEntry:
        index = self._by_id.get(doc_id)
        if index is None:
            raise AnnotatorError(f"no document with id {doc_id!r}", file=self.root)
        return self._entry(index)

    def get(self, doc_id: str) -> Document:
        """Read one document; raises :class:`AnnotatorError` naming the file if it cannot."""
        return self.load(self.entry(doc_id))

    def load(self, entry: DocumentEntry) -> Document:
        try:
            with entry.path.open("rb") as handle:
                handle.seek(entry.offset)
                data = handle.read(entry.length)
        except OSError as error:
            raise AnnotatorError(f"cannot read: {error.strerror}", file=entry.path) from None
        return self._decode(entry, data)

    def _decode(self, entry: DocumentEntry, data: bytes) -> Document:
        if entry.line is None:
            text = decode_utf8(data, file=entry.path, line=None)
            return checked_document(entry.id, normalize_text(text))
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise AnnotatorError(
                "changed on disk since the corpus was opened; reopen the project",
                file=entry.path,
                line=entry.line,
            ) from None
        if not isinstance(value, dict):
            raise AnnotatorError("expected a JSON object", file=entry.path, line=entry.line)
        document = _document_from_object(value, file=entry.path, line=entry.line)
        if document.id != entry.id:
            raise AnnotatorError(
                "changed on disk since the corpus was opened; reopen the project",
                file=entry.path,
                line=entry.line,
            )
        return document

    def text(self, doc_id: str) -> str:
        return self.get(doc_id).text

    def reader(self) -> DocumentReader:
        """A reader for many documents in a row (close it, or use it as a context manager)."""
        return DocumentReader(self)

    def __iter__(self) -> Iterator[Document]:
        """Every readable document in order; unreadable ones are in :attr:`problems` already."""
        with self.reader() as reader:
            for entry in self.entries:
                try:
                    document = reader.load(entry)
                except AnnotatorError as error:
                    self.problems.append(error)
                    continue
                yield document


def corpus_files(root: Path) -> list[Path]:
    """The document files under ``root`` in reading order (sorted, hidden ones left out)."""
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.endswith(DOCUMENT_SUFFIXES):
                found.append(Path(directory) / name)
    return found


def problems_error(problems: Sequence[AnnotatorError]) -> AnnotatorError:
    """One error for a corpus with unreadable documents: the first problem, and how many more."""
    more = f" (and {len(problems) - 1} more; see `annotator validate`)" if len(problems) > 1 else ""
    return AnnotatorError(f"{problems[0]}{more}")


def _scan_columns(path: Path) -> dict[str, Column] | None:
    """The index columns of a ``.jsonl`` corpus file in one quick pass, or None as soon as a
    line is anything but a well-formed document (bad UTF-8 or JSON, no id or text...):
    :meth:`Corpus._scan_lines` then reads the file again and words each problem.

    Each line is parsed whole (a problem inside a text must be found now, not when the document
    is opened). The file is read in blocks of whole lines (see :meth:`ScanColumns.add_block`).
    """
    columns = ScanColumns.empty()
    for block in RawLineStream(path).blocks():
        if not columns.add_block(block):
            return None
    return columns.as_columns()


class ScanColumns(NamedTuple):
    """The index columns of the documents of a file (or of a stretch of it) as they are
    scanned: what the index cache keeps for a file."""

    ids: list[str]
    titles: list[str | None]
    lines: array[int]
    offsets: array[int]
    lengths: array[int]

    @classmethod
    def empty(cls) -> ScanColumns:
        return cls([], [], array("I"), array("q"), array("q"))

    def as_columns(self) -> dict[str, Column]:
        return dict(self._asdict())

    def add_block(self, block: LineBlock) -> bool:
        """Add the documents of ``block``; False at a line that is not a well-formed document
        (the columns then hold part of the block).

        The block is decoded in one C call when every line of it is a plain document
        (:func:`document_heads`), else line by line with orjson."""
        heads = document_heads(block)
        if heads is None:
            return _scan_block_lines(block, *self)
        self.ids.extend(heads[0])
        self.titles.extend(heads[1])
        ends = block.ends
        starts = [0]
        starts += map(_ONE.__add__, ends[:-1])
        self.lines.extend(range(block.number, block.number + len(ends)))
        self.offsets.extend(map(block.offset.__add__, starts))
        self.lengths.extend(map(sub, ends, starts))
        return True


_ONE = 1


def _scan_block_lines(
    block: LineBlock,
    ids: list[str],
    titles: list[str | None],
    lines: array[int],
    offsets: array[int],
    lengths: array[int],
) -> bool:
    """:func:`_scan_columns` for one block, line by line; False at a line that is not a
    well-formed document."""
    loads = orjson.loads
    for raw in block.lines():
        try:
            value = loads(raw.data)
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
            return False
        if type(value) is not dict:
            return False
        doc_id = value.get("id")
        if type(doc_id) is int:
            doc_id = str(doc_id)
        if type(doc_id) is not str or not doc_id or type(value.get("text")) is not str:
            return False
        title = value.get("title")
        if title is not None and type(title) is not str:
            return False
        ids.append(doc_id)
        titles.append(title)
        lines.append(raw.number)
        offsets.append(raw.offset)
        lengths.append(len(raw.data))
    return True


READ_BUFFER = 1 << 20
"""Buffer of a :class:`DocumentReader`'s file: documents read in file order (an export) come
from it, one read of the file per megabyte instead of one or two per document."""


class DocumentReader:
    """Loads documents one after another with the current ``.jsonl`` file kept open: an export of
    100,000 documents does not open a file per document, and reads each file front to back."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus
        self._path: Path | None = None
        self._handle: BinaryIO | None = None

    def load(self, entry: DocumentEntry) -> Document:
        """Like :meth:`Corpus.load`; raises :class:`AnnotatorError` naming the file."""
        if entry.line is None:
            return self._corpus.load(entry)
        handle = self._handle
        # the entries of a file share its path object: compared by identity first (a path
        # compared by value costs a microsecond, once per document of an export)
        if handle is None or (entry.path is not self._path and entry.path != self._path):
            self.close()
            try:
                handle = self._handle = entry.path.open("rb", buffering=READ_BUFFER)
            except OSError as error:
                raise AnnotatorError(f"cannot read: {error.strerror}", file=entry.path) from None
            self._path = entry.path
        try:
            handle.seek(entry.offset)
            data = handle.read(entry.length)
        except OSError as error:
            raise AnnotatorError(f"cannot read: {error.strerror}", file=entry.path) from None
        return self._corpus._decode(entry, data)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._handle, self._path = None, None

    def __enter__(self) -> DocumentReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Entries(Sequence[DocumentEntry]):
    """:attr:`Corpus.entries`: a read-only view that makes each entry on demand."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus

    def __len__(self) -> int:
        return len(self._corpus._ids)

    @overload
    def __getitem__(self, index: int) -> DocumentEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[DocumentEntry]: ...

    def __getitem__(self, index: int | slice) -> DocumentEntry | list[DocumentEntry]:
        if isinstance(index, slice):
            return [self._corpus._entry(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("document index out of range")
        return self._corpus._entry(index)

    def __iter__(self) -> Iterator[DocumentEntry]:
        """File by file, each file's entries made by C loops over the index columns (the
        entries of one file are consecutive, so its rows are a slice of every column)."""
        corpus = self._corpus
        corpus._flush_titles()
        path_of = corpus._path_of
        make = DocumentEntry._make
        for file, path in enumerate(corpus._paths):
            start = bisect_left(path_of, file)
            end = bisect_left(path_of, file + 1, start)
            if start == end:
                continue
            lines = corpus._lines[start:end]
            if 0 in lines:  # a .txt file: its one entry has no line
                yield from map(corpus._entry, range(start, end))
                continue
            starts = corpus._title_starts[start:end]
            untitled = starts.count(-1)
            titles: Iterable[str | None]
            if untitled == len(starts):
                titles = repeat(None)
            elif untitled:
                titles = map(corpus._title, range(start, end))
            else:
                blob = corpus._title_blobs[file]
                titles = map(blob.__getitem__, map(slice, starts, corpus._title_ends[start:end]))
            rows = zip(
                corpus._ids[start:end],
                repeat(path),
                lines,
                corpus._offsets[start:end],
                corpus._lengths[start:end],
                titles,
            )
            yield from map(make, rows)
