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

from collections.abc import Callable
from typing import Any

_ABSENT = frozenset({"absent"})
"""The value of a field missing from the line (no JSON value decodes to a frozenset)."""

_decode_head: Callable[[bytes], Any] | None = None
"""The decoder of record heads, made on first use: a project opened from its index cache
never needs msgspec, so it is not imported on the way to the first frame."""


def _record_head_decoder() -> Callable[[bytes], Any]:
    global _decode_head
    if _decode_head is None:
        import msgspec

        class RecordHead(msgspec.Struct):
            """The fields of a record line that its index keeps; the rest is only checked."""

            doc_id: Any = None
            annotator: Any = None
            status: Any = None
            patch: Any = _ABSENT

        _decode_head = msgspec.json.Decoder(RecordHead).decode
    return _decode_head


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
    decode = _decode_head or _record_head_decoder()
    try:
        head = decode(data)
    except (ValueError, RecursionError):  # msgspec's DecodeError and ValidationError
        return None
    doc_id, annotator, status = head.doc_id, head.annotator, head.status
    if head.patch is not _ABSENT or type(doc_id) is not str or not doc_id:
        return None
    if type(annotator) is not str:
        return None
    return doc_id, annotator, status if type(status) is str else "in_progress"
