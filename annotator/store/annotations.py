"""One annotator's JSONL file: an append-only journal of records, the last one per document wins.

Saving appends one line and fsyncs it before returning, so an edit the UI reports as saved
survives ``kill -9`` and power loss. When superseded lines pile up, the file is compacted by
writing a new copy and renaming it over the old one (atomic). A final line torn by a crash is
detected on opening, reported, kept in a ``.torn`` side file, and cut off; every line before it
is kept. A file with any other unreadable line is never written to.

A large record (a long document with many spans) is not appended whole on every edit: when the
caller says what changed (a :class:`~annotator.model.delta.RecordDelta`), a small *patch line*
is appended instead, which reading folds into the document's last full record. Chains of patches
are capped, and compaction writes folded full records, so reading stays cheap (see
``docs/reliability.md``, "The file format").
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice, repeat
from operator import attrgetter, is_, itemgetter, sub
from pathlib import Path
from typing import Any, TypeVar, cast, overload

import orjson
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from annotator.model.delta import (
    PATCH_V2_FIELDS,
    PATCH_VERSION,
    RecordDelta,
    RecordPatch,
    span_order,
)
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Relation, Span, SpanProvenance, Status
from annotator.model.validate import problems_from_validation_error
from annotator.store.index_cache import IndexCache, Stamp, file_stamp
from annotator.store.jsonl import (
    LineBlock,
    RawLine,
    RawLineStream,
    atomic_write,
    fsync_directory,
    parse_json_object,
)
from annotator.store.lock import FileLock
from annotator.store.scan import is_patch, record_head, record_heads

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)


def check_annotator_name(name: str) -> str:
    """An annotator name becomes a file name: letters, digits, ``._-``, at most 64 characters."""
    if not _NAME.match(name) or name.lower().split(".")[0] in _RESERVED or name.endswith("."):
        raise AnnotatorError(
            f"invalid annotator name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


class StoreWriteError(AnnotatorError, OSError):
    """A save or an open for writing failed (disk full, no permission, file replaced...).

    Nothing was acknowledged: the edit is not on disk and the file is as it was before. Catch it
    as :class:`AnnotatorError` (or ``OSError``), keep the edit in memory, show ``str(error)`` and
    call ``save`` again later; a retry after the fault clears succeeds without loss.
    """

    def __init__(self, message: str, *, file: str | Path | None, error_number: int | None) -> None:
        super().__init__(message, file=file)
        self.errno = error_number
        self.saved = 0
        """For :meth:`AnnotationFile.save_many`: how many of its records were saved (durable)
        before the failure."""


def _write_error(action: str, error: OSError, path: Path) -> StoreWriteError:
    return StoreWriteError(
        f"{action}: {error.strerror or error}", file=path, error_number=error.errno
    )


_T = TypeVar("_T")
PatchRef = tuple[int, int, int]
"""``(line, offset, length)`` of one patch line."""


@dataclass(slots=True)
class RecordEntry:
    """Where the current record of one document is in the file, and its status.

    ``line``, ``offset`` and ``length`` locate the document's last full record line; when patch
    lines follow it, ``patches`` lists them and the current record is the fold of all of them:
    read it with :meth:`AnnotationFile.read_line` or :meth:`AnnotationFile.read_record`, never
    by slicing the file at ``offset``.
    """

    doc_id: str
    line: int
    offset: int
    length: int
    status: Status
    patches: list[PatchRef] | None = None

    @property
    def last_line(self) -> int:
        """The line where the current record ends: its last patch, or its full record."""
        return self.patches[-1][0] if self.patches else self.line


class RecordIndex(Mapping[str, RecordEntry]):
    """Document id to :class:`RecordEntry`, in order of first appearance, kept as parallel
    arrays: one dict slot and 25 bytes per document instead of an object holding four
    integers, so the index of a 100,000-document file stays small. Each access builds the
    entry afresh: a snapshot, to be looked up again after the file changes."""

    __slots__ = ("_rows", "codes", "lengths", "line_numbers", "offsets", "patches")

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}
        self.line_numbers = array("q")
        self.offsets = array("q")
        self.lengths = array("q")
        self.codes = array("b")
        """Status of each row, as an index into the statuses of :class:`Status`."""
        self.patches: dict[int, list[PatchRef]] = {}
        """Row to its patch lines (rows without any are absent)."""

    @classmethod
    def from_columns(
        cls,
        doc_ids: list[str],
        line_numbers: array[int],
        offsets: array[int],
        lengths: array[int],
        codes: array[int],
    ) -> RecordIndex:
        size = len(doc_ids)
        check_columns(size, line_numbers, offsets, lengths, codes)
        index = cls()
        index._rows = dict(zip(doc_ids, range(size), strict=True))
        if len(index._rows) != size:
            raise ValueError("duplicate document ids")
        index.line_numbers, index.offsets, index.lengths, index.codes = (
            line_numbers,
            offsets,
            lengths,
            codes,
        )
        return index

    def _entry(self, doc_id: str, row: int) -> RecordEntry:
        patches = self.patches.get(row)
        return RecordEntry(
            doc_id,
            self.line_numbers[row],
            self.offsets[row],
            self.lengths[row],
            _STATUSES[self.codes[row]],
            None if patches is None else list(patches),
        )

    def __getitem__(self, doc_id: str) -> RecordEntry:
        return self._entry(doc_id, self._rows[doc_id])

    @overload
    def get(self, doc_id: str, /) -> RecordEntry | None: ...

    @overload
    def get(self, doc_id: str, /, default: RecordEntry | _T) -> RecordEntry | _T: ...

    def get(self, doc_id: str, /, default: object = None) -> object:
        row = self._rows.get(doc_id)
        return default if row is None else self._entry(doc_id, row)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def row(self, doc_id: str) -> int | None:
        return self._rows.get(doc_id)

    def statuses(self) -> dict[str, Status]:
        """Every document's status, in C passes (no entry made per document)."""
        return dict(zip(self._rows, map(_STATUSES.__getitem__, self.codes), strict=True))

    def status_of(self, doc_id: str) -> Status | None:
        row = self._rows.get(doc_id)
        return None if row is None else _STATUSES[self.codes[row]]

    def put(self, doc_id: str, line: int, offset: int, length: int, status: Status) -> None:
        """A full record line of ``doc_id``: its current record from now on."""
        row = self._rows.get(doc_id)
        code = _STATUS_CODES[status]
        if row is None:
            self._rows[doc_id] = len(self.line_numbers)
            self.line_numbers.append(line)
            self.offsets.append(offset)
            self.lengths.append(length)
            self.codes.append(code)
            return
        self._replace(row, line, offset, length, code)

    def _replace(self, row: int, line: int, offset: int, length: int, code: int) -> None:
        """Row ``row`` is now the full record line at ``offset`` (its patches dropped)."""
        self.line_numbers[row], self.offsets[row], self.lengths[row] = line, offset, length
        self.codes[row] = code
        self.patches.pop(row, None)

    def extend(
        self,
        doc_ids: list[str],
        line_numbers: Iterable[int],
        offsets: Iterable[int],
        lengths: Iterable[int],
        codes: Iterable[int],
    ) -> bool:
        """:meth:`put` of full record lines of documents new to the index, each column filled
        in one C call; False, and nothing added, when an id is already there or repeated."""
        rows = self._rows
        if not rows.keys().isdisjoint(doc_ids):
            return False
        first = len(self.line_numbers)
        rows.update(zip(doc_ids, range(first, first + len(doc_ids)), strict=True))
        if len(rows) != first + len(doc_ids):  # an id repeated: undo
            for doc_id in doc_ids:
                rows.pop(doc_id, None)
            return False
        self.line_numbers.extend(line_numbers)
        self.offsets.extend(offsets)
        self.lengths.extend(lengths)
        self.codes.extend(codes)
        return True

    def add_patch(self, row: int, patch: PatchRef, status: Status) -> None:
        self.patches.setdefault(row, []).append(patch)
        self.codes[row] = _STATUS_CODES[status]

    def rows_by_offset(self) -> list[tuple[str, int]]:
        """``(doc_id, row)`` of every document, by the offset of its full record."""
        offsets = self.offsets
        return sorted(self._rows.items(), key=lambda item: offsets[item[1]])


def check_columns(
    size: int,
    line_numbers: array[int],
    offsets: array[int],
    lengths: array[int],
    codes: array[int],
) -> None:
    """ValueError unless the cached columns of a record index are ``size`` long, of their
    array types, and every status code is known (a cache file is never trusted blindly)."""
    if not all(
        len(column) == size and column.typecode == code
        for column, code in (
            (line_numbers, "q"),
            (offsets, "q"),
            (lengths, "q"),
            (codes, "b"),
        )
    ):
        raise ValueError("columns of different lengths or types")
    if codes and not 0 <= min(codes) <= max(codes) < len(_STATUSES):
        raise ValueError("unknown status code")


