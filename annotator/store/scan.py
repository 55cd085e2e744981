"""Quick checks of JSONL lines for indexing: the few fields an index needs, with every byte of
the line still checked, but no Python object built for the rest (a record of 40 spans is one
object here, not 200).

Each function answers only for a line it can vouch for: anything else (bad UTF-8 or JSON, a
field of the wrong type, a line of another kind) gives None, and the caller reads the line the
careful way, which words the problem with its file and line. So every message still comes from
a real parse, and a line given here is one the careful path accepts with the same fields.

The one difference: a number too large for a double (``1e999``, valid JSON) passes here, as it
does when the record is read (pydantic), while orjson refuses it.
"""

from __future__ import annotations

import codecs
from operator import itemgetter
from typing import Any

from annotator.store.jsonl import LineBlock

_ABSENT = frozenset({"absent"})
"""The value of a field missing from the line (no JSON value decodes to a frozenset)."""

_decoders: dict[str, Any] = {}
"""The decoders of record heads and document heads, made on first use: a project opened from
its index cache never needs msgspec, so it is not imported on the way to the first frame."""


def _decoder(kind: str) -> Any:
    decoder = _decoders.get(kind)
    if decoder is not None:
        return decoder
    import msgspec

    class RecordHead(msgspec.Struct, gc=False):  # no cycles: not tracked by the collector
        """The fields of a record line that its index keeps; the rest is only checked."""

        doc_id: Any = None
        annotator: Any = None
        status: Any = None
        patch: Any = _ABSENT

    # The fields of a corpus line; text and meta are checked, not built. Any other field
    # (kept in meta by the store) makes the line one for orjson, which checks its numbers as
    # the store reads them (msgspec only skips them). Made by defstruct: the annotations of a
    # class here would be strings naming msgspec, which is not a global of this module.
    document_head = msgspec.defstruct(
        "DocumentHead",
        [
            ("id", Any, None),
            ("title", Any, None),
            ("text", msgspec.Raw, msgspec.Raw(b"")),
            ("meta", msgspec.Raw, msgspec.Raw(b"{}")),
        ],
        forbid_unknown_fields=True,
        gc=False,
    )

    _decoders["record"] = msgspec.json.Decoder(RecordHead)
    _decoders["document"] = msgspec.json.Decoder(document_head)
    return _decoders[kind]


def _valid_utf8(block: LineBlock) -> bool:
    if block.data.isascii():  # what follows the block's lines too: ASCII is the usual case
        return True
    try:
        codecs.utf_8_decode(block.view(), "strict", True)  # msgspec checks the UTF-8 only of
    except UnicodeDecodeError:  # the strings it keeps
        return False
    return True


def object_lines(block: LineBlock) -> bool:
    """Whether each line of ``block`` is ``{...}`` and a newline, nothing else. No JSON value
    can then span two lines: after a ``}`` that does not end the line's value, JSON allows only
    ``,``, ``}`` or ``]``, never the ``{`` opening the next line. So a decoder reading
    whitespace-separated values that finds as many values as lines, each an object, found
    exactly one per line."""
    data, ends = block.data, block.ends
    count = len(ends)
    if not count or ends[-1] != block.end - 1 or data[:1] != b"{":
        return False
    closing = _bytes_at(data, [end - 1 for end in ends])
    opening = _bytes_at(data, [end + 1 for end in ends[:-1]])
    return closing.count(b"}") == count and opening.count(b"{") == count - 1


def _bytes_at(data: bytes, positions: list[int]) -> bytes:
    """The bytes of ``data`` at ``positions``, gathered in one C call."""
    if len(positions) < 2:
        return bytes(data[position] for position in positions)
    return bytes(itemgetter(*positions)(data))


def _decode_lines(kind: str, block: LineBlock) -> list[Any] | None:
    if not object_lines(block) or not _valid_utf8(block):
        return None
    try:
        heads: list[Any] = _decoder(kind).decode_lines(block.view())
    except (ValueError, RecursionError):  # msgspec's DecodeError and ValidationError
        return None
    return heads if len(heads) == len(block.ends) else None


def record_heads(block: LineBlock) -> list[Any] | None:
    """The head of each line of ``block`` in one C call, each with ``doc_id``, ``annotator``,
    ``status`` and ``patch`` (see :func:`is_patch`) as decoded: the caller checks their types
    as :func:`record_head` does. None unless every line is one valid JSON object in valid
    UTF-8 (see :func:`object_lines`): the caller then reads each line on its own."""
    return _decode_lines("record", block)


def is_patch(head: Any) -> bool:
    """Whether a head given by :func:`record_heads` is that of a patch line."""
    return head.patch is not _ABSENT


_INT64_MIN, _UINT64_END = -(1 << 63), 1 << 64
"""orjson reads integers in this range as int, larger ones as float."""


def document_heads(block: LineBlock) -> tuple[list[str], list[str | None]] | None:
    """``(ids, titles)`` of the lines of a corpus file in ``block``, or None unless every
    line is a document that the careful scan (orjson, then
    :class:`annotator.store.corpus.Corpus`'s checks) indexes alike: an object with only
    ``id``, ``title``, ``text`` and ``meta``, valid JSON and UTF-8, a non-empty string or
    integer id, a string text and a string or null title."""
    heads = _decode_lines("document", block)
    if heads is None:
        return None
    import orjson

    ids: list[Any] = [head.id for head in heads]
    titles: list[Any] = [head.title for head in heads]
    texts = [head.text for head in heads]
    # Every text a JSON string: its first byte a quote (one C pass over the first bytes).
    if bytes(map(_first_byte, texts)).count(b'"') != len(texts):
        return None
    if not set(map(type, titles)) <= {str, type(None)}:
        return None
    id_types = set(map(type, ids))
    if id_types != {str}:
        if not id_types <= {str, int}:
            return None
        for row, doc_id in enumerate(ids):
            if type(doc_id) is int:
                if not _INT64_MIN <= doc_id < _UINT64_END:
                    return None  # orjson reads it as a float: not an id
                ids[row] = str(doc_id)
    if "" in ids:
        return None
    # The metas checked by orjson in one call (numbers orjson refuses, such as 1e999).
    metas = [head.meta for head in heads]
    try:
        orjson.loads(b"[" + b",".join(metas) + b"]")
    except (ValueError, RecursionError):
        return None
    return ids, titles


def _first_byte(raw: Any) -> int:
    view = memoryview(raw)
    return view[0] if view else 0


def record_head(data: bytes) -> tuple[str, str, str] | None:
    """``(doc_id, annotator, status)`` of a whole-record line of an annotation file, or None
    when the careful path must read it: not valid UTF-8 or JSON, not an object, no string
    ``doc_id`` or ``annotator``, or a patch line (``"patch"`` key). ``status`` is
    ``"in_progress"`` when absent or not a string, as the store reads it."""
    if not data.isascii():
        try:
            data.decode("utf-8")  # msgspec checks the UTF-8 only of the strings it keeps
        except UnicodeDecodeError:
            return None
    try:
        head = _decoder("record").decode(data)
    except (ValueError, RecursionError):  # msgspec's DecodeError and ValidationError
        return None
    doc_id, annotator, status = head.doc_id, head.annotator, head.status
    if head.patch is not _ABSENT or type(doc_id) is not str or not doc_id:
        return None
    if type(annotator) is not str:
        return None
    return doc_id, annotator, status if type(status) is str else "in_progress"
