"""Rows of rich text drawn with the Line API: a row repaints only when its text changes.

A ``Static`` lays itself out again, or at least renders its whole content, on every
``update``; the status line changes on nearly every key, so it is one of these instead. The
number of rows changes only when a row is added or removed (e.g. the search line opens).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from annotator.tui.line_widget import LineWidget, repaint


class TextRows(LineWidget, can_focus=False):
    """One-line rows of :class:`rich.text.Text`, cut with an ellipsis at the widget's width."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    TextRows {
        height: 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[Text] = [Text()]
        self._strips: list[Strip | None] = [None]
        self._padded: list[tuple[tuple[object, ...], Strip] | None] = [None]
        """Each row finished (filled and padded), with what it was finished for."""
        self._span_styles: dict[tuple[Style, str | Style], Style] = {}
        """The widget's style plus each span style met so far."""
        self.render_count = 0
        """render_line calls so far (tests check that a key repaints only changed rows)."""

    @property
    def rows(self) -> list[Text]:
        return list(self._rows)

    def render(self) -> Text:
        """All rows as one text (what the user reads; tests use it)."""
        return Text("\n").join(self._rows)

    def set_rows(self, rows: Sequence[Text]) -> None:
        """Show ``rows``; repaints the rows that changed, lays out only if their count did."""
        rows = list(rows) or [Text()]
        if len(rows) != len(self._rows):
            self._rows = rows
            self._strips = [None] * len(rows)
            self._padded = [None] * len(rows)
            self.styles.height = len(rows)
            self.refresh()
            return
        width = self.outer_size.width  # (content coordinates; Textual clips what is wider)
        changed: list[Region] = []
        for index, (old, new) in enumerate(zip(self._rows, rows, strict=True)):
            if old != new:
                self._rows[index] = new
                self._strips[index] = None
                self._padded[index] = None
                changed.append(Region(0, index, max(width, 1), 1))
        repaint(self, *changed)

    def set_row(self, index: int, text: Text) -> None:
        rows = list(self._rows)
        rows[index] = text
        self.set_rows(rows)

    @property
    def content_width(self) -> int:
        """The width of the text (the widget's less its padding), without asking the
        compositor for the widget's region."""
        return max(0, self.outer_size.width - self.styles.gutter.width)

    def styles_changed(self) -> None:
        self._strips = [None] * len(self._rows)
        self._padded = [None] * len(self._rows)
        self._span_styles.clear()

    def _segments(self, text: Text, width: int, base: Style) -> list[Segment] | None:
        return quick_segments(text, width, base, self, self._span_styles)

    def on_resize(self) -> None:
        self.styles_changed()

    def render_padded_line(
        self, y: int, width: int, inner: Style, pad_left: int, pad_right: int
    ) -> Strip | None:
        """Row ``y`` finished as the styles cache finishes :meth:`render_line`'s row (see
        :class:`~annotator.tui.line_widget.PaddedRows`), in one Strip."""
        if not 0 <= y < len(self._rows):
            return None
        base = self.style_of()
        key = (width, inner, pad_left, pad_right, base)
        kept = self._padded[y]
        if kept is not None and kept[0] == key:
            self.render_count += 1
            return kept[1]
        segments = self._segments(self._rows[y], width, base)
        if segments is None:
            return None
        self.render_count += 1
        row = [Segment(" " * pad_left, inner)] if pad_left else []
        row += segments
        if pad_right:
            row.append(Segment(" " * pad_right, inner))
        strip = Strip(row, width + pad_left + pad_right)
        self._padded[y] = (key, strip)
        return strip

    def render_line(self, y: int) -> Strip:
        self.render_count += 1
        width = self.content_region.width
        base = self.style_of()
        if not 0 <= y < len(self._rows):
            return Strip.blank(width, base)
        strip = self._strips[y]
        if strip is None or strip.cell_length != width:
            strip = line_strip(self._rows[y], width, base, self)
            self._strips[y] = strip
        return strip


def quick_segments(
    text: Text,
    width: int,
    base: Style,
    widget: Widget,
    styles: dict[tuple[Style, str | Style], Style],
) -> list[Segment] | None:
    """:func:`line_segments` for the usual row (no text style, spans in order, no newline,
    not wider than ``width``), each span's style over ``base`` looked up once in ``styles``
    (which the caller empties when its styles change); the general path for any other row."""
    plain = text.plain
    cells = text.cell_len
    if text.style or cells > width or "\n" in plain:
        return line_segments(text, width, base, widget)
    segments: list[Segment] = []
    position = 0
    for start, end, span_style in text.spans:
        if start < position or end < start:
            return line_segments(text, width, base, widget)
        if start > position:
            segments.append(Segment(plain[position:start], base))
        if end > start:
            style = styles.get((base, span_style))
            if style is None:
                found = widget.app.console.get_style(span_style, default=Style.null())
                style = styles[base, span_style] = base + found if found else base
            segments.append(Segment(plain[start:end], style))
        position = end
    if position > len(plain):
        return line_segments(text, width, base, widget)
    if position < len(plain):
        segments.append(Segment(plain[position:], base))
    if cells < width:
        segments.append(Segment(" " * (width - cells), base))
    return segments


def line_strip(text: Text, width: int, base: Style, widget: Widget) -> Strip:
    """``text`` on one row of ``width`` cells (cut with an ellipsis), over the ``base`` style."""
    segments = line_segments(text, width, base, widget)
    if segments is None:  # a wide character cut at the edge
        return Strip(text_row_segments(text, width, base, widget)).crop_extend(0, width, base)
    return Strip(segments, width)


def line_segments(text: Text, width: int, base: Style, widget: Widget) -> list[Segment] | None:
    """The segments of :func:`line_strip`'s row (None: a wide character is cut at the edge)."""
    segments = text_row_segments(text, width, base, widget)
    cells = Segment.get_line_length(segments)
    if cells < width:
        segments.append(Segment(" " * (width - cells), base))
    elif cells > width:
        return None
    return segments


def text_row_segments(text: Text, width: int, base: Style, widget: Widget) -> list[Segment]:
    """``text`` cut with an ellipsis at ``width`` cells, over ``base`` (not filled)."""
    if text.cell_len > width or "\n" in text.plain:
        text = text.copy()
        text.plain = text.plain.replace("\n", " ")
        text.truncate(width, overflow="ellipsis")
    return [
        Segment(segment.text, base + segment.style if segment.style else base)
        for segment in text_segments(text, widget.app.console)
        if segment.text
    ]


def text_segments(text: Text, console: Console) -> Iterable[Segment]:
    """``text.render(console)``; a text whose spans follow one another without overlapping
    (a status line built by appending) is cut straight at its span edges, each piece in the
    text's style plus its span's, as Rich's render would style it."""
    plain = text.plain
    spans = text.spans
    if not spans:
        return [Segment(plain)]  # as Rich renders it: the text's own style is not applied
    position = 0
    for span in spans:
        if span.start < position or span.end < span.start:
            return text.render(console, end="")
        position = span.end
    if position > len(plain):
        return text.render(console, end="")
    null = Style.null()
    style = console.get_style(text.style, default=null)
    segments: list[Segment] = []
    position = 0
    for start, end, span_style in spans:
        if start > position:
            segments.append(Segment(plain[position:start], style))
        if end > start:
            segments.append(
                Segment(plain[start:end], style + console.get_style(span_style, default=null))
            )
        position = end
    if position < len(plain):
        segments.append(Segment(plain[position:], style))
    return segments
