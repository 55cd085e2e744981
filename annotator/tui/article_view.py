"""The article pane: a Line API widget that draws only the visible rows of a wrapped article.

Usage (the annotate screen and the review screen share it)::

    view = ArticleView(text, spans, config.labels)
    view.set_spans(new_spans)                     # repaints only rows whose spans changed
    view.set_marks(cursor, selection, current)    # offset, (start, end) | None, Span | None

Geometry helpers (:meth:`row_bounds`, :meth:`vertical_target`, :attr:`page_rows`) turn wrapped-row
moves into offsets for the editing session. Mouse input is reported as :class:`ArticleView.Pointer`
messages carrying code point offsets; the owner decides what they do.

Labels are drawn on separate channels so that overlapping and nested spans stay visible: by label
position in the config, the first is bold foreground colour, the second a background tint, the
third an underline (in its colour unless a first-channel span covers it), further labels
background tints again, and two background spans on one cell add italics. The current span, the
selection and the cursor are drawn on top.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from itertools import pairwise
from operator import attrgetter, itemgetter
from typing import Literal, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.timer import Timer

from annotator.model.config import LabelConfig
from annotator.model.records import Span
from annotator.model.span_index import SpanIndex
from annotator.model.text import display_safe
from annotator.tui.collector import BIG, paused_then_kept
from annotator.tui.line_widget import RowScrollBar, keep_lines, repaint
from annotator.tui.wrap import Cell, WrappedText, row_cells

Channel = Literal["fg", "bg", "underline"]
_CHANNELS: tuple[Channel, ...] = ("fg", "bg", "underline", "bg")
CURSOR_STYLE = Style(color="#101010", bgcolor="#f4f4f4", bold=True)
SELECTION_BG = "#5a5f8c"


class _SpanKey(NamedTuple):
    """What the view draws of a span (a tuple: hashing 100,000 of them stays in C)."""

    start: int
    end: int
    label: str


class _RowArgs(NamedTuple):
    """What one row is drawn from: its text, spans, cursor, selection and current span."""

    row: int
    start: int
    end: int
    spans: list[_SpanKey]
    cursor: int
    selection: tuple[int, int] | None
    current: tuple[int, int] | None
    line_end: bool


_span_key = attrgetter("start", "end", "label")
"""A span's (start, end, label), made in C (a 10 MB document has 100,000 spans to index)."""


def _key_index(keys: Iterable[tuple[int, int, str]] = ()) -> SpanIndex[tuple[int, int, str]]:
    return SpanIndex(keys, start=itemgetter(0), end=itemgetter(1))


def _clip(extent: tuple[int, int] | None, start: int, end: int) -> tuple[int, int] | None:
    if extent is None:
        return None
    low, high = max(extent[0], start), min(extent[1], end)
    return (low, high) if low < high else None