def _count_after(
    ids: set[str], set_items: tuple[Span, ...] | tuple[Relation, ...], removed: tuple[str, ...]
) -> int | None:
    """How many ids remain once ``removed`` are gone and ``set_items`` are set, or None if a
    removed id is not in ``ids`` (the delta does not fit). In time of the delta."""
    removed_set = set(removed)
    if len(removed_set) != len(removed) or not removed_set <= ids:
        return None
    added = {item.id for item in set_items}
    return (
        len(ids)
        - len(removed_set)
        + sum(1 for item_id in added if item_id not in ids or item_id in removed_set)
    )


def _places(
    items: list[Span] | list[Relation],
    changed: tuple[Span, ...] | tuple[Relation, ...],
    order: Callable[[Span], tuple[int, int, str, str]] | None,
) -> list[tuple[Span | Relation, str | None]] | None:
    """Each changed item with the id of the item before it in ``items``, in list order; None
    when one is not (this very object) in ``items``. In time of the change when ``items`` is in
    ``order`` or the items were appended; otherwise one search in C per item."""
    found: list[tuple[int, Span | Relation]] = []
    size = len(items)
    for item in changed:
        index = -1
        if order is not None and isinstance(item, Span):
            guess = bisect_left(items, order(item), key=order)  # type: ignore[arg-type]
            if guess < size and items[guess] is item:
                index = guess
        elif size and items[-1] is item:
            index = size - 1
        if index < 0:
            try:
                index = list(map(is_, items, repeat(item))).index(True)
            except ValueError:
                return None
        found.append((index, item))
    found.sort(key=itemgetter(0))
    if len({index for index, _ in found}) != len(found):
        return None  # the same item twice
    return [(item, items[index - 1].id if index else None) for index, item in found]


def _update_ids(
    ids: set[str], set_items: tuple[Span, ...] | tuple[Relation, ...], removed: tuple[str, ...]
) -> None:
    ids.difference_update(removed)
    ids.update(item.id for item in set_items)


@dataclass(slots=True)
class _SavedIds:
    """The ids in the saved version of one large record (the last one read or saved whole, kept
    up to date by each patch): what the next delta is checked against, in time of the delta."""

    doc_id: str
    spans: set[str]
    relations: set[str]
    rejected: set[str]
    """Ids of its rejected spans (none when it has no ``rejected``)."""
    provenance: set[str]
    """Keys of its provenance (none when it has no ``provenance``)."""

    @classmethod
    def of(cls, record: AnnotationRecord) -> _SavedIds:
        return cls(
            record.doc_id,
            set(map(_ID, record.spans)),
            set(map(_ID, record.relations)),
            set(map(_ID, record.rejected or ())),
            set(record.provenance or ()),
        )

    def update(self, record: AnnotationRecord, delta: RecordDelta) -> None:
        """``record`` was saved with a patch line made from ``delta``."""
        _update_ids(self.spans, delta.spans_set, delta.spans_removed)
        _update_ids(self.relations, delta.relations_set, delta.relations_removed)
        if delta.rejected_set is not None and record.rejected is not None:
            _update_ids(self.rejected, delta.rejected_set, delta.rejected_removed)
        else:  # written whole, or absent
            self.rejected = set(map(_ID, record.rejected or ()))
        if delta.provenance_set is not None and record.provenance is not None:
            self.provenance.difference_update(delta.provenance_removed)
            self.provenance.update(key for key, _entry in delta.provenance_set)
        else:
            self.provenance = set(record.provenance or ())


def _provenance_change(
    keys: set[str], provenance: dict[str, SpanProvenance], delta: RecordDelta
) -> dict[str, SpanProvenance] | None:
    """The entries a patch line sets to turn a provenance with ``keys`` into ``provenance`` as
    ``delta`` describes it (a dict update: removed keys deleted, then set keys replaced in place
    or added last), or None when the delta does not fit: a removed key absent or repeated, a set
    entry that is not (this very object) in ``provenance``, a count that differs, or new keys
    that are not the last ones of ``provenance`` in their order. In time of the delta."""
    removed = delta.provenance_removed
    removed_set = set(removed)
    if len(removed_set) != len(removed) or not removed_set <= keys:
        return None
    entries = dict(delta.provenance_set or ())
    added = [key for key in entries if key not in keys or key in removed_set]
    if len(keys) - len(removed_set) + len(added) != len(provenance):
        return None
    if any(provenance.get(key) is not entry for key, entry in entries.items()):
        return None
    if added:
        last = list(islice(reversed(provenance), len(added)))
        last.reverse()
        if last != added:
            return None
    return entries


def encode_record(record: AnnotationRecord) -> bytes:
    """The record's JSONL line: ``orjson`` of ``model_dump(mode="json", exclude_none=True)``.

    Spans and relations are frozen, so each one's JSON is kept and the lists are joined: saving
    an edit of a record with 100,000 spans encodes one span, not all of them again. The lists
    go in where raw NUL markers were put (orjson escapes a NUL inside a string, so the markers
    cannot occur anywhere else in its output)."""
    data = record.model_dump(mode="json", exclude_none=True, exclude=_KEPT_FIELDS)
    rejected, provenance = record.rejected, record.provenance
    items = len(record.spans) + len(record.relations)
    items += len(rejected or ()) + len(provenance or ())
    if len(_ENCODED) > 3 * items + 20_000:
        _ENCODED.clear()  # mostly items of records saved before: start again
        _KEPT.clear()
    ordered: dict[str, object] = {}
    for name in _RECORD_FIELDS:
        if name in _ITEM_FIELDS:
            ordered[name] = _MARKER
        elif name == "rejected":
            if rejected is not None:  # a gold record's: as many as its spans, in a review
                ordered[name] = orjson.Fragment(_encoded_items(rejected))
        elif name == "provenance":
            if provenance is not None:
                ordered[name] = _encoded_provenance(provenance)
        elif name in data:
            ordered[name] = data[name]
    before, middle, after = orjson.dumps(ordered).split(_MARKER_BYTES)
    spans = _encoded_items(record.spans)
    relations = _encoded_items(record.relations)
    return b"".join((before, spans, middle, relations, after, b"\n"))


_RECORD_FIELDS = tuple(AnnotationRecord.model_fields)
_ITEM_FIELDS = {"spans", "relations"}
_KEPT_FIELDS = {"spans", "relations", "rejected", "provenance"}
"""Fields whose items' JSON is kept between saves (frozen objects, found by identity)."""
_MARKER_BYTES = b"\x00"
_MARKER = orjson.Fragment(_MARKER_BYTES)
_ENCODED: dict[int, bytes] = {}
"""``id`` of a span or relation to its JSON; :data:`_KEPT` keeps the object (and its id) alive."""
_KEPT: dict[int, BaseModel] = {}


def _encoded_items(items: list[Span] | list[Relation]) -> bytes:
    """The items' JSON array. Each item's JSON starts with its ``id`` key, so the cache holds
    what follows ``{"id":`` up to the closing brace, and one join with ``},{"id":`` makes the
    array (the first save of a record cuts one dump of the whole list the same way: that
    separator cannot occur inside a JSON string, where a quote is always escaped)."""
    if not items:
        return b"[]"
    inner = list(map(_ENCODED.get, map(id, items), repeat(_MISSING)))
    count = inner.count(_MISSING)  # in C: compares lengths, and no piece is this short
    if count:
        missing: list[int] = []
        index = -1
        for _ in range(count):
            index = inner.index(_MISSING, index + 1)
            missing.append(index)
        new_items = [items[index] for index in missing]
        new_inner = _encode_each(new_items)
        _ENCODED.update(zip(map(id, new_items), new_inner, strict=True))
        _KEPT.update(zip(map(id, new_items), new_items, strict=True))
        for index, data in zip(missing, new_inner, strict=True):
            inner[index] = data
    return b'[{"id":' + _SEPARATOR.join(inner) + b"}]"


def _encoded_provenance(provenance: dict[str, SpanProvenance]) -> dict[str, object]:
    """A gold record's provenance with each entry's JSON kept (a book's gold record has one
    per span: 125,000, dumped again at every decision otherwise)."""
    encoded: dict[str, object] = {}
    for span_id, value in provenance.items():
        data = _ENCODED.get(id(value))
        if data is None:
            # model_dump(mode="json") of the two fields, in their order (tested equal)
            data = orjson.dumps({"annotators": value.annotators, "decision": value.decision})
            _ENCODED[id(value)] = data
            _KEPT[id(value)] = value
        encoded[span_id] = orjson.Fragment(data)
    return encoded


_SEPARATOR = b'},{"id":'
_MISSING = b""
"""Stands for an item not encoded yet (a piece is never empty: it holds at least the id)."""


