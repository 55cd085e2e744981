"""A corpus read front to back one file at a time, for a pass over every document (an export):
memory is that of one file's index, not of the whole corpus's, and a big file is read a stretch
at a time (a corpus kept as one file of 100,000 documents holds one stretch's index, not 30 MB).

Each file is indexed as :class:`~annotator.store.corpus.Corpus` indexes it (from the index cache
when it is fresh, else scanned and cached), so every check of opening a project is made: a line
that is not a document, and a document id defined twice, within a file or across files. Ids are
compared across files by their hashes, eight bytes each (:class:`HashSet`); when a file has a
problem, or two hashes meet, the whole corpus is indexed the usual way, which words every problem
with its file and line (and tells a real duplicate from two ids that only share a hash).
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

from annotator.model.errors import AnnotatorError
from annotator.store.corpus import Corpus, ScanColumns, corpus_files, problems_error
from annotator.store.index_cache import IndexCache
from annotator.store.jsonl import RawLineStream


class HashSet:
    """A set of 64-bit hashes in one array (open addressing, linear probing): eight to ten
    bytes per member instead of a set's ~70 (an int object and a slot)."""

    MAX_LOAD = 0.8

    def __init__(self) -> None:
        self._table = array("q", [0]) * 1024
        self._mask = 1023
        self._size = 0
        self._zero = False

    def __len__(self) -> int:
        return self._size

    def expect(self, count: int) -> None:
        """Make room for ``count`` members at once (no table made again and again as they
        come, each time the old and the new one in memory together)."""
        size = len(self._table)
        while count > self.MAX_LOAD * size:
            size *= 2
        if size > len(self._table):
            self._grow(size)

    def add_all(self, hashes: Iterable[int]) -> bool:
        """Add every hash; False as soon as one was there already (the ones before it stay)."""
        table, mask = self._table, self._mask
        limit = self.MAX_LOAD * (mask + 1)
        for value in hashes:  # a loop written out: once per document of the corpus
            if not value:  # 0 marks an empty slot: a zero hash is kept aside
                if self._zero:
                    return False
                self._zero = True
                self._size += 1
                continue
            slot = value & mask
            while True:
                found = table[slot]
                if not found:
                    break
                if found == value:
                    return False
                slot = (slot + 1) & mask
            table[slot] = value
            self._size += 1
            if self._size > limit:
                self._grow()
                table, mask = self._table, self._mask
                limit = self.MAX_LOAD * (mask + 1)
        return True

    def _grow(self, size: int = 0) -> None:
        """A table of ``size`` slots (twice the present one by default), every member moved."""
        old = self._table
        self._mask = mask = (size or 2 * len(old)) - 1
        self._table = table = array("q", [0]) * (mask + 1)
        for value in old:
            if value:
                slot = value & mask
                while table[slot]:
                    slot = (slot + 1) & mask
                table[slot] = value


class CorpusStream:
    """The documents under ``root``, file after file, each file as a :class:`Corpus` of its own.

    Iterating raises :class:`AnnotatorError` (the message of opening the whole corpus: its first
    problem and how many more) when the corpus has a problem; a file is given only once it is
    known to hold no problem and no id of an earlier file.
    """

    PIECE_FILE_BYTES = 32 << 20
    """A file larger than this is read a stretch at a time (its whole index would be ~8 MB per
    100 MB of documents), without its index cache."""
    PIECE_BYTES = 8 << 20
    """How much of such a file one stretch covers."""

    def __init__(self, root: Path, *, cache: IndexCache | None = None) -> None:
        self.root = root
        self._cache = cache
        self.files = corpus_files(root) if root.is_dir() else []

    def total_bytes(self) -> int:
        """The size of every document file, for a progress bar."""
        total = 0
        for path in self.files:
            try:
                total += os.stat(path).st_size
            except OSError:
                continue
        return total

    def __iter__(self) -> Iterator[Corpus]:
        for part, _start, _end in self.parts():
            yield part

    def parts(self) -> Iterator[tuple[Corpus, int, int]]:
        """Each file's :class:`Corpus`, or for a file of more than :attr:`PIECE_FILE_BYTES`
        each stretch of it, with the stretch of the file it covers (``start`` and ``end`` byte
        offsets; ``end`` 0 when the size cannot be told)."""
        seen = HashSet()
        checked = False
        """The whole corpus was indexed and found sound: no need to compare ids any more."""
        for path in self.files:
            try:
                size = os.stat(path).st_size
            except OSError:
                size = 0
            if size > self.PIECE_FILE_BYTES and path.suffix == ".jsonl":
                pieces = self._pieces(path)
            else:
                pieces = iter([(Corpus.of_file(self.root, path, cache=self._cache), 0, size)])
            for part, start, end in pieces:
                if part.problems:
                    raise self._problems_of(path) from part.problems[0]
                if not seen:  # sized once for the whole corpus, as the first part suggests
                    by_files = len(part) * len(self.files)
                    by_bytes = len(part) * self.total_bytes() // max(1, end - start)
                    seen.expect(min(by_files, by_bytes))
                if not checked and not seen.add_all(map(hash, part.ids())):
                    self._raise_problems()  # returns when two ids only share their hash
                    checked = True
                yield part, start, end
                del part  # one part's index alive at a time, not two

    def _pieces(self, path: Path) -> Iterator[tuple[Corpus, int, int]]:
        """A big file's documents a stretch of about :attr:`PIECE_BYTES` at a time, each line
        checked as indexing the file checks it (the index cache is neither read nor written:
        a whole file's index is what this avoids). A line that is not a sound document makes
        the whole corpus be indexed the usual way, which words the problem."""
        columns = ScanColumns.empty()
        start = end = 0
        try:
            for block in RawLineStream(path).blocks():
                if not columns.add_block(block):
                    raise self._problems_of(path)
                end = block.offset + block.end
                if end - start >= self.PIECE_BYTES:
                    yield Corpus.of_columns(self.root, path, columns), start, end
                    columns, start = ScanColumns.empty(), end
        except OSError as error:
            raise AnnotatorError(f"cannot read: {error.strerror}", file=path) from None
        if columns.ids:
            yield Corpus.of_columns(self.root, path, columns), start, end

    def _problems_of(self, path: Path) -> AnnotatorError:
        """For a file found with a problem: the whole corpus's problems are raised (indexed the
        usual way, which words them); if it has none, the file changed as it was read."""
        self._raise_problems()
        return AnnotatorError("changed on disk while it was read; try again", file=path)

    def _raise_problems(self) -> None:
        """Index the whole corpus the usual way and raise its problems; returns if it has none."""
        whole = Corpus(self.root, cache=self._cache)
        if whole.problems:
            raise problems_error(whole.problems)
