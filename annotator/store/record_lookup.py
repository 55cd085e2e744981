"""A record index that keeps no document ids: each document is found by the hash of its id.

For a pass over the whole corpus that looks up each document's record (an export), the ids are
the corpus's, given one at a time; keeping a copy of each (a string and a dict slot, ~100 bytes)
is most of the memory of an index of 100,000 records. Here a row costs its columns (25 bytes, as
in :class:`~annotator.store.annotations.RecordIndex`), eight bytes of hash and a slot of a table
of row numbers. Two different ids with the same hash are told apart: when a line's hash is known
already, the id of the earlier line is read back from the file (``id_at``), and ids that share
a hash are kept by name.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import NoReturn, TypeVar, overload

from annotator.model.records import Status
from annotator.store.annotations import (
    _STATUS_CODES,
    _STATUSES,
    RecordEntry,
    RecordIndex,
    check_columns,
)

_T = TypeVar("_T")


class HashedRecordIndex(RecordIndex):
    """A :class:`RecordIndex` for lookups by id only: it cannot list its ids (iterating it, or
    asking for every status or the rows by offset, raises TypeError)."""

    __slots__ = ("_hashes", "_named", "_shared", "_table", "id_at")

    def __init__(self, id_at: Callable[[int], str | None] | None = None) -> None:
        super().__init__()
        self.id_at = id_at
        """The document id of a row, read back from the file (None if it cannot be)."""
        self._hashes = array("q")
        """Hash of each row's id."""
        self._table = array("i", [0]) * 1024
        """Row + 1 of each hash in its slot (0: empty); linear probing."""
        self._shared: set[int] = set()
        """Hashes shared by different ids: their rows are found by name in :attr:`_named`."""
        self._named: dict[str, int] = {}

    # -- the table ------------------------------------------------------------------------------

    def _slot(self, value: int) -> tuple[int, int]:
        """``(slot, row)`` of ``value``: its row, or -1 and the empty slot where it would go."""
        table, hashes = self._table, self._hashes
        mask = len(table) - 1
        slot = value & mask
        while True:
            found = table[slot]
            if not found:
                return slot, -1
            if hashes[found - 1] == value:
                return slot, found - 1
            slot = (slot + 1) & mask

    def _insert(self, value: int) -> None:
        """Put the row just appended (hash ``value``, not in the table) into the table."""
        if 4 * len(self._hashes) > 3 * len(self._table):
            self._rebuild()  # places every row, this one too
            return
        slot, _row = self._slot(value)
        self._table[slot] = len(self._hashes)

    def _rebuild(self) -> None:
        """A table at most three quarters full for every row, each row placed in it."""
        size = len(self._table)
        while 4 * len(self._hashes) > 3 * size:
            size *= 2
        mask = size - 1
        table = array("i", [0]) * size
        for row, value in enumerate(self._hashes, start=1):
            slot = value & mask
            while table[slot]:
                slot = (slot + 1) & mask
            table[slot] = row
        self._table = table

    def _find(self, doc_id: str) -> int | None:
        value = hash(doc_id)
        if value in self._shared:
            return self._named.get(doc_id)
        row = self._slot(value)[1]
        return None if row < 0 else row

    def _append(self, value: int, line: int, offset: int, length: int, code: int) -> int:
        row = len(self._hashes)
        self._hashes.append(value)
        self.line_numbers.append(line)
        self.offsets.append(offset)
        self.lengths.append(length)
        self.codes.append(code)
        return row

    # -- filling --------------------------------------------------------------------------------

    def put(self, doc_id: str, line: int, offset: int, length: int, status: Status) -> None:
        value = hash(doc_id)
        code = _STATUS_CODES[status]
        if value in self._shared:
            row = self._named.get(doc_id)
            if row is None:
                self._named[doc_id] = self._append(value, line, offset, length, code)
                return
        else:
            row = self._slot(value)[1]
            if row < 0:
                self._append(value, line, offset, length, code)
                self._insert(value)
                return
            earlier = self.id_at(row) if self.id_at is not None else None
            if earlier != doc_id:  # another id with the same hash: both kept by name
                self._shared.add(value)
                if earlier is not None:
                    self._named[earlier] = row
                self._named[doc_id] = self._append(value, line, offset, length, code)
                return
        self._replace(row, line, offset, length, code)

    def extend(
        self,
        doc_ids: list[str],
        line_numbers: Iterable[int],
        offsets: Iterable[int],
        lengths: Iterable[int],
        codes: Iterable[int],
    ) -> bool:
        return self._extend_hashed(hash_ids(doc_ids), line_numbers, offsets, lengths, codes)

    def _extend_hashed(
        self,
        values: array[int],
        line_numbers: Iterable[int],
        offsets: Iterable[int],
        lengths: Iterable[int],
        codes: Iterable[int],
    ) -> bool:
        """:meth:`extend` with the ids' hashes; False, and nothing added, when a hash is there
        already or repeated (the caller then puts the lines one by one, which tells a
        superseding line from another id with the same hash)."""
        if self._shared and not self._shared.isdisjoint(values):
            return False
        first = len(self._hashes)
        if not first and values.typecode == "q":
            self._hashes = values  # taken as it is, not copied
        else:
            self._hashes.extend(values)
        if 4 * len(self._hashes) > 3 * len(self._table):
            self._rebuild()
        table = self._table
        mask = len(table) - 1
        hashes = self._hashes
        for row, value in enumerate(values, start=first + 1):
            slot = value & mask
            while True:
                found = table[slot]
                if not found:
                    table[slot] = row
                    break
                if found == row:  # placed by the rebuild
                    break
                if hashes[found - 1] == value:
                    # seen before: undo (the table is made again without the new rows)
                    del self._hashes[first:]
                    self._rebuild()
                    return False
                slot = (slot + 1) & mask
        if not first and all(
            isinstance(column, array) and column.typecode == code
            for column, code in (
                (line_numbers, "q"),
                (offsets, "q"),
                (lengths, "q"),
                (codes, "b"),
            )
        ):  # the columns of a cached index: taken as they are, not copied
            self.line_numbers, self.offsets = line_numbers, offsets  # type: ignore[assignment]
            self.lengths, self.codes = lengths, codes  # type: ignore[assignment]
            return True
        self.line_numbers.extend(line_numbers)
        self.offsets.extend(offsets)
        self.lengths.extend(lengths)
        self.codes.extend(codes)
        return True

    @classmethod
    def from_hashes(
        cls,
        hashes: array[int],
        line_numbers: array[int],
        offsets: array[int],
        lengths: array[int],
        codes: array[int],
    ) -> HashedRecordIndex:
        """The index of cached columns, the ids given by their hashes; ValueError when two
        rows share a hash (then the file is to be scanned line by line: a cached index has
        unique ids, and only reading the lines tells two ids with one hash apart)."""
        if hashes.typecode != "q":
            raise ValueError("columns of different lengths or types")
        check_columns(len(hashes), line_numbers, offsets, lengths, codes)
        index = cls()
        if not index._extend_hashed(hashes, line_numbers, offsets, lengths, codes):
            raise ValueError("two ids with the same hash")
        return index

    @classmethod
    def of_index(cls, plain: RecordIndex) -> HashedRecordIndex:
        """The same index as ``plain`` (same rows), its ids replaced by their hashes; ids that
        share a hash are kept by name."""
        ids = list(plain)
        try:
            index = cls.from_hashes(
                hash_ids(ids), plain.line_numbers, plain.offsets, plain.lengths, plain.codes
            )
        except ValueError:
            index = cls(dict(enumerate(ids)).get)
            for row, doc_id in enumerate(ids):
                index.put(
                    doc_id,
                    plain.line_numbers[row],
                    plain.offsets[row],
                    plain.lengths[row],
                    _STATUSES[plain.codes[row]],
                )
        index.patches = plain.patches
        return index

    # -- lookups --------------------------------------------------------------------------------

    def row(self, doc_id: str) -> int | None:
        return self._find(doc_id)

    def __getitem__(self, doc_id: str) -> RecordEntry:
        row = self._find(doc_id)
        if row is None:
            raise KeyError(doc_id)
        return self._entry(doc_id, row)

    @overload
    def get(self, doc_id: str, /) -> RecordEntry | None: ...

    @overload
    def get(self, doc_id: str, /, default: RecordEntry | _T) -> RecordEntry | _T: ...

    def get(self, doc_id: str, /, default: object = None) -> object:
        # _find and _slot written out: an export asks once per document of the corpus
        value = hash(doc_id)
        if self._shared and value in self._shared:
            row = self._named.get(doc_id)
            return default if row is None else self._entry(doc_id, row)
        table, hashes = self._table, self._hashes
        mask = len(table) - 1
        slot = value & mask
        while True:
            found = table[slot]
            if not found:
                return default
            if hashes[found - 1] == value:
                return self._entry(doc_id, found - 1)
            slot = (slot + 1) & mask

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._find(doc_id) is not None

    def __len__(self) -> int:
        return len(self._hashes)

    def status_of(self, doc_id: str) -> Status | None:
        row = self._find(doc_id)
        return None if row is None else _STATUSES[self.codes[row]]

    def __iter__(self) -> Iterator[str]:
        _no_ids()

    def statuses(self) -> dict[str, Status]:
        _no_ids()

    def rows_by_offset(self) -> list[tuple[str, int]]:
        _no_ids()


def _no_ids() -> NoReturn:
    raise TypeError("a hashed record index keeps no document ids")


def hash_ids(ids: Iterable[str]) -> array[int]:
    """The hash of each id, as this index finds them."""
    return array("q", map(hash, ids))