def _encode_each(items: list[Span | Relation] | list[Span] | list[Relation]) -> list[bytes]:
    """Each item's JSON without its leading ``{"id":`` and its closing brace."""
    if len(items) > 64:
        adapter = _SPANS if isinstance(items[0], Span) else _RELATIONS
        try:
            # The same bytes as orjson for these fields (ints and strings); for what orjson
            # refuses (lone surrogates) it raises too, and the loop below raises orjson's error.
            blob = adapter.dump_json(items, exclude_none=True)
        except ValueError:
            blob = b""
        pieces = blob[7:-2].split(_SEPARATOR)
        if blob.startswith(b'[{"id":') and blob.endswith(b"}]") and len(pieces) == len(items):
            return pieces
    encoded = [orjson.dumps(item.model_dump(mode="json", exclude_none=True)) for item in items]
    assert all(data.startswith(b'{"id":') for data in encoded)
    return [data[6:-1] for data in encoded]


def prepare_encoding(items: list[Span] | list[Relation]) -> None:
    """Encode and keep the JSON of those ``items`` not encoded yet, so that the first save of a
    big record costs what later ones do. For idle time, a slice of a record's list at a time."""
    new = [item for item in items if id(item) not in _ENCODED]
    if new:
        _ENCODED.update(zip(map(id, new), _encode_each(new), strict=True))
        _KEPT.update(zip(map(id, new), new, strict=True))


_DEFERRED = ConfigDict(defer_build=True)  # built on first use, not on the way to the first frame
_SPANS: TypeAdapter[Any] = TypeAdapter(list[Span], config=_DEFERRED)
_RELATIONS: TypeAdapter[Any] = TypeAdapter(list[Relation], config=_DEFERRED)


_P = TypeVar("_P", bound=AnnotatorError)
_ID = attrgetter("id")
_ITEM_FIELD = re.compile(r"^(spans|relations|rejected)\[(\d+)\]")

_STATUS_BY_VALUE = {status.value: status for status in Status}
_STATUSES = tuple(Status)
_STATUS_CODES = {status: code for code, status in enumerate(_STATUSES)}
_CODE_BY_VALUE = {status.value: code for code, status in enumerate(_STATUSES)}
_ONE = 1


def _status_of(value: dict[str, object]) -> Status:
    status = value.get("status", "in_progress")
    if not isinstance(status, str):
        return Status.in_progress
    return _STATUS_BY_VALUE.get(status, Status.in_progress)


_PATCH_ITEM_KEYS = {
    "spans": ("spans_set", "spans_after", "spans_removed", "span_count"),
    "relations": ("relations_set", "relations_after", "relations_removed", "relation_count"),
}
_REJECTED_KEYS = ("rejected_set", "rejected_after", "rejected_removed", "rejected_count")
"""Format 2: the rejected spans of a gold record, folded like spans (see :class:`RecordPatch`)."""
_PROVENANCE_KEYS = ("provenance_set", "provenance_removed", "provenance_count")
_PATCH_KEYS = frozenset(RecordPatch.model_fields)
_SCALAR_FIELDS = tuple(name for name in _RECORD_FIELDS if name not in _ITEM_FIELDS)
_BIG_LINE = 1 << 20
"""Lines at least this long are validated with the garbage collector paused: validating builds
one object per span, and the collector would walk them all again and again meanwhile (about
half of the time of a 15 MB record)."""


def _hashes_of_ids(data: bytes) -> array[int] | None:
    """The hashes of the ids of a cached index (a JSON list of strings), a slice at a time: the
    list of ids is never held whole (None when it is not such a list)."""
    from annotator.store.index_cache import json_pieces, json_strings
    from annotator.store.record_lookup import hash_ids

    if not json_strings(data):
        return None
    hashes = array("q")
    for piece in json_pieces(data):
        ids = orjson.loads(piece)
        if not isinstance(ids, list) or not all(type(doc_id) is str for doc_id in ids):
            return None
        hashes.extend(hash_ids(ids))
        del ids
    return hashes


def _hashed_types() -> tuple[type, ...]:
    """The index classes that keep no ids (imported late: they build on this module)."""
    from annotator.store.record_lookup import HashedRecordIndex

    return (HashedRecordIndex,)


def _validate_json(data: bytes) -> AnnotationRecord:
    if len(data) < _BIG_LINE or not gc.isenabled():
        return AnnotationRecord.model_validate_json(data)
    gc.disable()
    try:
        return AnnotationRecord.model_validate_json(data)
    finally:
        gc.enable()


class _Slots:
    """A span or relation list being folded: where each item goes, as an ordered tree.

    The base record's items are slots ``0..n-1`` in order. An item set by a patch gets a new
    slot, placed right after the item its patch names (``*_after``: the item before it in the
    record after that patch), i.e. as the first child of that item's slot (or of the root when
    it comes first); an item removed or moved leaves its old slot empty, children kept. The
    pre-order walk of that tree is the folded list: the order the saving program had.
    """

    def __init__(self, items: list[Any], line: int) -> None:
        self.items: list[Any] = list(items)
        """Slot to item (None: removed or moved away)."""
        self.lines: list[int] = [line] * len(items)
        """Slot to the line its item comes from."""
        self.base = len(items)
        self.slot_of: dict[str, int] = {
            item["id"]: index
            for index, item in enumerate(items)
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        }
        self.children: dict[int, list[int]] = {}
        """Slot (``-1``: the start of the list) to the slots placed right after it, in order
        of placing (the latest placed comes first)."""
        self.live = len(items)

    def remove(self, item_id: object) -> bool:
        slot = self.slot_of.pop(item_id, None) if isinstance(item_id, str) else None
        if slot is None:
            return False
        self.items[slot] = None
        self.live -= 1
        return True

    def put(self, item: Any, item_id: str, after: str | None, line: int) -> bool:
        """Place ``item`` right after the item ``after`` (None: first); False if ``after`` is
        not in the list (or is the item itself)."""
        if after is None:
            anchor = -1
        else:
            found = self.slot_of.get(after) if after != item_id else None
            if found is None:
                return False
            anchor = found
        old = self.slot_of.get(item_id)
        if old is None:
            self.live += 1
        else:
            self.items[old] = None
        slot = len(self.items)
        self.items.append(item)
        self.lines.append(line)
        self.slot_of[item_id] = slot
        self.children.setdefault(anchor, []).append(slot)
        return True

    def order(self) -> list[int]:
        """Every slot, in list order (empty ones included)."""
        children = self.children
        if not children:
            return list(range(self.base))
        order: list[int] = []

        def subtree(root: int) -> None:
            stack = list(children.get(root, ()))
            while stack:
                slot = stack.pop()
                order.append(slot)
                stack.extend(children.get(slot, ()))

        subtree(-1)
        start = 0
        for slot in sorted(slot for slot in children if 0 <= slot < self.base):
            order.extend(range(start, slot + 1))
            subtree(slot)
            start = slot + 1
        order.extend(range(start, self.base))
        return order

    def result(self) -> tuple[list[Any], list[int]]:
        """The folded items and the line each comes from."""
        items, lines = self.items, self.lines
        if not self.children and self.live == self.base:
            return items, lines
        order = [slot for slot in self.order() if items[slot] is not None]
        return [items[slot] for slot in order], [lines[slot] for slot in order]


_ABSENT = object()


