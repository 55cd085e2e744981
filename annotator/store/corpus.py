"""The project's documents: an index of ids and where each text lives, texts loaded on demand."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from annotator.model.errors import AnnotatorError
from annotator.model.records import Document
from annotator.model.text import normalize_text
from annotator.store.index_cache import IndexCache, file_stamp
from annotator.store.jsonl import RawLine, RawLineStream, decode_utf8, parse_json_object

DOCUMENT_SUFFIXES = (".txt", ".jsonl")


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """Where one document lives; the text itself is read when needed."""

    id: str
    path: Path
    line: int | None
    """1-based line in a ``.jsonl`` file; None for a ``.txt`` file."""
    offset: int
    """Byte offset of the line (0 for ``.txt``)."""
    length: int
    """Byte length of the line (the file size for ``.txt``)."""
    title: str | None


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
    extra = {key: item for key, item in value.items() if key not in ("id", "text", "title", "meta")}
    if extra:
        meta = {**extra, **meta}
    return Document(id=doc_id, text=normalize_text(text), title=title, meta=meta)


class Corpus:
    """All documents under a ``documents/`` folder: ``*.txt`` files and ``*.jsonl`` files.

    Opening scans every file once and keeps only ids, titles and byte positions, so a corpus of
    100,000 documents stays small in memory. Problems found while scanning (bad UTF-8, bad JSON,
    missing fields, duplicate ids) are collected in :attr:`problems`; the documents that could be
    read are still available.
    """

    def __init__(self, root: Path, *, cache: IndexCache | None = None) -> None:
        self.root = root
        self.entries: list[DocumentEntry] = []
        self.problems: list[AnnotatorError] = []
        self._by_id: dict[str, int] = {}
        self._cache = cache
        """Where the index of each ``.jsonl`` file is kept between runs (see index_cache)."""
        if root.is_dir():
            self._scan()

    def _files(self) -> list[Path]:
        found: list[Path] = []
        for directory, subdirectories, files in os.walk(self.root):
            subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                if name.endswith(DOCUMENT_SUFFIXES):
                    found.append(Path(directory) / name)
        return found

    def _add(self, entry: DocumentEntry) -> None:
        previous = self._by_id.get(entry.id)
        if previous is not None:
            first = self.entries[previous]
            where = f"{first.path}:{first.line}" if first.line else str(first.path)
            self.problems.append(
                AnnotatorError(
                    f"duplicate document id {entry.id!r} (first defined at {where})",
                    file=entry.path,
                    line=entry.line,
                )
            )
            return
        self._by_id[entry.id] = len(self.entries)
        self.entries.append(entry)

    def _scan(self) -> None:
        for path in self._files():
            if path.suffix == ".txt":
                doc_id = path.relative_to(self.root).with_suffix("").as_posix()
                try:
                    size = path.stat().st_size
                except OSError as error:
                    self.problems.append(
                        AnnotatorError(f"cannot read: {error.strerror}", file=path)
                    )
                    continue
                self._add(DocumentEntry(doc_id, path, None, 0, size, None))
            else:
                self._scan_jsonl(path)

    def _scan_jsonl(self, path: Path) -> None:
        stamp = file_stamp(path)
        if self._cache is not None:
            cached = self._cache.load("corpus", path, stamp)
            if cached is not None and self._add_cached(path, cached):
                return
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
                {
                    "ids": [entry.id for entry in found],
                    "lines": [entry.line for entry in found],
                    "offsets": [entry.offset for entry in found],
                    "lengths": [entry.length for entry in found],
                    "titles": [entry.title for entry in found],
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

    def _add_cached(self, path: Path, cached: dict[str, Any]) -> bool:
        try:
            rows = list(
                zip(
                    cached["ids"],
                    cached["lines"],
                    cached["offsets"],
                    cached["lengths"],
                    cached["titles"],
                    strict=True,
                )
            )
        except (KeyError, TypeError, ValueError):
            return False
        for doc_id, line, offset, length, title in rows:
            self._add(DocumentEntry(doc_id, path, line, offset, length, title))
        return True

    # -- access -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._by_id

    def ids(self) -> list[str]:
        return [entry.id for entry in self.entries]

    def index_of(self, doc_id: str) -> int:
        """Position of ``doc_id`` in reading order; KeyError if unknown."""
        return self._by_id[doc_id]

    def entry(self, doc_id: str) -> DocumentEntry:
        index = self._by_id.get(doc_id)
        if index is None:
            raise AnnotatorError(f"no document with id {doc_id!r}", file=self.root)
        return self.entries[index]

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
            return Document(id=entry.id, text=normalize_text(text))
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

    def __iter__(self) -> Iterator[Document]:
        """Every readable document in order; unreadable ones are in :attr:`problems` already."""
        # One open file at a time, read front to back: a 100,000-document export does not
        # open a file per document.
        current: Path | None = None
        handle: BinaryIO | None = None
        try:
            for entry in self.entries:
                try:
                    if entry.line is None:
                        document = self.load(entry)
                    else:
                        if entry.path != current or handle is None:
                            if handle is not None:
                                handle.close()
                            current, handle = entry.path, None
                            try:
                                handle = entry.path.open("rb")
                            except OSError as error:
                                raise AnnotatorError(
                                    f"cannot read: {error.strerror}", file=entry.path
                                ) from None
                        try:
                            handle.seek(entry.offset)
                            data = handle.read(entry.length)
                        except OSError as error:
                            raise AnnotatorError(
                                f"cannot read: {error.strerror}", file=entry.path
                            ) from None
                        document = self._decode(entry, data)
                except AnnotatorError as error:
                    self.problems.append(error)
                    continue
                yield document
        finally:
            if handle is not None:
                handle.close()
