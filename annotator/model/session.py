"""The editing session of one document: cursor, selection, spans, relations, undo and redo.

This is the annotate screen without a screen. A key press in the TUI calls one method here and
repaints; every method can be tested without a terminal. Methods that change the annotation return
the new :class:`AnnotationRecord` to save (``None`` when nothing changed, with :attr:`message`
saying why). Moves that depend on the wrapped layout (up/down, row start/end, page) are done by
the view, which computes the target offset and calls :meth:`move_to`.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import attrgetter, le, neg
from typing import Literal, NamedTuple

from annotator.model.config import ProjectConfig, RelationTypeConfig
from annotator.model.delta import RecordDelta
from annotator.model.graphemes import grapheme_end, grapheme_start, snap_out
from annotator.model.records import (
    AnnotationRecord,
    Document,
    Relation,
    Span,
    SpanProvenance,
    Status,
)
from annotator.model.span_index import SpanIndex
from annotator.model.text import text_sha256
from annotator.model.tokenize import LazyTokenIndex

Snap = Literal["word", "char"]
IDLE_SECONDS = 60.0
"""A pause longer than this between two actions is not counted as time spent."""


class ActiveTime:
    """Seconds of active work: gaps between actions count only up to :data:`IDLE_SECONDS`."""

    def __init__(self) -> None:
        self.total = 0.0
        self._last: float | None = None

    def pause(self) -> None:
        """The time until the next action is not counted (the annotator was elsewhere)."""
        self._last = None

    def touch(self, now: float) -> None:
        if self._last is not None:
            gap = now - self._last
            if 0 <= gap <= IDLE_SECONDS:
                self.total += gap
        self._last = now


class LinkOption(NamedTuple):
    """A relation type the current span can head, with its possible tails nearest first."""

    relation: RelationTypeConfig
    tails: list[Span]
    """The nearest tails (all of them unless a limit was asked for)."""
    total: int
    """How many tails there are in all."""


@dataclass(frozen=True, slots=True)
class _State:
    """What undo restores besides the spans (relations are few; spans can be 100,000)."""

    relations: list[Relation]
    """The list itself, not a copy: a relations list is never changed once made."""
    status: Status
    note: str
    cursor: int
    current_id: str | None


@dataclass(slots=True)
class _Edit:
    """One undoable change: the spans it added and removed, and the state before and after."""

    before: _State
    after: _State | None = None
    added: list[Span] = field(default_factory=list)
    removed: list[Span] = field(default_factory=list)
    provenance: dict[str, SpanProvenance | None] = field(default_factory=dict)
    """Gold records: the provenance entry of each span id the edit changed, as it was before
    (None: none); a gold record has an entry per span, so undo keeps only these."""
    provenance_after: dict[str, SpanProvenance | None] = field(default_factory=dict)
    """The same ids' entries after the edit (filled in by undo, for redo)."""


_ID_OF = attrgetter("id")


_START = attrgetter("start")
_END = attrgetter("end")
_LABEL = attrgetter("label")
_HEAD = attrgetter("head")
_TAIL = attrgetter("tail")


def _span_order(span: Span) -> tuple[int, int, str, str]:
    return (span.start, -span.end, span.label, span.id)