class _Fold:
    """Folds patch lines (parsed JSON) into a full record (parsed JSON), checking each fits."""

    def __init__(self, base: dict[str, Any], path: Path, line: int) -> None:
        self.path = path
        unknown = [key for key in base if key not in AnnotationRecord.model_fields]
        if unknown:
            raise AnnotatorError(
                "Extra inputs are not permitted", file=path, line=line, field=unknown[0]
            )
        self.lists: dict[str, _Slots] = {}
        for name in _ITEM_FIELDS:
            items = base.get(name, [])
            if not isinstance(items, list):
                raise AnnotatorError("expected a list", file=path, line=line, field=name)
            self.lists[name] = _Slots(items, line)
        self.scalars: dict[str, Any] = base
        self.rejected: _Slots | None = None
        """The rejected spans folded so far (None: the field is absent)."""
        self.provenance: dict[str, Any] | None = None
        """The provenance folded so far (None: the field is absent)."""
        self._take_whole(base, line)

    def _take_whole(self, value: dict[str, Any], line: int) -> None:
        """``rejected`` and ``provenance`` as ``value`` (a full record, or a patch that carries
        them whole) has them: absent, or whole."""
        rejected = value.get("rejected")
        if rejected is not None and not isinstance(rejected, list):
            raise AnnotatorError("expected a list", file=self.path, line=line, field="rejected")
        self.rejected = None if rejected is None else _Slots(rejected, line)
        provenance = value.get("provenance")
        if provenance is not None and not isinstance(provenance, dict):
            raise AnnotatorError(
                "expected an object", file=self.path, line=line, field="provenance"
            )
        self.provenance = provenance

    def apply(self, patch: dict[str, Any], line: int) -> None:
        def error(message: str, field: str | None = None) -> AnnotatorError:
            return AnnotatorError(message, file=self.path, line=line, field=field)

        unknown = [key for key in patch if key not in _PATCH_KEYS]
        if unknown:
            raise error("unknown field in a patch line", unknown[0])
        newer = [key for key in PATCH_V2_FIELDS if key in patch]
        if newer and patch.get("patch") == 1:
            raise error("needs patch format 2 (this line says 1)", newer[0])
        for name in _PATCH_ITEM_KEYS:
            self._fold_items(patch, self.lists[name], name, line)
        rejected, provenance = self.rejected, self.provenance
        self._take_whole(patch, line)
        if "rejected_count" in patch:
            if "rejected" in patch:
                raise error("a patch carries rejected whole or its change, not both", "rejected")
            self.rejected = rejected if rejected is not None else _Slots([], line)
            self._fold_items(patch, self.rejected, "rejected", line)
        elif any(key in patch for key in _REJECTED_KEYS):
            raise error("missing: the line carries a change of rejected", "rejected_count")
        if "provenance_count" in patch:
            if "provenance" in patch:
                raise error(
                    "a patch carries provenance whole or its change, not both", "provenance"
                )
            self.provenance = self._fold_provenance(patch, provenance or {}, line)
        elif any(key in patch for key in _PROVENANCE_KEYS):
            raise error("missing: the line carries a change of provenance", "provenance_count")
        self.scalars = patch

    def _fold_provenance(
        self, patch: dict[str, Any], provenance: dict[str, Any], line: int
    ) -> dict[str, Any]:
        def error(message: str, field: str | None = None) -> AnnotatorError:
            return AnnotatorError(message, file=self.path, line=line, field=field)

        removed = patch.get("provenance_removed", [])
        if not isinstance(removed, list):
            raise error("expected a list of ids", "provenance_removed")
        for number, span_id in enumerate(removed):
            if not isinstance(span_id, str) or provenance.pop(span_id, _ABSENT) is _ABSENT:
                raise error(
                    f"removes {span_id!r}, which the provenance before this line does not have "
                    "(the patch does not fit its base)",
                    f"provenance_removed[{number}]",
                )
        set_entries = patch.get("provenance_set", {})
        if not isinstance(set_entries, dict):
            raise error("expected an object", "provenance_set")
        provenance.update(set_entries)
        count = patch.get("provenance_count")
        if count != len(provenance):
            raise error(
                f"says the record has {count!r} provenance entries after it, but folding it "
                f"into the record before it gives {len(provenance)} (the patch does not fit "
                "its base)",
                "provenance_count",
            )
        return provenance

    def _fold_items(self, patch: dict[str, Any], slots: _Slots, name: str, line: int) -> None:
        """Fold the ``name`` list's part of ``patch`` (spans, relations or rejected)."""

        def error(message: str, field: str | None = None) -> AnnotatorError:
            return AnnotatorError(message, file=self.path, line=line, field=field)

        set_key, after_key, removed_key, count_key = (
            _REJECTED_KEYS if name == "rejected" else _PATCH_ITEM_KEYS[name]
        )
        removed = patch.get(removed_key, [])
        if not isinstance(removed, list):
            raise error("expected a list of ids", removed_key)
        for number, item_id in enumerate(removed):
            if not slots.remove(item_id):
                raise error(
                    f"removes {item_id!r}, which the record before this line does not have "
                    "(the patch does not fit its base)",
                    f"{removed_key}[{number}]",
                )
        set_items = patch.get(set_key, [])
        after = patch.get(after_key, [])
        if not isinstance(set_items, list):
            raise error("expected a list", set_key)
        if not isinstance(after, list) or len(after) != len(set_items):
            raise error(f"expected a list of ids as long as {set_key}", after_key)
        for number, (item, previous) in enumerate(zip(set_items, after, strict=True)):
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                raise error("expected an object with a string id", f"{set_key}[{number}]")
            if not (previous is None or isinstance(previous, str)) or not slots.put(
                item, item_id, previous, line
            ):
                raise error(
                    f"places {item_id!r} after {previous!r}, which the record does not have "
                    "there (the patch does not fit its base)",
                    f"{after_key}[{number}]",
                )
        count = patch.get(count_key)
        if count != slots.live:
            raise error(
                f"says the record has {count!r} {name} after it, but folding it into the "
                f"record before it gives {slots.live} (the patch does not fit its base)",
                count_key,
            )

    def result(self) -> tuple[dict[str, Any], dict[str, list[int]]]:
        """The folded record, its fields in the order :func:`encode_record` writes them, and
        the line each of its spans and relations comes from."""
        folded: dict[str, Any] = {}
        item_lines: dict[str, list[int]] = {}
        for name in _RECORD_FIELDS:
            if name in _ITEM_FIELDS:
                folded[name], item_lines[name] = self.lists[name].result()
            elif name == "rejected":
                if self.rejected is not None:
                    folded[name], item_lines[name] = self.rejected.result()
            elif name == "provenance":
                if self.provenance is not None:
                    folded[name] = self.provenance
            elif name in self.scalars:
                folded[name] = self.scalars[name]
        return folded, item_lines


