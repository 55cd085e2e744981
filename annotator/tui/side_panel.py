"""The side panel: legend with counts, the spans in reading order, the current label's guideline.

One Line API widget draws the whole panel, so that a key repaints only the rows it changes (the
old and new highlighted span, a count, the guideline) and the screen has one widget here instead
of a container with a widget per label. Its rows, top to bottom::

    (blank)
    Labels
     ■ 1 speaker  3          one row per label; a click applies the label
    (blank)
    Spans
    speaker Irena Vashti     the spans, scrolled by the wheel or a click on the right edge;
    …                        a click on a span jumps to it; only the rows on screen are drawn
    (blank)
    claim: A statement …     the current label's guideline (as tall as the longest one)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar, Literal, NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Offset, Region
from textual.message import Message
from textual.strip import Strip

from annotator.model.config import LabelConfig, ProjectConfig
from annotator.model.keymap import display_keys
from annotator.model.records import Span
from annotator.model.session import EditingSession, excerpt
from annotator.model.text import display_safe
from annotator.tui.line_widget import LineWidget, repaint
from annotator.tui.text_rows import line_strip, quick_segments

EDGE = "▏"
"""The panel's left edge (drawn here rather than as a CSS border: Textual's border and padding
cost more per row than the row itself)."""
GUIDELINE_ROWS = 6
"""At most this many rows of guideline."""
SCROLL_STEP = 3
"""Span rows scrolled per wheel step."""


class PanelRows(NamedTuple):
    """Where each part of the panel is, in content rows."""

    legend: int
    """First legend row."""
    spans: int
    """First span row."""
    span_rows: int
    """Rows for spans."""
    guideline: int
    """First guideline row."""


class SidePanel(LineWidget, can_focus=False):
    """Legend, span list and guideline in one widget (never takes focus from the text)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "side-panel--edge",
        "side-panel--title",
        "side-panel--hover",
        "side-panel--highlighted",
        "side-panel--track",
        "side-panel--thumb",
    }
    DEFAULT_CSS = """
    SidePanel {
        & > .side-panel--edge {
            color: $panel-lighten-2;
        }
        & > .side-panel--title {
            text-style: bold;
            color: $text-muted;
        }
        & > .side-panel--hover {
            background: $boost;
        }
        & > .side-panel--highlighted {
            color: $foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .side-panel--track {
            background: $scrollbar-background;
        }
        & > .side-panel--thumb {
            background: $scrollbar;
        }
    }
    """

    class LabelClicked(Message):
        """A label of the legend was clicked."""

        def __init__(self, label: str) -> None:
            super().__init__()
            self.label = label

    class SpanClicked(Message):
        """A span of the list was clicked."""

        def __init__(self, span: Span) -> None:
            super().__init__()
            self.span = span

    def __init__(self, config: ProjectConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.labels = list(config.labels)
        self._legend: list[Text] = [Text() for _ in self.labels]
        self._legend_counts: dict[int, int] = {}
        self._span_styles: dict[tuple[Style, str | Style], Style] = {}
        """A row style plus each span style met so far (span rows)."""
        """The count each legend row shows."""
        self._spans: Sequence[Span] = ()
        self._prompt: Callable[[Span], Text] = lambda span: Text(span.text)
        self._depends: Callable[[Span], object] = lambda span: None
        self.highlighted: int | None = None
        """Index of the highlighted span (the one under the cursor)."""
        self.span_top = 0
        """Index of the first span on screen."""
        self._span_strips: dict[tuple[int, bool, object], tuple[Span, object, Strip]] = {}
        self._guideline_label: LabelConfig | Literal[False] | None = False
        """The label whose guideline is shown (None: no span under the cursor; False: none yet)."""
        self._guideline_lines: list[Text] = []
        self._guideline_rows = 0
        self._guideline_width = 0
        self._hover: int | None = None
        """The legend row under the pointer."""
        self._shown: tuple[object, ...] | None = None
        self._counted: tuple[object, ...] | None = None
        self._rows: tuple[tuple[int, int], PanelRows] | None = None
        """The panel's rows for a content size."""
        self._drawn: dict[int, tuple[object, ...]] = {}
        """What each span row showed when last drawn (see :meth:`_row_state`)."""
        self._drawn_width = 0
        """The text width the cached rows were drawn for."""
        self._drawn_height = 0
        """The height the cached rows were drawn for."""
        self._fixed_strips: dict[int, Strip] = {}
        """Drawn rows other than spans (titles, legend, guideline), by row."""
        self.render_count = 0
        """render_line calls so far."""
        self.span_render_count = 0
        """Span rows drawn so far (tests check that only the rows on screen are drawn)."""

    # -- geometry -----------------------------------------------------------------------------

    @property
    def text_width(self) -> int:
        """Cells for text on a row: the widget's width less the edge and a cell either side."""
        return max(0, self.outer_size.width - 3)

    @property
    def rows(self) -> PanelRows:
        size = self.outer_size
        cached = self._rows
        if cached is not None and cached[0] == size:
            return cached[1]
        legend = 2
        spans = legend + len(self.labels) + 2
        guideline_rows = self._guideline_height()
        span_rows = max(0, size.height - spans - 1 - guideline_rows)
        rows = PanelRows(legend, spans, span_rows, spans + span_rows + 1)
        self._rows = (size.width, size.height), rows
        return rows

    def _guideline_height(self) -> int:
        """Rows kept for the guideline: as many as the longest guideline needs at this width, so
        moving on and off spans never moves the span list."""
        width = self.text_width
        if width != self._guideline_width:
            self._guideline_width = width
            if width <= 0:
                self._guideline_rows = 0
            else:
                console = self.app.console
                texts = [self._guideline(label) for label in [*self.labels, None]]
                rows = max(len(text.wrap(console, width)) for text in texts)
                self._guideline_rows = min(rows, GUIDELINE_ROWS)
            self._guideline_lines = []
        return self._guideline_rows

    def _refresh_rows(self, first: int, count: int = 1) -> None:
        if count > 0:
            for row in range(first, first + count):
                self._fixed_strips.pop(row, None)
            repaint(self, Region(0, first, max(self.outer_size.width, 1), count))

    def _refresh_each(self, rows: Iterable[int]) -> None:
        """Repaint ``rows``: one refresh per run of consecutive rows (after an edit most span
        rows move a line: one refresh, not one per row)."""
        runs: list[list[int]] = []
        for row in sorted(rows):
            if runs and row == runs[-1][1] + 1:
                runs[-1][1] = row
            else:
                runs.append([row, row])
        for first, last in runs:
            self._refresh_rows(first, last - first + 1)

    def on_resize(self) -> None:
        # Textual repaints a widget whose size changed: only what was drawn for another size
        # is dropped here (a refresh would draw the whole panel a second time).
        if self.text_width != self._drawn_width:
            self._drawn_width = self.text_width
            self.styles_changed()
            self._guideline_lines = []
        elif self.outer_size.height != self._drawn_height:
            # Another height moves the guideline (the search line or a pending link's line
            # took a row): the rows kept by number would show what used to be there.
            self._fixed_strips.clear()
        self._drawn_height = self.outer_size.height
        self._scroll_into_view(self.highlighted)

    def styles_changed(self) -> None:
        self._span_styles.clear()
        self._span_strips.clear()
        self._fixed_strips.clear()

    # -- content ------------------------------------------------------------------------------

    def update_from(self, session: EditingSession, *, hide_spans: bool = False) -> None:
        """Show the session's counts, spans, current span and its guideline; repaints only the
        rows that change."""
        counted = (id(session), session.revision)
        if counted != self._counted:
            self._counted = counted
            self._update_legend(session)
        shown = (id(session), session.revision, hide_spans)
        if shown != self._shown:
            first_show = self._shown is None or self._shown[0] != id(session)
            self._shown = shown
            self._show_spans(
                () if hide_spans else session.spans,
                lambda span: self._span_prompt(session, span),
                lambda span: session.linked_tail(span.id),
                reset=first_show,
            )
        current = session.current_span()
        index = session.index_of(current) if current is not None and not hide_spans else -1
        self.highlight(index if index >= 0 else None)
        label = self.config.label(current.label) if current else None
        if label != self._guideline_label:
            self._guideline_label = label
            self._guideline_lines = []
            rows = self.rows
            self._refresh_rows(rows.guideline, self._guideline_rows)

    def _update_legend(self, session: EditingSession) -> None:
        counts = session.label_counts()
        top = self.rows.legend
        for index, label in enumerate(self.labels):
            count = counts.get(label.name, 0)
            if self._legend_counts.get(index) == count:
                continue  # a tag changes one count: the other rows are not made again
            self._legend_counts[index] = count
            text = Text()
            text.append(" ■ ", style=label.color)
            text.append(f"{display_keys(label.key)} ", style="bold")
            text.append(label.name)
            text.append(f"  {count}", style="dim")
            if text != self._legend[index]:
                self._legend[index] = text
                self._refresh_rows(top + index)

    def _show_spans(
        self,
        spans: Sequence[Span],
        prompt: Callable[[Span], Text],
        depends: Callable[[Span], object],
        *,
        reset: bool,
    ) -> None:
        """Show ``spans`` (kept by reference); a row is drawn again only when its span or what
        ``depends`` returns for it (the linked span) changed."""
        self._spans, self._prompt, self._depends = spans, prompt, depends
        rows = self.rows
        if reset:
            self.span_top = 0
            self.highlighted = None
            self._drawn.clear()
        self.span_top = max(0, min(self.span_top, len(spans) - rows.span_rows))
        # An edit inserts or removes a row or two: repaint only the rows that now show
        # something else (the rows below an inserted span move down; those above stay).
        self._refresh_each(
            rows.spans + row
            for row in range(rows.span_rows)
            if self._drawn.get(row) != self._row_state(row, rows.span_rows)
        )

    def _row_state(self, row: int, span_rows: int) -> tuple[object, ...]:
        """What span row ``row`` shows: the span, what it depends on, highlight, scroll mark."""
        index = self.span_top + row
        track = self._track(row, span_rows)
        if index >= len(self._spans):
            return (None, None, False, track)
        span = self._spans[index]
        return (span, self._depends(span), index == self.highlighted, track)

    @property
    def spans(self) -> Sequence[Span]:
        return self._spans

    def highlight(self, index: int | None) -> None:
        """Highlight span ``index`` (None: none) and scroll it into view."""
        if index is not None and not 0 <= index < len(self._spans):
            index = None
        if index == self.highlighted:
            return
        old, self.highlighted = self.highlighted, index
        rows = self.rows
        for row in (old, index):
            if row is not None and self.span_top <= row < self.span_top + rows.span_rows:
                self._refresh_rows(rows.spans + row - self.span_top)
        self._scroll_into_view(index)

    def _scroll_into_view(self, index: int | None) -> None:
        span_rows = self.rows.span_rows
        if index is not None and span_rows and not 0 <= index - self.span_top < span_rows:
            self.scroll_spans_to(index - span_rows // 2)

    def scroll_spans_to(self, top: int) -> None:
        """Show the spans from index ``top`` (clamped)."""
        rows = self.rows
        top = max(0, min(top, len(self._spans) - rows.span_rows))
        if top != self.span_top:
            self.span_top = top
            self._refresh_rows(rows.spans, rows.span_rows)

    def _guideline(self, label: LabelConfig | None) -> Text:
        if label is None:
            return Text("Put the cursor on a span to see its guideline.", style="dim")
        text = Text()
        text.append(f"{label.name}: ", style=f"bold {label.color}")
        text.append(label.description or "(no guideline)")
        return text

    def _span_prompt(self, session: EditingSession, span: Span) -> Text:
        label = self.config.label(span.label)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{span.label[:7]:<7} ", style=label.color if label else "")
        tail = session.linked_tail(span.id)
        if tail is None:
            text.append(excerpt(display_safe(span.text), 21))
        else:
            text.append(excerpt(display_safe(span.text), 10))
            text.append(f" ←{excerpt(display_safe(tail.text), 8)}", style="italic")
        return text

    # -- drawing ------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        self.render_count += 1
        width = self.text_width
        rows = self.rows
        if rows.spans <= y < rows.spans + rows.span_rows:
            return self._span_line(y - rows.spans, rows.span_rows, width)
        strip = self._fixed_strips.get(y)
        if strip is None or strip.cell_length != width + 3:
            strip = self._framed(self._fixed_line(y, rows, width))
            self._fixed_strips[y] = strip
        return strip

    def _framed(self, text: Strip, right: Segment | None = None) -> Strip:
        """A row of text with the panel's edge and a cell either side (``right``: the last)."""
        blank = Segment(" ", self.style_of())
        edge = Segment(EDGE, self.style_of("side-panel--edge"))
        return Strip([edge, blank, *text, right or blank], text.cell_length + 3)

    def _fixed_line(self, y: int, rows: PanelRows, width: int) -> Strip:
        """A row that is not a span: a title, a label of the legend, the guideline or blank."""
        if y in (rows.legend - 1, rows.spans - 1):
            title = "Labels" if y == rows.legend - 1 else "Spans"
            return line_strip(Text(title), width, self.style_of("side-panel--title"), self)
        if rows.legend <= y < rows.legend + len(self.labels):
            index = y - rows.legend
            style = self.style_of("side-panel--hover") if index == self._hover else self.style_of()
            return line_strip(self._legend[index], width, style, self)
        if rows.guideline <= y < rows.guideline + self._guideline_rows:
            return self._guideline_line(y - rows.guideline, width)
        return Strip.blank(width, self.style_of())

    def _span_line(self, row: int, span_rows: int, width: int) -> Strip:
        base = self.style_of()
        state = self._row_state(row, span_rows)
        self._drawn[row] = state
        span_or_none, depends, highlighted, track = state
        right = Segment(" ", track) if isinstance(track, Style) else None
        if not isinstance(span_or_none, Span):
            return self._framed(Strip.blank(width, base), right)
        self.span_render_count += 1
        span = span_or_none
        # The finished row is kept (framed, scroll mark included): a row that moves up or
        # down a line after an edit is the same Strip, which Textual filters only once.
        key = (id(span), bool(highlighted), track)
        cached = self._span_strips.get(key)
        if cached is not None and cached[0] is span and cached[1] is depends:
            return cached[2]
        style = self.style_of("side-panel--highlighted") if highlighted else base
        text = self._prompt(span)
        segments = quick_segments(text, width, style, self, self._span_styles)
        if segments is None:  # a wide character cut at the edge
            strip = self._framed(line_strip(text, width, style, self), right)
        else:  # framed at once: one Strip, not two
            blank = Segment(" ", base)
            edge = Segment(EDGE, self.style_of("side-panel--edge"))
            strip = Strip([edge, blank, *segments, right or blank], width + 3)
        if len(self._span_strips) > 512:
            self._span_strips.clear()
        self._span_strips[key] = (span, depends, strip)
        return strip

    def _track(self, row: int, span_rows: int) -> Style | None:
        """The scroll indicator's style on span row ``row`` (None: every span fits)."""
        total = len(self._spans)
        if total <= span_rows or span_rows <= 0:
            return None
        thumb = max(1, span_rows * span_rows // total)
        thumb_top = (span_rows - thumb) * self.span_top // max(1, total - span_rows)
        name = "side-panel--thumb" if thumb_top <= row < thumb_top + thumb else "side-panel--track"
        return self.style_of(name)

    def _guideline_line(self, row: int, width: int) -> Strip:
        if not self._guideline_lines:
            label = self._guideline_label
            text = self._guideline(None if label is False else label)
            lines = list(text.wrap(self.app.console, max(width, 1)))
            if len(lines) > self._guideline_rows:
                lines = lines[: self._guideline_rows]
                lines[-1].truncate(max(width - 1, 0))
                lines[-1].append("…")
            self._guideline_lines = lines
        if row >= len(self._guideline_lines):
            return Strip.blank(width, self.style_of())
        return line_strip(self._guideline_lines[row], width, self.style_of(), self)

    # -- mouse --------------------------------------------------------------------------------

    def _content_row(self, event: events.MouseEvent) -> tuple[int, int] | None:
        """``(x, y)`` of the pointer: x in the text (the edge and the cell after it are
        negative), y the panel row."""
        where = event.get_content_offset(self)
        return None if where is None else (where.x - 2, where.y)

    def on_click(self, event: events.Click) -> None:
        where = self._content_row(event)
        if where is None:
            return
        x, y = where
        rows = self.rows
        if rows.legend <= y < rows.legend + len(self.labels):
            self.post_message(self.LabelClicked(self.labels[y - rows.legend].name))
        elif rows.spans <= y < rows.spans + rows.span_rows:
            row = y - rows.spans
            if self._track(row, rows.span_rows) is not None and x == self.text_width:
                # The scroll indicator: jump there.
                total = len(self._spans)
                self.scroll_spans_to(row * total // rows.span_rows - rows.span_rows // 2)
                return
            index = self.span_top + row
            if index < len(self._spans):
                self.post_message(self.SpanClicked(self._spans[index]))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.scroll_spans_to(self.span_top + SCROLL_STEP)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.scroll_spans_to(self.span_top - SCROLL_STEP)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        where = self._content_row(event)
        rows = self.rows
        hover = None
        if where is not None and rows.legend <= where[1] < rows.legend + len(self.labels):
            hover = where[1] - rows.legend
        self._set_hover(hover)

    def on_leave(self) -> None:
        self._set_hover(None)

    def _set_hover(self, hover: int | None) -> None:
        if hover != self._hover:
            top = self.rows.legend
            for row in (self._hover, hover):
                if row is not None:
                    self._refresh_rows(top + row)
            self._hover = hover

    # -- for tests and scripts ----------------------------------------------------------------

    def legend_offset(self, label: str) -> Offset:
        """Where the legend row of ``label`` is, relative to the widget (for ``pilot.click``)."""
        index = [item.name for item in self.labels].index(label)
        return Offset(5, self.rows.legend + index)

    def span_offset(self, index: int) -> Offset:
        """Where span ``index`` is drawn, relative to the widget (it must be on screen)."""
        row = index - self.span_top
        if not 0 <= row < self.rows.span_rows:
            raise ValueError(f"span {index} is not on screen")
        return Offset(5, self.rows.spans + row)