class EditingSession:
    """One annotator editing one document."""

    def __init__(
        self,
        document: Document,
        config: ProjectConfig,
        annotator: str,
        record: AnnotationRecord | None = None,
        *,
        read_only: bool = False,
        snapshots: bool = True,
    ) -> None:
        """``snapshots=False``: the records the edits return share the session's span list
        instead of copying it (100,000 spans: a copy per edit, and the garbage collector
        walking each copy), so each must be used (saved) before the next change; the annotate
        screen saves every record at once, and its saver copies one it has to keep."""
        self.document = document
        self.text = document.text
        self.config = config
        self.annotator = annotator
        self.text_sha256 = text_sha256(self.text)
        self.stale = record is not None and record.text_sha256 != self.text_sha256
        """The saved record was made on a different text: shown read-only, never re-saved."""
        self.read_only = read_only or self.stale
        self.snapshots = snapshots
        self.tokens = LazyTokenIndex(self.text, config.tokenizer)
        self.snap: Snap = config.tokenizer.snap
        self.revision = 0
        """Counts changes to spans, relations and status (views redraw what depends on them)."""
        self.spans: list[Span] = []
        self._by_id: dict[str, Span] = {}
        self._index: SpanIndex[Span] = SpanIndex()
        self._counts: dict[str, int] = {}
        self._changes: tuple[list[Span], list[Span]] | None = None
        """Spans added and removed since :meth:`take_changes` (None: everything changed)."""
        self._span_changes = 0
        """Counts every change of the span list (what :meth:`spans_at` keeps depends on it)."""
        self._spans_at: tuple[tuple[int, int], list[Span]] | None = None
        self._load_spans(record.spans if record else [])
        self.relations: list[Relation] = list(record.relations) if record else []
        """Never changed in place: every change of the relations makes a new list (undo keeps
        the old lists as they are)."""
        self._saved_spans: dict[str, Span | None] = {}
        """Span ids touched since :meth:`take_delta`, each with its span then (None: absent)."""
        self._saved_relations = self.relations
        """The relations list as of the last :meth:`take_delta`."""
        self.status: Status = record.status if record else Status.in_progress
        self.note: str = record.note if record else ""
        self.base_seconds = record.seconds_spent if record else 0.0
        self._edit: _Edit | None = None
        self.provenance: dict[str, SpanProvenance] | None = None
        """Gold records: span id to where it came from, for the spans there are (an entry goes
        with its span); a span added or changed here is ``edited``. Kept when the record has
        provenance or the annotator is the gold one."""
        self._saved_provenance: dict[str, tuple[SpanProvenance | None, bool]] = {}
        """Span ids whose provenance entry changed since :meth:`take_delta`: the entry then
        (None: none), and whether it was dropped meanwhile (a dropped entry set again comes
        last in :attr:`provenance`)."""
        if record is not None and record.provenance is not None:
            self.provenance = dict(record.provenance)
            if not self.provenance.keys() <= self._by_id.keys():  # in C, nothing made
                for span_id in [key for key in self.provenance if key not in self._by_id]:
                    self._set_provenance(span_id, None)  # an entry without its span goes
        elif annotator == config.gold_annotator:
            self.provenance = {}
        self.rejected_relations = record.rejected_relations if record else None
        """Gold records: relations the adjudicator rejected in review, carried through."""
        self.rejected = list(record.rejected) if record and record.rejected is not None else None
        """Gold records: versions the adjudicator rejected, carried through unchanged; those
        drawn again as spans are left out of the saved record while they are drawn."""
        self._rejected_live: list[Span] = []
        """The rejected versions not drawn as a span, in :attr:`rejected`'s order."""
        self._rejected_places: list[int] = []
        """The place in :attr:`rejected` of each of :attr:`_rejected_live`."""
        self._rejected_at: dict[tuple[int, int, str], list[int]] = {}
        """Start, end and label of a rejected version to its places in :attr:`rejected`."""
        self._drawn: dict[tuple[int, int, str], int] = {}
        """How many spans are drawn where a rejected version is (only such places)."""
        self._saved_rejected: dict[str, tuple[bool, bool, Span]] | None = None
        """Rejected versions whose presence in the saved record changed since
        :meth:`take_delta`: id to (present then, present now, the version); None when their
        ids are not unique (the delta then does not describe ``rejected``)."""
        if self.rejected is not None:
            self._load_rejected(self.rejected)
        self.time = ActiveTime()
        self.cursor = 0
        self.anchor: int | None = None
        """Where the selection started; None: no selection."""
        self.visual = False
        """Plain moves extend the selection (``v``)."""
        self.current_id: str | None = None
        """The span the last tag, tab or span edit made current."""
        self.pending_link: tuple[str, str] | None = None
        """(relation type, head span id) waiting for a new tail span to be tagged."""
        self.message = ""
        """What the last action did or why it did nothing; for the status line."""
        self.message_edge: tuple[str, str, str, Literal["start", "end"]] | None = None
        """After a span edge moved: the message it set, the label, the span's whole text and
        the edge, for a view with room to show more of the text (while the message is the
        same)."""
        self.search_query = ""
        self._lowered: str | None = None
        self._paragraphs: list[int] | None = None
        self._undo: list[_Edit] = []
        self._redo: list[_Edit] = []
        self._relation_ids: tuple[list[Relation], int, set[str]] | None = (
            self.relations,
            len(self.relations),
            set(map(_ID_OF, self.relations)),
        )
        """Made with the rest of the loaded record (the first new id then costs no pass)."""
        self._tails: tuple[list[Relation], int, dict[str, str]] | None = None
        self._linked: tuple[list[Relation], int, set[str]] | None = None
        """Caches over :attr:`relations`, valid while it is the same list of the same length
        (every change of the relations makes a new list)."""
        self._next_id = 0
        """The next number for a new id; 0: not worked out yet (on the first new id)."""
        if record is not None and record.cursor is not None:
            self.cursor = self._clamp(record.cursor)

    # -- basic geometry -----------------------------------------------------------------------

    @property
    def last_offset(self) -> int:
        """The largest cursor offset (the start of the last grapheme)."""
        return grapheme_start(self.text, len(self.text) - 1) if self.text else 0

    def _clamp(self, offset: int) -> int:
        return grapheme_start(self.text, max(0, min(offset, self.last_offset)))

    def selection(self) -> tuple[int, int] | None:
        """The selected extent ``[start, end)``, snapped to words or graphemes; None if none."""
        if self.anchor is None or not self.text:
            return None
        low = grapheme_start(self.text, min(self.anchor, self.cursor))
        high = grapheme_end(self.text, max(self.anchor, self.cursor))
        if self.snap == "word":
            words = self.tokens.extent(low, high)
            if words is not None:
                low, high = words
        while low < high and self.text[low].isspace():
            low += 1
        while high > low and self.text[high - 1].isspace():
            high -= 1
        if low >= high:
            return None
        return snap_out(self.text, low, high)

    def word_at(self, offset: int) -> tuple[int, int] | None:
        """The token under ``offset`` (grapheme-snapped); None on whitespace."""
        word = self.tokens.extent(offset, offset + 1)
        return None if word is None else snap_out(self.text, *word)

    def spans_at(self, offset: int) -> list[Span]:
        """Spans containing ``offset``, innermost (shortest) first."""
        # Asked three times a key (the current span, the side panel, the status line): kept
        # for one offset until the spans change.
        cached = self._spans_at
        if cached is not None and cached[0] == (self._span_changes, offset):
            return list(cached[1])
        found = sorted(self._index.at(offset), key=_span_order)
        found.sort(key=lambda span: (span.end - span.start, span.start))
        self._spans_at = ((self._span_changes, offset), found)
        return list(found)

    def spans_in(self, start: int, end: int) -> list[Span]:
        """Spans overlapping ``[start, end)``, in reading order."""
        return sorted(self._index.overlapping(start, end), key=_span_order)

    def span(self, span_id: str) -> Span | None:
        return self._by_id.get(span_id)

    def index_of(self, span: Span) -> int:
        """The position of ``span`` in :attr:`spans` (reading order); -1 if it is not there."""
        index = bisect_left(self.spans, _span_order(span), key=_span_order)
        found = index < len(self.spans) and _span_order(self.spans[index]) == _span_order(span)
        return index if found else -1

    def _find(self, start: int, end: int, label: str) -> Span | None:
        """The span with this extent and label, if there is one."""
        index = bisect_left(self.spans, (start, -end), key=lambda span: (span.start, -span.end))
        while index < len(self.spans):
            span = self.spans[index]
            if (span.start, span.end) != (start, end):
                return None
            if span.label == label:
                return span
            index += 1
        return None

    def current_span(self) -> Span | None:
        """The span actions apply to: the one made current, else the innermost under the cursor."""
        if self.current_id is not None:
            span = self.span(self.current_id)
            if span is not None and span.start <= self.cursor < span.end:
                return span
        inner = self.spans_at(self.cursor)
        return inner[0] if inner else None

    def links_of(self, span_id: str) -> list[Relation]:
        return [r for r in self.relations if span_id in (r.head, r.tail)]

    def linked_tail(self, span_id: str) -> Span | None:
        """The span a head is linked to (e.g. the speaker of a claim)."""
        relations = self.relations
        cached = self._tails
        if cached is None or cached[0] is not relations or cached[1] != len(relations):
            # The first relation of each head wins: a dict made from the reversed list (in C).
            heads = map(_HEAD, reversed(relations))
            tails = dict(zip(heads, map(_TAIL, reversed(relations)), strict=True))
            cached = (relations, len(relations), tails)
            self._tails = cached
        tail = cached[2].get(span_id)
        return None if tail is None else self.span(tail)

    def label_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.config.label_names, 0)
        for label, count in self._counts.items():
            if count or label in counts:
                counts[label] = count
        return counts

    # -- the span list and its indexes --------------------------------------------------------

    def _load_spans(self, spans: Sequence[Span]) -> None:
        # The order of _span_order, with keys made in C; a record saved by a session is in
        # that order already (one C pass checks it), or nearly (patch lines append new spans).
        keys = list(
            zip(
                map(_START, spans),
                map(neg, map(_END, spans)),
                map(_LABEL, spans),
                map(_ID_OF, spans),
                strict=True,
            )
        )
        if all(map(le, keys, islice(keys, 1, None))):
            ordered = list(spans)
        else:
            ordered = list(map(spans.__getitem__, sorted(range(len(keys)), key=keys.__getitem__)))
        self.spans = ordered
        self._span_changes += 1
        self._by_id = dict(zip(map(_ID_OF, ordered), ordered, strict=True))
        self._index = SpanIndex(ordered, presorted=True)
        self._counts = dict(Counter(map(_LABEL, ordered)))
        self._changes = None

    def _add_span(self, span: Span) -> None:
        self._span_changes += 1
        if span.id not in self._saved_spans:
            self._saved_spans[span.id] = self._by_id.get(span.id)
        self.spans.insert(bisect_right(self.spans, _span_order(span), key=_span_order), span)
        self._by_id[span.id] = span
        self._index.add(span)
        self._counts[span.label] = self._counts.get(span.label, 0) + 1
        if self._rejected_at:
            self._draw((span.start, span.end, span.label), 1)
        if self._edit is not None:
            self._edit.added.append(span)
        if self._changes is not None:
            self._changes[0].append(span)

    def _drop_span(self, span: Span) -> None:
        index = self.index_of(span)
        if index < 0:
            return
        self._span_changes += 1
        if span.id not in self._saved_spans:
            self._saved_spans[span.id] = self._by_id.get(span.id)
        del self.spans[index]
        self._by_id.pop(span.id, None)
        self._index.remove(span)
        self._counts[span.label] -= 1
        if self.provenance is not None and span.id in self.provenance:
            self._set_provenance(span.id, None)
        if self._rejected_at:
            self._draw((span.start, span.end, span.label), -1)
        if self._edit is not None:
            self._edit.removed.append(span)
        if self._changes is not None:
            self._changes[1].append(span)

    def take_delta(self) -> RecordDelta:
        """What changed in the spans and relations since the last call (or since the record
        the session was opened on): the patch to save with :meth:`to_record`'s record.

        Costs what the edits touched, not what the document holds (except when the relations
        changed: they are compared as lists, in C)."""
        spans_set: list[Span] = []
        spans_removed: list[str] = []
        by_id = self._by_id
        for span_id, before in self._saved_spans.items():
            now = by_id.get(span_id)
            if now is before:
                continue
            if now is None:
                spans_removed.append(span_id)
            else:
                spans_set.append(now)
        self._saved_spans = {}
        relations_set: tuple[Relation, ...] = ()
        relations_removed: tuple[str, ...] = ()
        old, new = self._saved_relations, self.relations
        if old is not new:
            old_objects = set(map(id, old))
            new_objects = set(map(id, new))
            if old_objects != new_objects:
                added = new_objects - old_objects
                gone = old_objects - new_objects
                relations_set = tuple(compress(new, map(added.__contains__, map(id, new))))
                kept_ids = set(map(_ID_OF, relations_set))
                relations_removed = tuple(
                    relation_id
                    for relation_id in map(
                        _ID_OF, compress(old, map(gone.__contains__, map(id, old)))
                    )
                    if relation_id not in kept_ids
                )
        self._saved_relations = new
        return RecordDelta(
            tuple(spans_set),
            tuple(spans_removed),
            relations_set,
            relations_removed,
            *self._rejected_delta(),
            *self._provenance_delta(),
        )

    def _rejected_delta(self) -> tuple[tuple[Span, ...] | None, tuple[str, ...]]:
        saved = self._saved_rejected
        if self.rejected is None or saved is None:
            return None, ()
        self._saved_rejected = {}
        back = [span for then, now, span in saved.values() if now and not then]
        gone = tuple(span.id for then, now, span in saved.values() if then and not now)
        return tuple(back), gone

    def _provenance_delta(
        self,
    ) -> tuple[tuple[tuple[str, SpanProvenance], ...] | None, tuple[str, ...]]:
        provenance = self.provenance
        if provenance is None:
            return None, ()
        saved, self._saved_provenance = self._saved_provenance, {}
        entries: list[tuple[str, SpanProvenance]] = []
        removed: list[str] = []
        appended = 0
        for span_id, (before, dropped) in saved.items():
            now = provenance.get(span_id)
            if now is None:
                if before is not None:
                    removed.append(span_id)
            elif before is None or dropped:
                if before is not None:
                    removed.append(span_id)  # dropped and set again: it now comes last
                appended += 1
            elif now is not before:
                entries.append((span_id, now))  # replaced where it is
        # An entry set where there was none went last, after every entry that stayed: they
        # are the last keys, in their order (which the store's fold reproduces).
        last = list(islice(reversed(provenance), appended))
        entries.extend((span_id, provenance[span_id]) for span_id in reversed(last))
        return tuple(entries), tuple(removed)

    def take_changes(self) -> tuple[list[Span], list[Span]] | None:
        """Spans added and removed since the last call (None: take all of :attr:`spans`)."""
        changes, self._changes = self._changes, ([], [])
        return changes

    # -- moves --------------------------------------------------------------------------------

    def move_to(self, offset: int, *, extend: bool = False) -> None:
        """Put the cursor at ``offset``; ``extend`` (or visual mode) keeps or starts a selection."""
        previous = self.cursor
        self.cursor = self._clamp(offset)
        if extend or self.visual:
            if self.anchor is None:
                self.anchor = previous
        else:
            self.anchor = None
        if self.current_id is not None:
            span = self.span(self.current_id)
            if span is None or not span.start <= self.cursor < span.end:
                self.current_id = None

    def select(self, start: int, end: int) -> None:
        """Select ``[start, end)`` (mouse drag, double click, search match)."""
        if end <= start or not self.text:
            return
        self.cursor = self._clamp(end - 1)
        self.anchor = self._clamp(start)
        if self.current_id is not None:
            self.current_id = None

    def left(self, *, extend: bool = False) -> None:
        self.move_to(
            grapheme_start(self.text, self.cursor - 1) if self.cursor else 0, extend=extend
        )

    def right(self, *, extend: bool = False) -> None:
        self.move_to(grapheme_end(self.text, self.cursor), extend=extend)

    def is_punctuation(self, start: int) -> bool:
        """Whether the token starting at ``start`` is punctuation only (a comma, a dash, a
        quote: marks and joiners after it aside), which word motions skip and a label key does
        not tag unless it is selected."""
        text = self.text
        if start >= len(text) or not unicodedata.category(text[start]).startswith("P"):
            return False  # a word, a number, a symbol ($, %), an emoji: the common case
        end = self.tokens.next_end(start)
        return end is not None and all(
            unicodedata.category(char)[0] in "PM" or char in "\u200c\u200d"
            for char in text[start:end]
        )

    def next_word(self, *, extend: bool = False) -> None:
        """``w``: the next word's start, over punctuation-only tokens. Extending (``W``, or
        ``w`` in visual mode) stops first on the last of the punctuation glued to the word the
        cursor is on, so ``overdue."`` takes one press for ``."``."""
        tokens, text, cursor = self.tokens, self.text, self.cursor
        target = tokens.next_start(cursor)
        glue = extend or self.visual
        if target is not None and self.is_punctuation(target):
            if glue and not text[target - 1].isspace():
                while True:  # to the last punctuation token of the glued run
                    after = tokens.next_start(target)
                    if after is None or text[after - 1].isspace() or not self.is_punctuation(after):
                        break
                    target = after
            else:
                while target is not None and self.is_punctuation(target):
                    target = tokens.next_start(target)
        # A token start inside the cursor's grapheme snaps back to the cursor: look further, so
        # that a press always moves (a custom tokenizer, a mark outside the tokenizer's table).
        while target is not None and self._clamp(target) <= cursor:
            target = tokens.next_start(target)
        self.move_to(self.last_offset if target is None else target, extend=extend)

    def prev_word(self, *, extend: bool = False) -> None:
        """``b``: the start of this or the previous word, over punctuation-only tokens;
        extending (``B``) stops first on the opening punctuation glued to the word."""
        tokens, text = self.tokens, self.text
        target = tokens.prev_start(self.cursor)
        glue = extend or self.visual
        if target is not None and self.is_punctuation(target):
            end = tokens.next_end(target)
            if glue and end is not None and end < len(text) and not text[end].isspace():
                while True:  # to the first punctuation token of the glued run
                    before = tokens.prev_start(target)
                    if (
                        before is None
                        or text[target - 1].isspace()
                        or not self.is_punctuation(before)
                    ):
                        break
                    target = before
            else:
                while target is not None and self.is_punctuation(target):
                    target = tokens.prev_start(target)
        self.move_to(0 if target is None else target, extend=extend)

    def _paragraph_starts(self) -> list[int]:
        if self._paragraphs is None:
            separator = r"\n(?:[ \t]*\n)+" if re.search(r"\n[ \t]*\n", self.text) else r"\n+"
            starts = [0] + [m.end() for m in re.finditer(separator, self.text)]
            self._paragraphs = [s for s in starts if s < len(self.text)] or [0]
        return self._paragraphs

    def next_paragraph(self, *, extend: bool = False) -> None:
        """``}``: the next paragraph's start; while selecting, this paragraph's last character.

        Stopping before the blank line when selecting (as vim's visual mode does) lets
        ``v`` ``}`` take a whole quoted paragraph without the next paragraph's first word.
        """
        starts = self._paragraph_starts()
        index = bisect_right(starts, self.cursor)
        if not (extend or self.visual):
            self.move_to(starts[index] if index < len(starts) else self.last_offset)
            return
        while True:
            last = starts[index] if index < len(starts) else len(self.text)
            while last > 0 and self.text[last - 1].isspace():
                last -= 1
            target = max(last - 1, 0)
            if target > self.cursor or index >= len(starts):
                break
            index += 1
        self.move_to(max(target, self.cursor), extend=extend)

    def prev_paragraph(self, *, extend: bool = False) -> None:
        starts = self._paragraph_starts()
        index = bisect_left(starts, self.cursor) - 1
        self.move_to(starts[index] if index >= 0 else 0, extend=extend)

    def doc_start(self, *, extend: bool = False) -> None:
        self.move_to(0, extend=extend)

    def doc_end(self, *, extend: bool = False) -> None:
        self.move_to(self.last_offset, extend=extend)

    def start_visual(self) -> None:
        """``v``: anchor a selection at the cursor; later moves extend it. Again: cancel.

        With a selection already there (a search match, a drag), ``v`` keeps its start, so
        ``/“The count`` Enter ``v`` ``}`` selects from the match to the paragraph's end.
        """
        if self.visual:
            self.clear_selection()
            return
        self.visual = True
        if self.anchor is None:
            self.anchor = self.cursor

    def clear_selection(self) -> None:
        """Escape: no selection, no visual mode, and a pending link is cancelled."""
        self.anchor = None
        self.visual = False
        if self.pending_link is not None:
            self.pending_link = None
            self.message = "link cancelled"

    def toggle_snap(self) -> Snap:
        self.snap = "char" if self.snap == "word" else "word"
        self.message = f"selection snaps to {'words' if self.snap == 'word' else 'characters'}"
        return self.snap

    # -- search -------------------------------------------------------------------------------

    def search(self, query: str | None = None, *, backwards: bool = False) -> bool:
        """Select the next (or previous) match of ``query`` after the cursor, wrapping around.

        Case-insensitive unless the query has a capital letter.
        """
        if query is not None:
            self.search_query = query
        needle = self.search_query
        if not needle:
            self.message = "no search"
            return False
        haystack = self.text
        if needle == needle.lower():
            if self._lowered is None:
                lowered = self.text.lower()
                if len(lowered) != len(self.text):
                    # "İ" is the one letter whose lower case is two code points: lower it to
                    # "i" so that every offset stays where it is.
                    lowered = self.text.replace("İ", "I").lower()
                self._lowered = lowered
            haystack = self._lowered
            if len(haystack) != len(self.text):
                haystack = self.text
        wrapped = False
        if backwards:
            found = haystack.rfind(needle, 0, max(self.cursor, 0))
            if found < 0:
                found, wrapped = haystack.rfind(needle), True
        else:
            found = haystack.find(needle, self.cursor + 1)
            if found < 0:
                found, wrapped = haystack.find(needle), True
        if found < 0:
            self.message = f"not found: {needle}"
            return False
        self.visual = False
        self.current_id = None
        start, end = snap_out(self.text, found, found + len(needle))
        self.anchor = start
        self.cursor = self._clamp(end - 1)
        self.message = "search wrapped" if wrapped else ""
        return True

    # -- changes ------------------------------------------------------------------------------

    def _state(self) -> _State:
        return _State(
            self.relations,
            self.status,
            self.note,
            self.cursor,
            self.current_id,
        )

    def _restore(self, state: _State) -> None:
        self.revision += 1
        self.relations = state.relations
        self.status = state.status
        self.note = state.note
        self.cursor = self._clamp(state.cursor)
        self.current_id = state.current_id
        self.anchor = None
        self.visual = False

    def _begin(self) -> bool:
        """Record the undo point of a change; False (with a message) if read-only."""
        if self.read_only:
            self.message = self._read_only_message()
            return False
        self.revision += 1
        self._edit = _Edit(self._state())
        self._undo.append(self._edit)
        self._redo.clear()
        return True

    def _read_only_message(self) -> str:
        if self.stale:
            return "read-only: the document changed since it was annotated"
        return "read-only"

    def _new_id(self, prefix: str) -> str:
        if not self._next_id:
            # From the count of items, the next free number (no pass over 100,000 ids): on a
            # record numbered without gaps, the same number as the largest plus one.
            self._next_id = len(self.spans) + len(self.relations) + 1
        relations = self.relations
        cached = self._relation_ids
        if cached is None or cached[0] is not relations or cached[1] != len(relations):
            cached = (relations, len(relations), set(map(_ID_OF, relations)))
            self._relation_ids = cached
        relation_ids = cached[2]
        while True:
            candidate = f"{prefix}{self._next_id}"
            self._next_id += 1
            if candidate not in self._by_id and candidate not in relation_ids:
                return candidate

    def _make_span(self, start: int, end: int, label: str) -> Span:
        return Span(
            id=self._new_id("s"), start=start, end=end, label=label, text=self.text[start:end]
        )

    def _insert(self, span: Span) -> None:
        self._add_span(span)

    def _remove(self, span: Span) -> None:
        self._drop_span(span)
        if span.id in self._linked_ids():
            self.relations = [r for r in self.relations if span.id not in (r.head, r.tail)]
        if self.current_id == span.id:
            self.current_id = None

    def _linked_ids(self) -> set[str]:
        """The span ids at either end of a relation (cached while the relations list stays)."""
        relations = self.relations
        cached = self._linked
        if cached is None or cached[0] is not relations or cached[1] != len(relations):
            linked = set(map(_HEAD, relations))
            linked.update(map(_TAIL, relations))
            cached = (relations, len(relations), linked)
            self._linked = cached
        return cached[2]

    def _mark_edited(self, span: Span) -> None:
        if self.provenance is not None:
            self._set_provenance(span.id, SpanProvenance(annotators=[], decision="edited"))

    def _set_provenance(self, span_id: str, entry: SpanProvenance | None) -> None:
        """Set (None: drop) the provenance entry of ``span_id``, noting it for undo and for
        :meth:`take_delta`."""
        provenance = self.provenance
        if provenance is None:
            return
        before = provenance.get(span_id)
        if before is entry:
            return
        edit = self._edit
        if edit is not None and span_id not in edit.provenance:
            edit.provenance[span_id] = before
        saved = self._saved_provenance.get(span_id)
        if saved is None:
            self._saved_provenance[span_id] = (before, entry is None)
        elif entry is None and not saved[1]:
            self._saved_provenance[span_id] = (saved[0], True)
        if entry is None:
            del provenance[span_id]
        else:
            provenance[span_id] = entry

    def _load_rejected(self, rejected: list[Span]) -> None:
        at: dict[tuple[int, int, str], list[int]] = {}
        for place, span in enumerate(rejected):
            at.setdefault((span.start, span.end, span.label), []).append(place)
        self._rejected_at = at
        self._rejected_live = list(rejected)
        self._rejected_places = list(range(len(rejected)))
        ids = set(map(_ID_OF, rejected))
        self._saved_rejected = {} if len(ids) == len(rejected) else None
        for key in at:
            for _ in range(self._count_at(key)):
                self._draw(key, 1)

    def _count_at(self, key: tuple[int, int, str]) -> int:
        """How many spans have this extent and label."""
        start, end, label = key
        spans = self.spans
        index = bisect_left(spans, (start, -end), key=lambda span: (span.start, -span.end))
        count = 0
        while index < len(spans) and (spans[index].start, spans[index].end) == (start, end):
            count += spans[index].label == label
            index += 1
        return count

    def _draw(self, key: tuple[int, int, str], step: int) -> None:
        """A span was drawn (``step`` 1) or removed (-1) at ``key``: the rejected versions
        there leave the saved record while one is drawn, and come back after."""
        places = self._rejected_at.get(key)
        if places is None:
            return
        count = self._drawn.get(key, 0) + step
        self._drawn[key] = count
        if count != (1 if step > 0 else 0):
            return
        live, where, saved = self._rejected_live, self._rejected_places, self._saved_rejected
        for place in places:
            span = self.rejected[place] if self.rejected is not None else None
            assert span is not None
            index = bisect_left(where, place)
            if step > 0:
                del live[index]
                del where[index]
            else:
                live.insert(index, span)
                where.insert(index, place)
            if saved is not None:
                then = saved[span.id][0] if span.id in saved else step > 0
                saved[span.id] = (then, step < 0, span)

    def _keep_cursor_in(self, span: Span) -> None:
        if not span.start <= self.cursor < span.end:
            self.cursor = self._clamp(min(max(self.cursor, span.start), span.end - 1))

    def tag(self, label: str) -> AnnotationRecord | None:
        """Tag the selection (or the word under the cursor); the same label again removes it."""
        if self.config.label(label) is None:
            self.message = f"unknown label {label}"
            return None
        extent = self.selection()
        if extent is None:
            extent = self.word_at(self.cursor)
            if extent is not None and self.is_punctuation(extent[0]):
                # A label key on a comma or a dash is a slip (a tag made by aiming at it is
                # a selection: ``v``, shift, the mouse).
                self.message = (
                    f"no word under the cursor: “{_excerpt(self.text[slice(*extent)])}” is "
                    "punctuation (select it to tag it)"
                )
                return None
        if extent is None:
            self.message = "nothing to tag: select text or put the cursor on a word"
            return None
        start, end = extent
        pending = self.pending_link
        if not self._begin():
            return None
        same = self._find(start, end, label)
        if same is not None:
            self._remove(same)
            self.anchor, self.visual = None, False
            self.message = f"removed {label} “{_excerpt(same.text)}”"
            return self.to_record()
        span = self._make_span(start, end, label)
        self._insert(span)
        self._mark_edited(span)
        self.current_id = span.id
        self.anchor, self.visual = None, False
        self._keep_cursor_in(span)
        self.message = f"{label} “{_excerpt(span.text)}”"
        around = [
            other
            for other in self.spans_at(start)
            if other.label == label and other.id != span.id and other.end >= end
        ]
        if around:  # allowed (nested names), but rarely meant: say so
            self.message += f", inside another {label} (u undoes)"
        if pending is not None:
            relation_type = self.config.relation(pending[0])
            head = self.span(pending[1])
            if relation_type is None or head is None:
                self.pending_link = None
            elif not relation_type.tail_labels or label in relation_type.tail_labels:
                self.pending_link = None
                self._set_link(relation_type, head, span)
                self.message = f"{label} “{_excerpt(span.text)}” linked to its {head.label}"
            # another label (an entity tagged on the way): the link still waits for its tail
        return self.to_record()

    def delete_span(self) -> AnnotationRecord | None:
        span = self.current_span()
        if span is None:
            self.message = "no span under the cursor"
            return None
        if not self._begin():
            return None
        self._remove(span)
        self.message = f"deleted {span.label} “{_excerpt(span.text)}”"
        return self.to_record()

    def move_edge(self, edge: Literal["start", "end"], direction: int) -> AnnotationRecord | None:
        """Move the start or end of the current span by one word (or grapheme in char mode)."""
        span = self.current_span()
        if span is None:
            self.message = "no span under the cursor"
            return None
        start, end = span.start, span.end
        tokens, text = self.tokens, self.text
        if edge == "end" and direction > 0:
            if self.snap == "char":
                end = grapheme_end(text, end)
            else:
                found = tokens.next_end(end)
                end = end if found is None else found
        elif edge == "end":
            if self.snap == "char":
                end = grapheme_start(text, end - 1)
            else:
                found = tokens.prev_end(end)
                end = start if found is None else found
        elif direction < 0:
            if self.snap == "char":
                start = grapheme_start(text, start - 1) if start else 0
            else:
                found = tokens.prev_start(start)
                start = start if found is None else found
        else:
            if self.snap == "char":
                start = grapheme_end(text, start)
            else:
                found = tokens.next_start(start)
                start = end if found is None else found
        if end > start:
            start, end = snap_out(text, start, end)  # a token edge can split a grapheme
        if end <= start or (start, end) == (span.start, span.end):
            self.message = "the span cannot change that way"
            return None
        if self._find(start, end, span.label) is not None:
            self.message = f"an identical {span.label} span exists"
            return None
        if not self._begin():
            return None
        moved = span.model_copy(update={"start": start, "end": end, "text": text[start:end]})
        self._drop_span(span)
        self._insert(moved)
        self._mark_edited(moved)
        self.current_id = moved.id
        self._keep_cursor_in(moved)
        self.message = f"{moved.label} “{edge_excerpt(moved.text, 40, edge)}”"
        self.message_edge = (self.message, moved.label, moved.text, edge)
        return self.to_record()

    def step_span(self, direction: int) -> Span | None:
        """Tab / shift+tab: make the next or previous span (reading order) current."""
        if self.stale:
            self.message = self._read_only_message()
            return None
        if not self.spans:
            self.message = "no spans yet"
            return None
        current = self.current_span()
        if current is not None:
            index = self.index_of(current) + direction
        elif direction > 0:
            index = bisect_right(self.spans, (self.cursor, 1, "", ""), key=_span_order)
        else:
            index = bisect_left(self.spans, (self.cursor, -(10**18), "", ""), key=_span_order) - 1
        span = self.spans[index % len(self.spans)]
        self.jump_to(span)
        return span

    def jump_to(self, span: Span) -> None:
        """Put the cursor on the start of ``span`` and make it current."""
        self.anchor, self.visual = None, False
        self.cursor = self._clamp(span.start)
        self.current_id = span.id

    # -- links --------------------------------------------------------------------------------

    def link_type(self, head: Span) -> RelationTypeConfig | None:
        """The first relation type that accepts ``head``'s label at its head."""
        for relation in self.config.relations:
            if not relation.head_labels or head.label in relation.head_labels:
                return relation
        return None

    def link_types(self, head: Span) -> list[RelationTypeConfig]:
        """Every relation type that accepts ``head``'s label at its head, in config order."""
        return [
            relation
            for relation in self.config.relations
            if not relation.head_labels or head.label in relation.head_labels
        ]

    def link_options(self, limit: int | None = None) -> tuple[Span, list[LinkOption]] | None:
        """For the current span: each relation type it can head, with its tails nearest first
        (the nearest ``limit`` of them, and how many there are in all)."""
        if self.read_only:
            self.message = self._read_only_message()
            return None
        head = self.current_span()
        if head is None:
            self.message = "put the cursor on a span to link it"
            return None
        relations = self.link_types(head)
        if not relations:
            # A speaker inside its quote: the enclosing span that can be linked (the innermost).
            for outer in self.spans_at(self.cursor):
                if self.link_types(outer):
                    head, relations = outer, self.link_types(outer)
                    break
            else:
                self.message = f"{_a(head.label)} cannot be linked"
                return None
        options = []
        for relation in relations:
            nearest, total = self._nearest(head, relation.tail_labels, limit)
            options.append(LinkOption(relation, nearest, total))
        return head, options

    def reverse_link_options(
        self, limit: int | None = None
    ) -> tuple[Span, list[LinkOption]] | None:
        """For the current span when it can only be at a link's tail (a speaker): each
        relation type that takes it as tail, with the spans that could head a link to it (the
        claims), nearest first; None (with a message) when there is no such type."""
        if self.read_only:
            self.message = self._read_only_message()
            return None
        tail = self.current_span()
        if tail is None:
            self.message = "put the cursor on a span to link it"
            return None
        relations = [
            relation
            for relation in self.config.relations
            if relation.head_labels and tail.label in relation.tail_labels
        ]
        if not relations:
            self.message = f"{_a(tail.label)} cannot be linked"
            return None
        options = []
        for relation in relations:
            nearest, total = self._nearest(tail, relation.head_labels, limit)
            options.append(LinkOption(relation, nearest, total))
        return tail, options

    def _nearest(
        self, anchor: Span, labels: Sequence[str], limit: int | None
    ) -> tuple[list[Span], int]:
        """The spans with one of ``labels`` (any label if none), ``anchor`` left out, nearest
        to it first (the nearest ``limit`` of them), and how many there are in all."""
        anchor_start, anchor_end, anchor_id = anchor.start, anchor.end, anchor.id

        def distance(span: Span) -> tuple[int, int]:
            if span.end <= anchor_start:
                return (anchor_start - span.end, span.start)
            if span.start >= anchor_end:
                return (span.start - anchor_end, span.start)
            return (0, span.start)

        found = [
            span
            for span in self.spans
            if span.id != anchor_id and (not labels or span.label in labels)
        ]
        if limit is None or len(found) <= limit:
            return sorted(found, key=distance), len(found)
        # a book has tens of thousands: only the nearest are sorted
        return heapq.nsmallest(limit, found, key=distance), len(found)

    def link_candidates(self) -> tuple[Span, RelationTypeConfig, list[Span]] | None:
        """For the current span: the first relation type and its possible tails, nearest first."""
        found = self.link_options()
        if found is None:
            return None
        head, [(relation, tails, _), *_] = found
        return head, relation, tails

    def _set_link(self, relation: RelationTypeConfig, head: Span, tail: Span) -> None:
        new = Relation(id=self._new_id("r"), label=relation.name, head=head.id, tail=tail.id)
        kept = [r for r in self.relations if not (r.head == head.id and r.label == relation.name)]
        self.relations = [*kept, new]

    def link(self, head_id: str, tail_id: str, relation_name: str) -> AnnotationRecord | None:
        """Link ``head`` to ``tail`` (replacing the head's previous link of that type)."""
        head, tail = self.span(head_id), self.span(tail_id)
        relation = self.config.relation(relation_name)
        if head is None or tail is None or relation is None:
            self.message = "cannot link: span or relation type missing"
            return None
        if any(
            (r.head, r.tail, r.label) == (head.id, tail.id, relation.name) for r in self.relations
        ):
            self.message = "already linked"
            return None
        if not self._begin():
            return None
        self._set_link(relation, head, tail)
        if head.start <= self.cursor < head.end:
            self.current_id = head.id
            self.message = f"linked to {tail.label} “{_excerpt(tail.text)}”"
        else:  # from the tail (``a`` on a speaker): the claim chosen is the news
            self.message = f"{head.label} “{_excerpt(head.text)}” linked to this {tail.label}"
        return self.to_record()

    def begin_new_tail(self, head_id: str, relation_name: str) -> None:
        """ "New speaker from selection": the next span tagged with a tail label gets linked."""
        self.pending_link = (relation_name, head_id)
        self.message = ""

    def pending_prompt(self, width: int = 30) -> str | None:
        """What a pending link waits for (None: no link is pending), for a line that stays
        on screen until the link is made or cancelled; ``width``: of the head's excerpt. A
        head deleted meanwhile (``u``, ``x``) ends it."""
        pending = self.pending_link
        if pending is None:
            return None
        relation = self.config.relation(pending[0])
        head = self.span(pending[1])
        if relation is None or head is None:
            self.pending_link = None
            return None
        tails = []
        for name in relation.tail_labels or self.config.label_names:
            label = self.config.label(name)
            tails.append(f"{name} ({label.key})" if label is not None else name)
        return f"linking {head.label} “{_excerpt(head.text, width)}”: tag its {' or '.join(tails)}"

    def unlink(self) -> AnnotationRecord | None:
        """Remove the links of the span under the cursor (its outgoing ones, else incoming)."""
        span = self.current_span()
        if span is None:
            self.message = "no span under the cursor"
            return None
        removing = [r for r in self.relations if r.head == span.id] or [
            r for r in self.relations if r.tail == span.id
        ]
        if not removing:
            self.message = "no link here"
            return None
        if not self._begin():
            return None
        gone = {r.id for r in removing}
        self.relations = [r for r in self.relations if r.id not in gone]
        self.message = f"removed {len(removing)} link(s)"
        return self.to_record()

    # -- status, undo -------------------------------------------------------------------------

    def set_status(self, status: Status, note: str | None = None) -> AnnotationRecord | None:
        if not self._begin():
            return None
        self.status = status
        if note is not None:
            self.note = note
        self.message = f"marked {status.value.replace('_', ' ')}"
        return self.to_record()

    def undo(self) -> AnnotationRecord | None:
        if not self._undo:
            self.message = "nothing to undo"
            return None
        edit = self._undo.pop()
        edit.after = self._state()
        self._edit = None
        if self.provenance is not None:
            edit.provenance_after = {key: self.provenance.get(key) for key in edit.provenance}
        for span in reversed(edit.added):
            self._drop_span(span)
        for span in edit.removed:
            self._add_span(span)
        for key, entry in edit.provenance.items():
            self._set_provenance(key, entry)
        self._restore(edit.before)
        self._redo.append(edit)
        self.message = "undone"
        return self.to_record()

    def redo(self) -> AnnotationRecord | None:
        if not self._redo:
            self.message = "nothing to redo"
            return None
        edit = self._redo.pop()
        assert edit.after is not None
        self._edit = None
        for span in edit.removed:
            self._drop_span(span)
        for span in edit.added:
            self._add_span(span)
        for key, entry in edit.provenance_after.items():
            self._set_provenance(key, entry)
        self._restore(edit.after)
        self._undo.append(edit)
        self.message = "redone"
        return self.to_record()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def to_record(self) -> AnnotationRecord:
        """The record as it stands, to save.

        Built without validation: its parts are already validated models (a 10 MB document's
        100,000 spans are not checked again on every edit)."""
        self._edit = None
        return AnnotationRecord.model_construct(
            doc_id=self.document.id,
            annotator=self.annotator,
            text_sha256=self.text_sha256,
            spans=list(self.spans) if self.snapshots else self.spans,
            relations=self.relations,  # never changed in place
            status=self.status,
            note=self.note,
            seconds_spent=round(self.base_seconds + self.time.total, 1),
            cursor=self.cursor,
            provenance=self._own_provenance(),
            rejected=self._own_rejected(),
            rejected_relations=self.rejected_relations,
        )

    def _own_provenance(self) -> dict[str, SpanProvenance] | None:
        """With ``snapshots=False`` the session's own dict, else a copy (made in C)."""
        provenance = self.provenance
        return provenance if provenance is None or not self.snapshots else dict(provenance)

    def _own_rejected(self) -> list[Span] | None:
        """The rejected versions not drawn again (None when there are none), shared like the
        spans are."""
        live = self._rejected_live
        if self.rejected is None or not live:
            return None
        return live if not self.snapshots else list(live)


def _a(noun: str) -> str:
    """``a speaker``, ``an entity``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _excerpt(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def edge_excerpt(text: str, width: int, edge: Literal["start", "end"]) -> str:
    """One line of at most ``width`` characters that keeps the ``edge`` of ``text`` (the
    edge just moved): head…tail when both fit, else the edge only (``…might fall,"``)."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    if width < 24:
        return "…" + text[len(text) - width + 1 :] if edge == "end" else text[: width - 1] + "…"
    kept = (width - 1) * 2 // 3
    other = width - 1 - kept
    head, tail = (other, kept) if edge == "end" else (kept, other)
    return text[:head].rstrip() + "…" + text[len(text) - tail :].lstrip()


def excerpt(text: str, width: int = 40) -> str:
    """One line of at most ``width`` characters for lists and messages."""
    return _excerpt(text, width)


def spans_overlapping(spans: Sequence[Span], start: int, end: int) -> list[Span]:
    return [span for span in spans if span.start < end and span.end > start]