class AnnotationFile:
    """The records of one annotator. Open with ``writable=True`` to save (takes the lock)."""

    COMPACT_MIN_LINES = 256
    COMPACT_MIN_BYTES = 64 * 1024 * 1024
    """A file is also compacted while saving once the superseded records take more than this
    and more than twice the current ones: a book-length record saved whole at each decision
    (a review's gold record: 19 MB) would otherwise grow the file by gigabytes before the
    superseded *lines* are many enough."""
    PATCH_MIN_BYTES = 64 * 1024
    """A save given a delta appends a patch line only when the document's full record line is
    at least this long: ordinary records stay one full line each, readable by any JSONL tool."""
    PATCH_MAX_CHAIN = 1024
    """At most this many patch lines follow a full record; the next save writes it whole."""
    PATCH_MAX_SHARE = 0.25
    """The patch lines of a record total at most this share of its full line."""

    def __init__(
        self,
        path: Path,
        annotator: str,
        *,
        writable: bool = False,
        cache: IndexCache | None = None,
        shared_id: Callable[[str], str] | None = None,
        hashed: bool = False,
    ) -> None:
        if hashed and writable:
            raise ValueError("a hashed index is for reading only")
        self.path = path
        self.hashed = hashed
        """Documents found by the hash of their id (see :mod:`annotator.store.record_lookup`):
        for lookups by id only; the ids are not kept (:attr:`entries` cannot list them)."""
        self._shared_id = shared_id
        """Maps a document id to an equal string kept elsewhere (the corpus's), saving memory."""
        self._cache = cache
        """Keeps the index of the file between runs (see :mod:`annotator.store.index_cache`)."""
        self.annotator = check_annotator_name(annotator)
        self.writable = writable
        self.entries = self._new_index()
        """Current record of each document, in order of first appearance."""
        self.problems: list[AnnotatorError] = []
        """Lines that could not be read (each names file and line)."""
        self.warnings: list[AnnotatorError] = []
        """Things recovered from, such as a torn final line."""
        self.set_aside: list[Path] = []
        """Side files a torn final line was moved to (on the first write)."""
        self.lines = 0
        self._lock: FileLock | None = None
        self._handle: int | None = None
        self._size = 0
        self._superseded: int | None = None
        """Bytes of the file no current record uses (None: not worked out yet)."""
        self._dirty = False
        """A failed save may have left bytes past ``_size``: cut them before the next write."""
        self._reader: int | None = None
        """The very file that was indexed, kept open: another process may replace the path."""
        self._ids: _SavedIds | None = None
        """The ids in the saved record of one large document (the last one read or saved
        whole), kept up to date by patches: a delta is checked against them."""
        self._needs_full: set[str] = set()
        """Documents whose last save failed: the caller's next delta may not cover what that
        save carried, so their next save writes the whole record."""
        try:
            if writable:
                self._lock = FileLock(path.with_name(f".{path.name}.lock"), path)
                self._lock.acquire()
            self._scan_snapshot()
            if writable:
                self._prepare_for_writing()
        except OSError as error:
            self.close()
            raise _write_error("cannot open for writing", error, path) from error
        except BaseException:
            self.close()
            raise

    # -- reading ------------------------------------------------------------------------------

    def _new_index(self) -> RecordIndex:
        if not self.hashed:
            return RecordIndex()
        from annotator.store.record_lookup import HashedRecordIndex

        return HashedRecordIndex(self._id_at)

    def _id_at(self, row: int) -> str | None:
        """The document id of the full record line of ``row``, read back from the file."""
        entries = self.entries
        try:
            data = self._read_at(entries.offsets[row], entries.lengths[row])
        except (OSError, AnnotatorError):
            return None
        head = record_head(data)
        if head is not None:
            return head[0]
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        doc_id = value.get("doc_id") if isinstance(value, dict) else None
        return doc_id if isinstance(doc_id, str) else None

    def _scan_snapshot(self) -> None:
        """Index the file and keep it open, so every later read sees the file that was indexed.

        A writer in another process may compact (replace) the file at any moment; reading a
        record later by path would then take bytes of the new file at offsets of the old one.
        """
        reader = self._open_reader()
        if reader is None:
            return  # no file yet: nothing to index
        self._reader = reader  # closed by close(), on failure too
        self._scan(reader)

    def _open_reader(self) -> int | None:
        try:
            return os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise AnnotatorError(f"cannot read: {error.strerror}", file=self.path) from None

    def _read_at(self, offset: int, length: int) -> bytes:
        if self._reader is None:  # the file was created after opening (by this writer)
            self._reader = self._open_reader()
            if self._reader is None:
                raise AnnotatorError("no longer exists", file=self.path)
        return os.pread(self._reader, length, offset)

    def _scan(self, reader: int) -> None:
        stamp = file_stamp(self.path, reader)
        if self._cache is not None and self._load_cached(stamp, reader):
            self._cached_stamp = stamp
            self._from_cache = True
            return
        # A hashed index not in the cache yet: scanned with its ids, so that the cache gets
        # them (the next opens, hashed or not, read it instead of the file), then hashed.
        caching = self.hashed and self._cache is not None
        if caching:
            self.entries = RecordIndex()
        lines = RawLineStream(self.path, reader)
        try:
            for block in lines.blocks():
                self._scan_block(block)
        except FileNotFoundError:
            return
        except OSError as error:
            raise AnnotatorError(f"cannot read: {error.strerror}", file=self.path) from None
        finally:
            if caching:
                plain = self.entries
                self.entries = self._hashed_copy(plain)
        self._size = lines.size
        if stamp is not None and stamp[0] == self._size and (caching or not self.hashed):
            self._store_cached(stamp, plain if caching else None)
            self._cached_stamp = stamp

    def _hashed_copy(self, plain: RecordIndex) -> RecordIndex:
        """``plain`` as a :class:`HashedRecordIndex`."""
        from annotator.store.record_lookup import HashedRecordIndex

        hashed = HashedRecordIndex.of_index(plain)
        hashed.id_at = self._id_at
        return hashed

    _cached_stamp: Stamp | None = None
    """The version of the file whose index is in the cache (nothing to store if unchanged)."""

    def _cacheable(self) -> bool:
        return self._cache is not None and not self.problems and self._torn is None

    def _store_cached(self, stamp: Stamp | None, plain: RecordIndex | None = None) -> None:
        """Store the index (``plain``: the same index with its ids, when :attr:`entries` is
        hashed; a hashed index alone has no ids to store)."""
        entries = self.entries if plain is None else plain
        if self._cache is None or not self._cacheable() or isinstance(entries, _hashed_types()):
            return
        patched = [(row, patch) for row, patches in entries.patches.items() for patch in patches]
        self._cache.store(
            "annotations",
            self.path,
            stamp,
            {
                "annotator": self.annotator,
                "lines": self.lines,
                "size": self._size,
                "patch_format": PATCH_VERSION,
            },
            {
                "doc_ids": list(entries),
                "line": entries.line_numbers,
                "offsets": entries.offsets,
                "lengths": entries.lengths,
                "status": entries.codes,
                "patch_entry": array("q", [index for index, _patch in patched]),
                "patch_line": array("q", [patch[0] for _index, patch in patched]),
                "patch_offset": array("q", [patch[1] for _index, patch in patched]),
                "patch_length": array("q", [patch[2] for _index, patch in patched]),
            },
        )

    def _load_cached(self, stamp: Stamp | None, reader: int) -> bool:
        assert self._cache is not None
        cached = self._cache.load(
            "annotations",
            self.path,
            stamp,
            reader,
            convert={"doc_ids": _hashes_of_ids} if self.hashed else None,
        )
        if cached is None:
            return False
        meta, columns = cached
        del cached  # let each column go as soon as it is used
        if meta.get("annotator") != self.annotator or meta.get("patch_format") != PATCH_VERSION:
            return False
        try:
            lines, size = int(meta["lines"]), int(meta["size"])
            doc_ids, line_numbers = columns["doc_ids"], columns["line"]
            offsets, lengths, codes = columns["offsets"], columns["lengths"], columns["status"]
            if (
                not isinstance(doc_ids, array if self.hashed else list)
                or not isinstance(line_numbers, array)
                or not isinstance(offsets, array)
                or not isinstance(lengths, array)
                or not isinstance(codes, array)
            ):
                return False
            if self._shared_id is not None:
                del columns["doc_ids"]
                doc_ids = list(map(self._shared_id, doc_ids))  # the copies are freed now
            entries: RecordIndex
            if self.hashed:
                from annotator.store.record_lookup import HashedRecordIndex

                del doc_ids
                hashes = columns.pop("doc_ids")  # hashed as read (see _hashes_of_ids)
                if not isinstance(hashes, array):
                    return False
                hashed = HashedRecordIndex.from_hashes(
                    hashes, line_numbers, offsets, lengths, codes
                )
                hashed.id_at = self._id_at
                entries = hashed
            else:
                if not isinstance(doc_ids, list):
                    return False
                entries = RecordIndex.from_columns(doc_ids, line_numbers, offsets, lengths, codes)
            patch_columns = [
                columns[name]
                for name in ("patch_entry", "patch_line", "patch_offset", "patch_length")
            ]
            if not all(isinstance(column, array) for column in patch_columns):
                return False
            for row, line, offset, length in zip(*patch_columns, strict=True):
                if not 0 <= row < len(entries):
                    return False
                entries.patches.setdefault(row, []).append((line, offset, length))
        except (KeyError, TypeError, ValueError, IndexError):
            return False
        self.entries, self.lines, self._size = entries, lines, size
        self._superseded = None
        return True

    def _scan_block(self, block: LineBlock) -> None:
        """Index the lines of ``block``: all their heads decoded in one C call when each line
        is one JSON object (:func:`record_heads`), each line on its own otherwise. A line whose
        head is not that of a plain record of this annotator (a patch line, a wrong field) is
        read by :meth:`_scan_line`, which words its problem."""
        heads = record_heads(block)
        if heads is None:
            for raw in block.lines():
                self._scan_line(raw)
            return
        if self._extend(block, heads):
            return
        data, base, number = block.data, block.offset, block.number
        annotator = self.annotator
        put = self.entries.put
        status_of = _STATUS_BY_VALUE.get
        in_progress = Status.in_progress
        start = 0
        for head, end in zip(heads, block.ends, strict=True):
            doc_id = head.doc_id
            if (
                type(doc_id) is str
                and doc_id
                and head.annotator == annotator
                and not is_patch(head)
            ):
                status = head.status
                code = status_of(status, in_progress) if type(status) is str else in_progress
                put(doc_id, number, base + start, end - start, code)
                self.lines += 1
            else:
                self._scan_line(RawLine(number, base + start, data[start:end], True))
            start = end + 1
            number += 1

    def _extend(self, block: LineBlock, heads: list[Any]) -> bool:
        """The usual block: full records of this annotator for documents not seen before,
        added column by column with C loops; False (nothing added) for any other block."""
        doc_ids = [head.doc_id for head in heads]
        if set(map(type, doc_ids)) != {str} or "" in doc_ids:
            return False
        if [head.annotator for head in heads].count(self.annotator) != len(heads):
            return False
        if any(map(is_patch, heads)):
            return False
        statuses = [head.status for head in heads]
        if not set(map(type, statuses)) <= {str, type(None)}:
            return False  # read one by one: the careful path knows what a non-string means
        codes = map(_CODE_BY_VALUE.get, statuses, repeat(_STATUS_CODES[Status.in_progress]))
        ends = block.ends
        starts = [0]
        starts += map(_ONE.__add__, ends[:-1])
        offsets = map(block.offset.__add__, starts)
        lengths = map(sub, ends, starts)
        numbers = range(block.number, block.number + len(ends))
        if not self.entries.extend(doc_ids, numbers, offsets, lengths, codes):
            return False
        self.lines += len(heads)
        return True

    def _scan_line(self, raw: RawLine) -> None:
        self.lines += 1
        head = record_head(raw.data)  # quick: a line it vouches for needs no careful parse
        if head is not None and head[1] == self.annotator:
            status = _STATUS_BY_VALUE.get(head[2], Status.in_progress)
            self.entries.put(head[0], raw.number, raw.offset, len(raw.data), status)
            return
        try:
            value = parse_json_object(raw, file=self.path)
        except AnnotatorError as error:
            if not raw.terminated:
                self._torn = raw
                self.warnings.append(
                    AnnotatorError(
                        "incomplete final line (torn by a crash, or being written right now); "
                        "the lines before it are intact and it will be set aside on the next "
                        "write",
                        file=self.path,
                        line=raw.number,
                    )
                )
            else:
                self.problems.append(error)
            return
        doc_id = value.get("doc_id")
        if not isinstance(doc_id, str) or not doc_id:
            self.problems.append(
                AnnotatorError(
                    "missing string field", file=self.path, line=raw.number, field="doc_id"
                )
            )
            return
        annotator = value.get("annotator")
        if annotator != self.annotator:
            self.problems.append(
                AnnotatorError(
                    f"record of annotator {annotator!r} in the file of {self.annotator!r}",
                    file=self.path,
                    line=raw.number,
                    field="annotator",
                )
            )
            return
        if "patch" in value:
            self._scan_patch(raw, doc_id, value)
            return
        self.entries.put(doc_id, raw.number, raw.offset, len(raw.data), _status_of(value))

    def _scan_patch(self, raw: RawLine, doc_id: str, value: dict[str, object]) -> None:
        version = value["patch"]
        if type(version) is not int or not 1 <= version <= PATCH_VERSION:
            self.problems.append(
                AnnotatorError(
                    f"unknown patch format {version!r} (this program reads formats 1 to "
                    f"{PATCH_VERSION}; upgrade?)",
                    file=self.path,
                    line=raw.number,
                    field="patch",
                )
            )
            return
        row = self.entries.row(doc_id)
        if row is None:
            self.problems.append(
                AnnotatorError(
                    f"patch line for document {doc_id!r} with no full record of it before "
                    "(its base is missing)",
                    file=self.path,
                    line=raw.number,
                    field="patch",
                )
            )
            return
        self.entries.add_patch(row, (raw.number, raw.offset, len(raw.data)), _status_of(value))

    _torn: RawLine | None = None

    def read_line(self, entry: RecordEntry) -> bytes:
        """The raw line of the record at ``entry`` (without its newline), not validated.

        For a record followed by patch lines: the line of the folded record, as
        :func:`encode_record` would write it. Raises :class:`AnnotatorError` naming the line
        when a patch cannot be folded.
        """
        if not entry.patches:
            if not self._from_cache:
                return self._read_at(entry.offset, entry.length)
            data = self._read_at(entry.offset, entry.length + 1)  # with the byte after it
            after = data[entry.length :]
            data = data[: entry.length] if after else data
            if not self._is_line_of(entry, data, after):
                return self.read_line(self._rescanned(entry))
            return data
        return orjson.dumps(self._fold(entry))

    # -- an index from the cache that does not match the file (QA s7 A7) ---------------------

    _from_cache = False
    """:attr:`entries` came from the index cache, not from reading the file: each line read
    is checked to be the one the index says (:meth:`_is_line_of`)."""
    _rescans = 0
    """Times the file was scanned again because its cached index did not match it."""

    def _is_line_of(self, entry: RecordEntry, data: bytes, after: bytes) -> bool:
        """Whether ``data``, read where the cached index puts the full record of
        ``entry.doc_id``, is that record's line: its ``doc_id`` (compared in the first bytes
        for a line this program wrote, else parsed) and ``after``, the byte after it, a line
        end (or nothing: the end of the file). No read of its own: a cheap check of a line
        read anyway."""
        if after not in (b"\n", b"") or len(data) != entry.length:
            return False
        prefix = b'{"schema_version":1,"doc_id":' + orjson.dumps(entry.doc_id) + b","
        if data.startswith(prefix):
            return True
        if data.startswith(b'{"schema_version":1,"doc_id":"'):
            return False  # another document's line
        head = record_head(data)
        return head is not None and head[0] == entry.doc_id

    def _rescanned(self, entry: RecordEntry) -> RecordEntry:
        """Drop the cached index (it does not describe the file: a damaged cache), scan the
        file again, store the right index in the cache, and return the entry of
        ``entry.doc_id`` in it."""
        self._from_cache = False
        self._rescans += 1
        cache, self._cache = self._cache, None
        try:
            self.entries = self._new_index()
            self.lines = 0
            self._size = 0
            self._superseded = None
            self._ids = None
            self._item_lines = None
            if self._reader is not None:
                self._scan(self._reader)
        finally:
            self._cache = cache
        if self._reader is not None and self._handle is None:
            stamp = file_stamp(self.path, self._reader)
            if stamp is not None and stamp[0] == self._size:
                self._store_cached(stamp)  # the damaged cache is replaced
        found = self.entries.get(entry.doc_id)
        if found is None:
            raise AnnotatorError(
                f"no record of {entry.doc_id!r} in it after all (its cached index was wrong; "
                "scanned again)",
                file=self.path,
            )
        return found

    def _parse_at(self, line: int, offset: int, length: int) -> dict[str, Any]:
        data = self._read_at(offset, length)
        if len(data) != length:
            raise AnnotatorError("shorter than its index (changed meanwhile?)", file=self.path)
        return parse_json_object(RawLine(line, offset, data, True), file=self.path)

    def _fold(self, entry: RecordEntry) -> dict[str, Any]:
        """The current record of a patched entry, as parsed JSON."""
        base = self._parse_at(entry.line, entry.offset, entry.length)
        if self._from_cache and base.get("doc_id") != entry.doc_id:
            return self._fold(self._rescanned(entry))
        fold = _Fold(base, self.path, entry.line)
        for line, offset, length in entry.patches or ():
            fold.apply(self._parse_at(line, offset, length), line)
        folded, item_lines = fold.result()
        self._item_lines = (entry.doc_id, entry.last_line, item_lines)
        return folded

    _item_lines: tuple[str, int, dict[str, list[int]]] | None = None
    """For the record folded last: its last line and the line each span and relation is from."""

    def relocate(self, doc_id: str, problems: Sequence[_P]) -> list[_P]:
        """``problems`` found in the record of ``doc_id`` just read from this file (by
        :meth:`iter_records`, :meth:`get`...), each moved to the line its field comes from: a
        record completed by patch lines has its spans and relations on several lines. Problems
        of other records are returned as they are."""
        if self._item_lines is None or self._item_lines[0] != doc_id:
            return list(problems)
        _doc_id, last_line, item_lines = self._item_lines
        moved: list[_P] = []
        for problem in problems:
            line = problem.line
            if problem.file == str(self.path) and line == last_line:
                match = _ITEM_FIELD.match(problem.field or "")
                if match is not None:
                    lines = item_lines.get(match.group(1), [])
                    index = int(match.group(2))
                    if index < len(lines):
                        line = lines[index]
            if line == problem.line:
                moved.append(problem)
            else:
                moved.append(
                    type(problem)(
                        problem.message, file=problem.file, line=line, field=problem.field
                    )
                )
        return moved

    def read_record(self, entry: RecordEntry) -> AnnotationRecord:
        """The validated record at ``entry``; raises :class:`AnnotatorError` on a bad record
        (naming the line at fault: the full record line or one of its patch lines)."""
        data = self.read_line(entry)
        try:
            record = _validate_json(data)
        except ValidationError as error:
            raise self._locate(entry, error)[0] from None
        if self.writable and entry.length >= self.PATCH_MIN_BYTES:
            # Patches name items by id, so they fold onto a record in any order (one written by
            # another tool, say): the record is never rewritten whole just to reorder it.
            self._remember_ids(record)
        return record

    def _locate(self, entry: RecordEntry, error: ValidationError) -> list[AnnotatorError]:
        """The problems of a record that failed validation, on the line each comes from."""
        if entry.patches:
            # Rare path: validate each line on its own to name the one at fault.
            try:
                AnnotationRecord.model_validate_json(self._read_at(entry.offset, entry.length))
            except ValidationError as base_error:
                return list(
                    problems_from_validation_error(base_error, file=self.path, line=entry.line)
                )
            for line, offset, length in entry.patches:
                try:
                    RecordPatch.model_validate_json(self._read_at(offset, length))
                except ValidationError as patch_error:
                    return list(
                        problems_from_validation_error(patch_error, file=self.path, line=line)
                    )
        return list(problems_from_validation_error(error, file=self.path, line=entry.last_line))

    def get(self, doc_id: str) -> AnnotationRecord | None:
        entry = self.entries.get(doc_id)
        return None if entry is None else self.read_record(entry)

    def status(self, doc_id: str) -> Status | None:
        return self.entries.status_of(doc_id)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def iter_records(self) -> Iterator[tuple[int, AnnotationRecord]]:
        """``(line, record)`` for every document's current record, in file order.

        Records that fail validation are reported in :attr:`problems` and skipped. For a record
        completed by patch lines, the line is that of its last patch.
        """
        for entry, chunk in self.iter_lines():
            record = self.validate_line(entry, chunk)
            if record is not None:
                yield entry.last_line, record

    def iter_lines(self) -> Iterator[tuple[RecordEntry, bytes]]:
        """Every document's current record as its raw line (see :meth:`read_line`), in file
        order, not validated (:meth:`validate_line`); a line that cannot be read is reported in
        :attr:`problems` and skipped."""
        if not self.entries:
            return
        done: set[str] | None = set() if self._from_cache else None
        while True:
            entries, rescans = self.entries, self._rescans
            for doc_id, row in entries.rows_by_offset():  # front to back; memory stays flat
                if done is not None and doc_id in done:
                    continue
                entry = entries._entry(doc_id, row)
                try:
                    chunk = self.read_line(entry)
                except AnnotatorError as error:
                    self.problems.append(error)
                    continue
                if self._rescans != rescans:
                    break  # the cached index was wrong: the rest from the file's own index
                if done is not None:
                    done.add(doc_id)
                yield entry, chunk
            else:
                return

    def validate_line(self, entry: RecordEntry, chunk: bytes) -> AnnotationRecord | None:
        """The record of a line :meth:`iter_lines` gave; None after reporting its problems in
        :attr:`problems`, each on the line it comes from."""
        try:
            return _validate_json(chunk)
        except ValidationError as error:
            self.problems.extend(self._locate(entry, error))
            return None

    # -- writing ------------------------------------------------------------------------------

    def _prepare_for_writing(self) -> None:
        if self.problems:
            first = self.problems[0]
            raise AnnotatorError(
                f"cannot be fully read ({len(self.problems)} bad line(s), first at line "
                f"{first.line}: {first.message}); it will not be written to until it is fixed",
                file=self.path,
            )
        torn = self._torn
        if torn is not None:
            side = self.path.with_name(f"{self.path.name}.torn-{int(time.time())}")
            number = 1
            while side.exists():  # never overwrite an earlier recovery
                number += 1
                side = self.path.with_name(f"{self.path.name}.torn-{int(time.time())}-{number}")
            side.write_bytes(torn.data)
            with self.path.open("r+b") as handle:
                handle.truncate(torn.offset)
                handle.flush()
                os.fsync(handle.fileno())
            self._size = torn.offset
            self._torn = None
            self.set_aside.append(side)
        if self._size and not self._ends_with_newline():
            # A complete last line without its newline (a hand edit): end it, or the next
            # append would glue two records into one unreadable line.
            with self.path.open("ab") as handle:
                handle.write(b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            self._size += 1
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.lines - len(self.entries) > max(self.COMPACT_MIN_LINES, len(self.entries)):
            # Tidying only: a full disk, or a patch line that does not fit (reported when its
            # record is read), must not block saving the other documents.
            with contextlib.suppress(OSError, AnnotatorError):
                self.compact()
        existed = self.path.exists()
        self._handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if not existed:
            fsync_directory(self.path.parent)

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as handle:
            handle.seek(self._size - 1)
            return handle.read(1) == b"\n"

    def _check_unchanged(self, handle: int) -> None:
        """Refuse to write when another program replaced, removed or appended to the file, or
        when this writer's lock is no longer the lock (its file removed and taken by another)."""
        if self._lock is not None:
            try:
                self._lock.confirm()
            except AnnotatorError as error:
                raise StoreWriteError(error.message, file=self.path, error_number=None) from None
        try:
            on_disk = os.stat(self.path)
        except FileNotFoundError:
            raise StoreWriteError(
                "was removed by another program since it was opened; nothing was written "
                "(reopen it to continue)",
                file=self.path,
                error_number=None,
            ) from None
        mine = os.fstat(handle)
        if (on_disk.st_dev, on_disk.st_ino) != (mine.st_dev, mine.st_ino):
            raise StoreWriteError(
                "was replaced by another program since it was opened; nothing was written "
                "(reopen it to continue)",
                file=self.path,
                error_number=None,
            )
        if mine.st_size != self._size:
            if self._dirty and mine.st_size > self._size:
                os.ftruncate(handle, self._size)  # our own unacknowledged bytes
                os.fsync(handle)
                self._dirty = False
                return
            raise StoreWriteError(
                f"was changed by another program since it was opened (size {mine.st_size}, "
                f"expected {self._size}); nothing was written (reopen it to continue)",
                file=self.path,
                error_number=None,
            )
        self._dirty = False

    def check_unchanged(self) -> None:
        """Raise :class:`StoreWriteError` (``errno`` None) when another program replaced,
        removed or changed the file since this writer opened it, as every save checks first."""
        if self._handle is not None:
            self._check_unchanged(self._handle)

    def _remember_ids(self, record: AnnotationRecord) -> None:
        self._ids = _SavedIds.of(record)

    def _patch_line(self, record: AnnotationRecord, delta: RecordDelta) -> bytes | None:
        """The patch line saving ``record``, or None when the record is
        to be written whole: small record, no full record before, chain too long, or a delta
        that does not fit the saved record (checked against its ids, in time of the delta).

        Format 1 unless the delta describes ``rejected`` or ``provenance`` of a record that has
        them: then format 2, with their changes instead of the whole fields."""
        entry = self.entries.get(record.doc_id)
        saved = self._ids
        if (
            entry is None
            or entry.length < self.PATCH_MIN_BYTES
            or record.doc_id in self._needs_full
            or saved is None
            or saved.doc_id != record.doc_id
        ):
            return None
        patches = entry.patches or []
        if len(patches) >= self.PATCH_MAX_CHAIN:
            return None
        if _count_after(saved.spans, delta.spans_set, delta.spans_removed) != len(
            record.spans
        ) or _count_after(saved.relations, delta.relations_set, delta.relations_removed) != len(
            record.relations
        ):
            return None
        span_places = _places(record.spans, delta.spans_set, span_order)
        relation_places = _places(record.relations, delta.relations_set, None)
        if span_places is None or relation_places is None:
            return None
        exclude = set(_ITEM_FIELDS)
        rejected, rejected_places = record.rejected, None
        if delta.rejected_set is not None:
            exclude.add("rejected")  # absent from the record: absent from the patch too
            if rejected is not None:
                if _count_after(saved.rejected, delta.rejected_set, delta.rejected_removed) != len(
                    rejected
                ):
                    return None
                rejected_places = _places(rejected, delta.rejected_set, None)
                if rejected_places is None:
                    return None
        provenance, provenance_set = record.provenance, None
        if delta.provenance_set is not None:
            exclude.add("provenance")
            if provenance is not None:
                provenance_set = _provenance_change(saved.provenance, provenance, delta)
                if provenance_set is None:
                    return None
        scalars = record.model_dump(mode="json", exclude_none=True, exclude=exclude)
        version = (
            1
            if rejected_places is None
            and provenance_set is None
            and "rejected_relations" not in scalars
            else 2
        )
        patch: dict[str, object] = {"patch": version}
        for name in _SCALAR_FIELDS:
            if name in scalars:
                patch[name] = scalars[name]
        for name, places, removed in (
            ("spans", span_places, delta.spans_removed),
            ("relations", relation_places, delta.relations_removed),
        ):
            if places:
                listed = cast("list[Span]", [item for item, _ in places])  # or relations
                patch[f"{name}_set"] = orjson.Fragment(_encoded_items(listed))
                patch[f"{name}_after"] = [after for _, after in places]
            if removed:
                patch[f"{name}_removed"] = list(removed)
        patch["span_count"] = len(record.spans)
        patch["relation_count"] = len(record.relations)
        if rejected_places is not None and rejected is not None:
            if rejected_places:
                listed = cast("list[Span]", [item for item, _ in rejected_places])
                patch["rejected_set"] = orjson.Fragment(_encoded_items(listed))
                patch["rejected_after"] = [after for _, after in rejected_places]
            if delta.rejected_removed:
                patch["rejected_removed"] = list(delta.rejected_removed)
            patch["rejected_count"] = len(rejected)
        if provenance_set is not None and provenance is not None:
            if provenance_set:
                patch["provenance_set"] = _encoded_provenance(provenance_set)
            if delta.provenance_removed:
                patch["provenance_removed"] = list(delta.provenance_removed)
            patch["provenance_count"] = len(provenance)
        line = orjson.dumps(patch) + b"\n"
        if sum(patch[2] for patch in patches) + len(line) > entry.length * self.PATCH_MAX_SHARE:
            return None
        return line

    def save(self, record: AnnotationRecord, delta: RecordDelta | None = None) -> None:
        """Append ``record`` as the document's current record; durable when this returns.

        ``delta``, when given, is what changed in the record since the version last saved for
        it (by this object, or read with :meth:`get` from it). For a large record it lets the
        save append a small patch line instead of the whole record, so that it costs what the
        edit costs; the store checks the delta against the ids of the saved record and writes
        the record whole when it does not fit (or when the chain of patches is long).

        Raises :class:`StoreWriteError` (an :class:`AnnotatorError`) when the disk refuses the
        write; the record is then not saved, the file is unchanged, and ``save`` may be retried
        (with the same delta or a later one: the next save of that document writes it whole).
        """
        if self._handle is None:
            raise AnnotatorError("opened read-only; cannot save", file=self.path)
        if record.annotator != self.annotator:
            raise AnnotatorError(
                f"record of {record.annotator!r} cannot go in the file of {self.annotator!r}",
                file=self.path,
            )
        patch = None if delta is None else self._patch_line(record, delta)
        line = encode_record(record) if patch is None else patch
        # Until this save succeeds, the document's next save is whole: the caller's next delta
        # may not cover what this one carried.
        self._needs_full.add(record.doc_id)
        self._append(line)
        row = self.entries.row(record.doc_id)
        if patch is not None and row is not None and self._ids is not None:
            assert delta is not None
            self.lines += 1
            self._needs_full.discard(record.doc_id)
            self.entries.add_patch(row, (self.lines, self._size, len(line) - 1), record.status)
            self._ids.update(record, delta)
            self._size += len(line)
        else:
            self._acknowledge(record, line)
        self._compact_when_due()

    SAVE_MANY_BATCH_BYTES = 4 * 1024 * 1024
    """:meth:`save_many` fsyncs once per this many bytes of records (and at the end)."""

    def save_many(self, records: Iterable[AnnotationRecord]) -> int:
        """Append each of ``records`` as its document's current record, as :meth:`save` would
        (the same lines, byte for byte), with one fsync per :attr:`SAVE_MANY_BATCH_BYTES`
        instead of one per record; every record is durable when this returns. Returns how many
        were saved.

        ``records`` may be a generator: records wait in memory until their batch is written.
        Records are acknowledged (in :attr:`entries`) batch by batch, each after its fsync. When
        the disk refuses a batch, the file is cut back to the end of the last acknowledged one
        and :class:`StoreWriteError` is raised, its ``saved`` the number of records durable
        before it; when ``records`` itself raises, or a record is refused (another annotator's),
        the records before it are written and fsynced first, then the error propagates.
        """
        if self._handle is None:
            raise AnnotatorError("opened read-only; cannot save", file=self.path)
        saved = 0
        lines: list[bytes] = []
        pending: list[AnnotationRecord] = []
        size = 0
        try:
            for record in records:
                if record.annotator != self.annotator:
                    raise AnnotatorError(
                        f"record of {record.annotator!r} cannot go in the file of "
                        f"{self.annotator!r}",
                        file=self.path,
                    )
                line = encode_record(record)
                self._needs_full.add(record.doc_id)
                lines.append(line)
                pending.append(record)
                size += len(line)
                if size >= self.SAVE_MANY_BATCH_BYTES:
                    saved += self._save_batch(pending, lines, saved)
                    lines, pending, size = [], [], 0
        except BaseException as error:
            if pending and not isinstance(error, StoreWriteError):
                self._save_batch(pending, lines, saved)  # the records before the error
            raise
        if pending:
            saved += self._save_batch(pending, lines, saved)
        return saved

    def _save_batch(self, records: list[AnnotationRecord], lines: list[bytes], saved: int) -> int:
        try:
            self._append(b"".join(lines))
        except StoreWriteError as error:
            error.saved = saved
            raise
        for record, line in zip(records, lines, strict=True):
            self._acknowledge(record, line)
        self._compact_when_due()
        return len(records)

    def _append(self, data: bytes) -> None:
        """Write ``data`` at the end of the file and fsync it; on failure, cut the file back to
        its acknowledged size and raise :class:`StoreWriteError`."""
        assert self._handle is not None
        try:
            self._check_unchanged(self._handle)
        except OSError as error:
            if isinstance(error, StoreWriteError):
                raise
            raise _write_error("could not save", error, self.path) from error
        written = 0
        try:
            while written < len(data):
                written += os.write(self._handle, data[written:])
            os.fsync(self._handle)
        except OSError as error:
            # Whatever reached the file is not acknowledged: cut it back (now, or before the
            # next write if that fails too) so the file stays readable.
            self._dirty = True
            with contextlib.suppress(OSError):
                os.ftruncate(self._handle, self._size)
                self._dirty = False
            raise _write_error("could not save", error, self.path) from error

    def _acknowledge(self, record: AnnotationRecord, line: bytes) -> None:
        """``line``, the full record line of ``record`` written at the end, is durable."""
        self.lines += 1
        self._needs_full.discard(record.doc_id)
        if self._superseded is not None:
            self._superseded += self._current_bytes(record.doc_id)
        self.entries.put(record.doc_id, self.lines, self._size, len(line) - 1, record.status)
        if len(line) > self.PATCH_MIN_BYTES:
            self._remember_ids(record)  # the next edit's delta is checked against them
        elif self._ids is not None and self._ids.doc_id == record.doc_id:
            self._ids = None
        self._size += len(line)

    def _current_bytes(self, doc_id: str) -> int:
        """The bytes of the document's current record: its full line and its patch lines."""
        entries = self.entries
        row = entries.row(doc_id)
        if row is None:
            return 0
        return (
            entries.lengths[row] + 1 + sum(patch[2] + 1 for patch in entries.patches.get(row, ()))
        )

    def _superseded_bytes(self) -> int:
        if self._superseded is None:  # worked out once, then kept up to date by each save
            entries = self.entries
            current = sum(entries.lengths) + len(entries.lengths)
            current += sum(
                patch[2] + 1 for patches in entries.patches.values() for patch in patches
            )
            self._superseded = max(0, self._size - current)
        return self._superseded

    def _compact_when_due(self) -> None:
        superseded = self._superseded_bytes()
        if self.lines - len(self.entries) > max(
            self.COMPACT_MIN_LINES * 16, 4 * len(self.entries)
        ) or superseded > max(self.COMPACT_MIN_BYTES, 2 * (self._size - superseded)):
            # The records are durable already; a compaction that fails is tried again later.
            with contextlib.suppress(OSError, AnnotatorError):
                self.compact()

    def compact(self) -> None:
        """Rewrite the file with one line per document (atomic rename), folding patch lines
        into full records."""
        if self._handle is not None:
            self._check_unchanged(self._handle)
        entries = self.entries
        ordered = entries.rows_by_offset()
        lengths = array("q", entries.lengths)
        if self.path.exists():
            with self.path.open("rb") as source:  # copied record by record: memory stays flat

                def chunks() -> Iterator[bytes]:
                    for doc_id, row in ordered:
                        if row in entries.patches:  # folded into one full record
                            chunk = self.read_line(entries._entry(doc_id, row))
                            lengths[row] = len(chunk)
                            yield chunk + b"\n"
                            continue
                        source.seek(entries.offsets[row])
                        chunk = source.read(lengths[row])
                        if len(chunk) != lengths[row]:
                            raise AnnotatorError(
                                "shorter than its index; nothing was compacted", file=self.path
                            )
                        if self._from_cache and not self._is_line_of(
                            entries._entry(doc_id, row), chunk, source.read(1)
                        ):
                            raise AnnotatorError(
                                "its cached index does not match it; nothing was compacted",
                                file=self.path,
                            )
                        yield chunk + b"\n"

                atomic_write(self.path, chunks())
        else:
            ordered = []
            atomic_write(self.path, [])
        offset = 0
        for number, (_doc_id, row) in enumerate(ordered, start=1):
            entries.line_numbers[row], entries.offsets[row] = number, offset
            offset += lengths[row] + 1
        entries.lengths = lengths
        entries.patches.clear()
        self._item_lines = None
        self._from_cache = False  # every line was checked: the index is the new file's
        self.lines = len(ordered)
        self._size = offset
        self._superseded = 0
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None  # reopened on the next read: the compacted file
        if self._handle is not None:
            os.close(self._handle)
            self._handle = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    _written_file: tuple[int, int] | None = None
    """(inode, device) of the file this writer wrote to: its index is cached on closing only
    if that file is still the one at the path (not one another program put there)."""

    def close(self) -> None:
        if self._handle is not None:
            try:
                if self.lines > len(self.entries):
                    self.compact()
            except (OSError, AnnotatorError):
                pass  # the journal is complete as it is; compaction is only tidying
            finally:
                if self._handle is not None:
                    with contextlib.suppress(OSError):
                        info = os.fstat(self._handle)
                        self._written_file = (info.st_ino, info.st_dev)
                    os.close(self._handle)
                self._handle = None
            stamp = file_stamp(self.path)
            if (
                stamp is not None
                and (stamp[2], stamp[3]) == self._written_file
                and stamp != self._cached_stamp
                and stamp[0] == self._size
                and not self._dirty
            ):
                self._store_cached(stamp)  # the next open need not scan the file
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None

    def __del__(self) -> None:
        reader = getattr(self, "_reader", None)
        if reader is not None:
            with contextlib.suppress(OSError):
                os.close(reader)

    def __enter__(self) -> AnnotationFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