class ArticleView(ScrollView, can_focus=True, inherit_bindings=False):
    """A wrapped, span-highlighted, cursor-carrying view of one article."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    ArticleView {
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    """

    class Pointer(Message):
        """A mouse action on the text: ``press`` (click), ``drag``, ``word`` (double click)."""

        def __init__(self, view: ArticleView, offset: int, kind: str) -> None:
            super().__init__()
            self.view = view
            self.offset = offset
            self.kind = kind

    def __init__(
        self,
        text: str,
        spans: Sequence[Span],
        labels: Sequence[LabelConfig],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        keep_lines(self)
        self.labels = list(labels)
        self._channel: dict[str, Channel] = {
            label.name: _CHANNELS[index % len(_CHANNELS)] for index, label in enumerate(labels)
        }
        self._colors = {label.name: label.color for label in labels}
        self._text = ""
        self._display = ""
        self._spans: SpanIndex[tuple[int, int, str]] = _key_index()
        self._span_counts: Counter[tuple[int, int, str]] = Counter()
        """(start, end, label) of the spans shown, with how many spans have it."""
        self.cursor = 0
        self.selection: tuple[int, int] | None = None
        self.current: tuple[int, int] | None = None
        self._wrap: WrappedText | None = None
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._cells: LRUCache[tuple[int, int, int], list[Cell]] = LRUCache(1024)
        self._styles: dict[tuple[object, ...], Style] = {}
        self._base_style: Style | None = None
        """``rich_style``, kept until the styles change: Textual walks the ancestors for it and
        clears its own cache on every refresh, which cost ~50 us per row drawn."""
        self._resize_timer: Timer | None = None
        self._geometry_cache: tuple[tuple[object, ...], tuple[int, int]] | None = None
        self._dragging = False
        self._sized = False
        self.render_count = 0
        """render_line calls so far (tests check a keystroke repaints only changed rows)."""
        self.key_handler: Callable[[events.Key], Awaitable[None]] | None = None
        """The owner's key handler, called here, where a key arrives first (the view has the
        focus): a key it stops goes no further (no default key dispatch here, no second
        message for the screen)."""
        self.set_text(text, spans)

    # -- content ------------------------------------------------------------------------------

    def set_text(self, text: str, spans: Sequence[Span]) -> None:
        """Show another text (another document): re-wraps and repaints everything."""
        if text is not self._text:
            self._text = text
            self._display = display_safe(text)
            self._wrap = None
            self._cells.clear()
        self._store_spans(spans)
        self.cursor = 0
        self.selection = None
        self.current = None
        self._strips.clear()
        if self.is_mounted:
            if self._wrap is None and self.size.width:
                self._rewrap()
            self.scroll_to(0, 0, animate=False)
            self.refresh()

    def _store_spans(self, spans: Iterable[Span]) -> None:
        with paused_then_kept(lambda: len(self._span_counts) >= BIG):
            self._span_counts = Counter(map(_span_key, spans))
            self._spans = _key_index(self._span_counts)

    def set_spans(self, spans: Sequence[Span]) -> None:
        """Replace the spans; repaints only the rows where spans appeared or disappeared."""
        old = self._span_counts.keys()
        self._store_spans(spans)
        self._refresh_extents((start, end) for start, end, _ in old ^ self._span_counts.keys())

    def change_spans(self, added: Iterable[Span], removed: Iterable[Span]) -> None:
        """Add and remove a few spans (an edit); repaints only the rows they cover."""
        counts = self._span_counts
        for span in removed:
            key = _span_key(span)
            count = counts.get(key, 0)
            if count > 1:
                counts[key] = count - 1
            elif count == 1:
                del counts[key]
                self._spans.remove(key)
                self._refresh_extent(span.start, span.end)
        for span in added:
            key = _span_key(span)
            counts[key] += 1
            if counts[key] == 1:
                self._spans.add(key)
                self._refresh_extent(span.start, span.end)

    def set_marks(
        self, cursor: int, selection: tuple[int, int] | None, current: Span | None
    ) -> None:
        """Move the cursor, selection and current-span highlight; repaints the rows that change."""
        current_extent = (current.start, current.end) if current is not None else None
        old_cursor, old_selection, old_current = self.cursor, self.selection, self.current
        self.cursor, self.selection, self.current = cursor, selection, current_extent
        extents: list[tuple[int, int]] = []
        if old_cursor != cursor:
            extents += ((old_cursor, old_cursor + 1), (cursor, cursor + 1))
        if old_selection != selection:
            if old_selection is None or selection is None:
                extents += (extent for extent in (old_selection, selection) if extent is not None)
            else:
                for a, b in ((old_selection[0], selection[0]), (old_selection[1], selection[1])):
                    if a != b:
                        extents.append((min(a, b) - 1, max(a, b) + 1))
        if old_current != current_extent:
            extents += (extent for extent in (old_current, current_extent) if extent is not None)
        self._refresh_extents(extents)
        self.scroll_to_offset(cursor)

    # -- layout -------------------------------------------------------------------------------

    @property
    def wrapped(self) -> WrappedText:
        if self._wrap is None:
            self._rewrap()
        assert self._wrap is not None
        return self._wrap

    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width, 10)

    def _rewrap(self) -> None:
        width = self._text_width() if self.is_mounted and self.size.width else 80
        self._wrap = WrappedText(self._display, width)
        self._strips.clear()
        self._cells.clear()
        self._sync_virtual_size()

    def _sync_virtual_size(self) -> None:
        """The scrollable height: the rows wrapped so far plus a guess for the rest (exact once
        the whole text is wrapped); changed only when the guess moves by more than 1%."""
        wrapped = self._wrap
        if wrapped is None:
            return
        rows = wrapped.estimated_rows
        shown = self.virtual_size.height
        if (
            rows != shown
            and (wrapped.complete or abs(rows - shown) * 100 > shown or rows < wrapped.known_rows)
        ) or self.virtual_size.width != wrapped.width:
            self.virtual_size = Size(wrapped.width, rows)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The article's scrollbar: a :class:`RowScrollBar` (made when first asked for, as
        Textual makes its own)."""
        bar = self._vertical_scrollbar
        if bar is None:
            bar = RowScrollBar(thickness=self.scrollbar_size_vertical)
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return bar

    def on_mount(self) -> None:
        if self.size.width:
            self._rewrap()

    def on_resize(self, event: events.Resize) -> None:
        if self._wrap is None or not self._sized:
            # The first real size: lay out at once (later resizes are debounced).
            self._sized = True
            if self._wrap is None or self._wrap.width != self._text_width():
                self._rewrap()
            self.scroll_to_offset(self.cursor, center=True)
            return
        if self._wrap.width == self._text_width():
            return
        if self._resize_timer is not None:
            self._resize_timer.stop()
        self._resize_timer = self.set_timer(0.08, self._after_resize)

    def _after_resize(self) -> None:
        self._resize_timer = None
        if self._wrap is not None and self._wrap.width == self._text_width():
            return
        self._rewrap()
        self.scroll_to_offset(self.cursor, center=True)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styles.clear()
        self._base_style = None

    @property
    def base_style(self) -> Style:
        """The widget's own style (colours from the CSS), under every segment drawn."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def cells(self, row: int) -> list[Cell]:
        wrapped = self.wrapped
        start, end = wrapped.row(row)
        key = (start, end, wrapped.width)
        cached = self._cells.get(key)
        if cached is None:
            cached = row_cells(self._display, start, end)
            self._cells[key] = cached
        return cached

    def row_bounds(self, offset: int) -> tuple[int, int]:
        """First and last cursor offsets of the row showing ``offset``."""
        wrapped = self.wrapped
        row = wrapped.row_of(offset)
        return self._row_range(row)

    def _one_cell_each(self, start: int, end: int) -> bool:
        """Every code point of ``[start, end)`` is one cell (ASCII, no tab): its column is its
        distance from the row's start, no cell map needed (a map is ~80 objects a row)."""
        piece = self._display[start:end]
        return piece.isascii() and "\t" not in piece

    def _row_range(self, row: int) -> tuple[int, int]:
        wrapped = self.wrapped
        start, end = wrapped.row(row)
        if end < len(self._text) and self._text[end] == "\n":
            return start, end
        if self._one_cell_each(start, end):
            return start, max(start, end - 1)
        cells = self.cells(row)
        return start, (cells[-1].start if cells else start)

    def x_of(self, offset: int) -> int:
        """Column of ``offset`` within its row."""
        row = self.wrapped.row_of(offset)
        start, end = self.wrapped.row(row)
        if self._one_cell_each(start, end):
            return offset - start if start <= offset < end else end - start
        cells = self.cells(row)
        for cell in cells:
            if cell.start <= offset < cell.end:
                return cell.x
        return (cells[-1].x + cells[-1].width) if cells else 0

    def offset_at_row(self, row: int, x: int) -> int:
        """The cursor offset at column ``x`` of ``row`` (clamped to the row)."""
        wrapped = self.wrapped
        row = max(0, row)
        row = row if wrapped.has_row(row) else max(0, wrapped.last_row())
        first, last = self._row_range(row)
        start, end = wrapped.row(row)
        if self._one_cell_each(start, end):
            return start + x if 0 <= x < end - start else (first if x < 0 else last)
        for cell in self.cells(row):
            if cell.x <= x < cell.x + cell.width:
                return cell.start
        return first if x < 0 else last

    def vertical_target(self, offset: int, rows: int, goal_x: int | None = None) -> int:
        """The offset ``rows`` rows below (negative: above) ``offset``, at column ``goal_x``."""
        row = self.wrapped.row_of(offset)
        x = self.x_of(offset) if goal_x is None else goal_x
        target = max(0, row + rows)
        target = target if self.wrapped.has_row(target) else max(0, self.wrapped.last_row())
        if target == row:
            return self._row_range(row)[0 if rows < 0 else 1] if rows else offset
        return self.offset_at_row(target, x)

    @property
    def page_rows(self) -> int:
        return max(1, self._view_height() - 1)

    def _geometry(self) -> tuple[int, int]:
        """Rows of text on screen and the content width: asked of Textual (a compositor
        lookup and the gutters, ~15 us) only when the size, the scrollable size or the styles
        changed, not on every key."""
        styles = self.styles
        key = (
            self.outer_size,
            self.virtual_size,
            styles._updates + styles._base_styles._updates + styles._inline_styles._updates,
        )
        cached = self._geometry_cache
        if cached is None or cached[0] != key:
            height = self.scrollable_content_region.height
            cached = self._geometry_cache = (key, (height, self.size.width))
        return cached[1]

    def _view_height(self) -> int:
        return self._geometry()[0]

    def _view_width(self) -> int:
        return self._geometry()[1]

    def scroll_to_offset(self, offset: int, *, center: bool = False) -> None:
        """Scroll so that the row of ``offset`` is visible (a row of margin where possible)."""
        if not self.is_mounted or self._wrap is None:
            return
        row = self._wrap.row_of(offset)
        self._sync_virtual_size()  # the rows up to ``offset`` may have just been wrapped
        height = self._view_height()
        top = int(self.scroll_offset.y)
        if center:
            target = max(0, row - height // 2)
        elif row < top + 1:
            target = max(0, row - 1)
        elif row > top + height - 2:
            target = max(0, row - height + 2)
        else:
            return
        if target != self.scroll_y or target != self.scroll_target_y:
            # Textual's scroll_to costs ~40 us even when it would not move (a key at the top
            # of the article asks for row 0 again and again).
            self.scroll_to(y=target, animate=False, immediate=True)

    def scroll_rows(self, rows: int) -> None:
        """Scroll the text by ``rows`` rows (negative: up), within the document."""
        if self.is_mounted:
            top = max(0, int(self.scroll_offset.y) + rows)
            self.scroll_to(y=top, animate=False, immediate=True)

    def _refresh_extent(self, start: int, end: int) -> None:
        """Repaint the visible rows that show ``[start, end)``."""
        self._refresh_extents([(start, end)])

    def _refresh_extents(self, extents: Iterable[tuple[int, int]]) -> None:
        """Repaint the visible rows that show any of ``extents``: one refresh per run of
        rows (a cursor move within a row repaints that row once, not twice)."""
        wrapped = self._wrap
        if not self.is_mounted or wrapped is None:
            return
        top = int(self.scroll_offset.y)
        bottom = top + self._view_height() - 1
        runs: list[tuple[int, int]] = []
        for start, end in extents:
            if not wrapped.covers(max(start, 0)):
                continue  # rows not wrapped yet have never been drawn
            first = max(wrapped.row_of(max(start, 0)), top)
            last = min(wrapped.row_of(wrapped.clamp_covered(max(end - 1, start, 0))), bottom)
            if first <= last:
                runs.append((first, last))
        runs.sort()
        merged: list[list[int]] = []
        for first, last in runs:
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        # The rows as ScrollView.refresh_lines marks them, all in one repaint.
        width = max(self.virtual_size.width, self._view_width())
        repaint(self, *(Region(0, first - top, width, last - first + 1) for first, last in merged))

    # -- drawing ------------------------------------------------------------------------------

    def _spans_in(self, start: int, end: int) -> list[_SpanKey]:
        return [_SpanKey(*key) for key in sorted(self._spans.overlapping(start, end))]

    def _style(self, key: tuple[object, ...]) -> Style:
        style = self._styles.get(key)
        if style is None:
            style = self._make_style(key)
            self._styles[key] = style
        return style

    def _make_style(self, key: tuple[object, ...]) -> Style:
        fg, bg, underline, overlap, current, selected, cursor = key
        base = self.base_style
        background = Color.from_rich_color(base.bgcolor) if base.bgcolor else Color(0, 0, 0)
        style = Style()
        if isinstance(bg, str):
            tint = Color.parse(self._colors[bg]).blend(background, 0.55)
            style += Style(bgcolor=tint.rich_color)
            background = tint
        if isinstance(fg, str):
            style += Style(color=self._colors[fg], bold=True)
        if isinstance(underline, str):
            style += Style(underline=True)
            if not isinstance(fg, str):
                style += Style(color=self._colors[underline])
        if overlap:
            style += Style(italic=True)
        if current:
            lifted = background.blend(Color(255, 255, 255), 0.22)
            style += Style(bgcolor=lifted.rich_color, bold=True)
        if selected:
            style += Style(bgcolor=SELECTION_BG)
        if cursor:
            style += CURSOR_STYLE
        return style

    def _row_at(self, y: int) -> tuple[tuple[object, ...], _RowArgs] | None:
        """The cache key and the drawing arguments of content row ``y`` (None: no text there)."""
        wrapped = self.wrapped
        row = y + round(self.scroll_y)  # scroll_offset.y, without making an Offset per row
        known = wrapped.known_rows
        if not wrapped.has_row(row):
            if not wrapped.complete or known != wrapped.known_rows:
                self.call_later(self._sync_virtual_size)
            return None
        if known != wrapped.known_rows:
            self.call_later(self._sync_virtual_size)  # scrolled past the rows wrapped before
        start, end = wrapped.row(row)
        line_end = end < len(self._text) and self._text[end] == "\n"
        visible_end = end + 1 if line_end else end
        spans = self._spans_in(start, end)
        cursor = self.cursor if start <= self.cursor < max(visible_end, start + 1) else -1
        selection = _clip(self.selection, start, visible_end)
        current = _clip(self.current, start, end)
        key = (row, start, end, wrapped.width, tuple(spans), cursor, selection, current)
        return key, _RowArgs(row, start, end, spans, cursor, selection, current, line_end)

    def render_line(self, y: int) -> Strip:
        self.render_count += 1
        width = self.wrapped.width  # the text width (the region's, looked up once per wrap)
        base = self.base_style
        found = self._row_at(y)
        if found is None:
            return Strip.blank(width, base)
        key, args = found
        strip = self._strips.get(key)
        if strip is None:
            segments, cells = self._render_row(args)
            strip = self._strips[key] = Strip(segments, cells)
        scroll_x = int(self.scroll_offset.x)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def render_padded_line(
        self, y: int, width: int, inner: Style, pad_left: int, pad_right: int
    ) -> Strip | None:
        """Row ``y`` as the styles cache finishes a row of :meth:`render_line` (filled to the
        content ``width``, padded in ``inner``), made as one Strip rather than four; None where
        only that general path can make it (scrolled sideways, a text row wider than the
        text width)."""
        text_width = self.wrapped.width
        if text_width > width or round(self.scroll_x):
            return None
        found = self._row_at(y)
        if found is None:
            return None
        self.render_count += 1
        key, args = found
        padded_key = (key, width, inner, pad_left, pad_right)
        strip = self._strips.get(padded_key)
        if strip is not None:
            return strip
        segments, cells = self._render_row(args)
        if cells > text_width:
            return None
        base = self.base_style
        row: list[Segment] = [Segment(" " * pad_left, inner)] if pad_left else []
        row += segments
        if cells < text_width:
            row.append(Segment(" " * (text_width - cells), base))  # as crop_extend fills
        if width > text_width:
            row.append(Segment(" " * (width - text_width), inner))  # as adjust_cell_length
        if pad_right:
            row.append(Segment(" " * pad_right, inner))
        strip = self._strips[padded_key] = Strip(row, width + pad_left + pad_right)
        return strip

    def _render_row(self, args: _RowArgs) -> tuple[list[Segment], int]:
        """The row's segments and their width in cells."""
        row, start, end, spans, cursor, selection, current, line_end = args
        segments: list[Segment] = []
        base = self.base_style
        previous_key: tuple[object, ...] | None = None
        pending: list[str] = []

        def flush() -> None:
            if pending and previous_key is not None:
                segments.append(Segment("".join(pending), base + self._style(previous_key)))
            pending.clear()

        # A cell's look changes only where a span, the selection, the current span or the
        # cursor starts or ends: its key is worked out once per run of cells, not per cell.
        bounds = {cursor, cursor + 1}
        for span in spans:
            bounds.add(span.start)
            bounds.add(span.end)
        for extent in (selection, current):
            if extent is not None:
                bounds.update(extent)
        edges = sorted(bounds)
        display = self._display
        piece = display[start:end]
        cells = -1
        if piece.isascii() and "\t" not in piece:
            # One cell per character: draw the runs as slices of the text, no cell map needed.
            cells = end - start
            points = [start, *(e for e in edges if start < e < end), end]
            for a, b in pairwise(points):
                if a < b:
                    key = self._cell_key(a, spans, cursor, selection, current)
                    if key != previous_key:
                        flush()
                        previous_key = key
                    pending.append(display[a:b])
        else:
            row_cells = self.cells(row)
            edge = 0
            next_edge = -1  # the first cell always works its key out
            for cell in row_cells:
                if cell.start >= next_edge:
                    while edge < len(edges) and edges[edge] <= cell.start:
                        edge += 1
                    next_edge = edges[edge] if edge < len(edges) else len(self._text) + 1
                    key = self._cell_key(cell.start, spans, cursor, selection, current)
                    if key != previous_key:
                        flush()
                        previous_key = key
                pending.append(cell.text)
        flush()
        if cells < 0:  # as Textual measures a strip: the cells of each segment's text
            cells = sum(cell_len(text) for text, _, _ in segments)
        # The cell after a line's end, when the cursor or the selection is there.
        if line_end or end == len(self._text):
            in_selection = selection is not None and selection[0] <= end < selection[1]
            if cursor == end or in_selection:
                key = (None, None, None, False, False, in_selection, cursor == end)
                segments.append(Segment(" ", base + self._style(key)))
                cells += 1
        return segments, cells

    def _cell_key(
        self,
        offset: int,
        spans: list[_SpanKey],
        cursor: int,
        selection: tuple[int, int] | None,
        current: tuple[int, int] | None,
    ) -> tuple[object, ...]:
        fg: tuple[int, str] | None = None
        bg: tuple[int, str] | None = None
        underline: tuple[int, str] | None = None
        backgrounds = 0
        for span in spans:
            if not span.start <= offset < span.end:
                continue
            size = (span.end - span.start, span.label)
            channel = self._channel.get(span.label, "bg")
            if channel == "fg":
                fg = size if fg is None or size < fg else fg
            elif channel == "underline":
                underline = size if underline is None or size < underline else underline
            else:
                backgrounds += 1
                bg = size if bg is None or size < bg else bg
        return (
            fg[1] if fg else None,
            bg[1] if bg else None,
            underline[1] if underline else None,
            backgrounds > 1,
            current is not None and current[0] <= offset < current[1],
            selection is not None and selection[0] <= offset < selection[1],
            offset == cursor,
        )

    # -- keys -------------------------------------------------------------------------------

    async def on_key(self, event: events.Key) -> None:
        if self.key_handler is not None:
            await self.key_handler(event)

    # -- mouse --------------------------------------------------------------------------------

    def offset_at(self, x: int, y: int) -> int:
        """The cursor offset under content coordinates ``(x, y)`` (relative to the widget)."""
        return self.offset_at_row(y + int(self.scroll_offset.y), x + int(self.scroll_offset.x))

    def _event_offset(self, event: events.MouseEvent) -> int | None:
        where = event.get_content_offset_capture(self)
        if not self.wrapped.has_row(0):
            return None
        return self.offset_at(where.x, where.y)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        offset = self._event_offset(event)
        if offset is None:
            return
        self.focus()
        self._dragging = True
        self.capture_mouse()
        self.post_message(self.Pointer(self, offset, "press"))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        offset = self._event_offset(event)
        if offset is not None:
            self.post_message(self.Pointer(self, offset, "drag"))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()

    def on_click(self, event: events.Click) -> None:
        if event.chain >= 2:
            offset = self._event_offset(event)
            if offset is not None:
                self.post_message(self.Pointer(self, offset, "word"))
