"""A base for the screen's Line API widgets: styles looked up once, not on every row drawn.

``Widget.rich_style`` walks the ancestors to blend background colours, and ``refresh()`` clears
Textual's own cache of it, so a widget that asks for it in ``render_line`` pays that walk for
every row of every repaint. These widgets keep the styles until the CSS or the theme changes
(``notify_style_update``).

Textual draws every widget of the screen on every frame, each row through its styles cache (a
dict lookup and the app's line filters per row) even when none of the widget's rows changed.
:class:`KeptLinesCache` keeps the finished list of rows and hands it back while nothing in it
can have changed, and makes a plain widget's changed rows itself (in one Strip where the widget
can, :class:`PaddedRows`). :func:`repaint` hands the rows a key changes straight to the screen's
next frame.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol, cast

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual._segment_tools import line_pad
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.css.styles import StylesBase
from textual.dom import DOMNode, NoScreen
from textual.geometry import Region, Size, Spacing
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget


class _Look(NamedTuple):
    """What a widget's rows are drawn with, worked out when its or an ancestor's styles change."""

    plain: bool
    """No border, outline, hatch, tint, opacity or border title: rows are made here."""
    background: Color
    """The widget's background (what the line filters are given)."""
    inner: Style
    """The style of the padding and of the content's fill."""
    padding: Spacing
    padded: bool
    """The widget makes finished rows itself (:class:`PaddedRows`)."""


class KeptLinesCache(StylesCache):
    """Textual's styles cache that keeps the finished rows and makes plain rows itself.

    Textual draws every widget of the screen on every frame (each widget's clip is the
    screen), and its styles cache gathers every argument of a row (size, content size,
    padding, colours, opacity, the theme, border titles) before it looks at a single row:
    ~80 us for one changed row, ~15 us for a widget with none. Here, while neither the
    widget's nor an ancestor's styles changed (Textual's own ``RenderStyles._cache_key``), the
    colours and padding are the ones worked out before, an unchanged widget hands back the
    rows it returned last time, and a changed one makes only its dirty rows, as Textual's row
    code makes a plain widget's rows (its content row cut or filled to the content width,
    padded in the background colour). A widget that is not plain (a border, a tint, ...) or
    has a link under the mouse is drawn by Textual's own code.
    """

    def __init__(self) -> None:
        super().__init__()
        self._kept: list[Strip] | None = None
        self._kept_crop: Region | None = None
        self._kept_filters: tuple[int, ...] = ()
        self._kept_size = Size(0, 0)
        self._look_key: tuple[int, ...] = ()
        self._look: _Look | None = None

    def clear(self) -> None:
        self._kept = None
        self._look = None
        super().clear()

    def _look_of(self, widget: Widget) -> _Look:
        # The key: each node up to the app with its styles' update count (what
        # ``RenderStyles._cache_key`` adds up; read here without a property call per node, as
        # this runs for every widget on every frame).
        node: DOMNode | None = widget
        parts: list[int] = []
        while node is not None:
            styles = node.styles
            parts += (
                id(node),
                styles._updates + styles._base_styles._updates + styles._inline_styles._updates,
            )
            node = node._parent  # type: ignore[assignment]  # the app's parent is None
        key = tuple(parts)
        look = self._look
        if look is not None and key == self._look_key:
            return look
        self._look_key = key
        styles = widget.styles
        base_background, background = widget.background_colors
        look = self._look = _Look(
            _plain(styles)
            and widget._border_title is None
            and widget._border_subtitle is None
            and widget.opacity == 1.0,
            background,
            self.get_inner_outer(base_background, background)[0].rich_style,
            styles.padding,
            callable(getattr(widget, "render_padded_line", None)),
        )
        self._cache.clear()  # rows made in other colours
        self._kept = None
        return look

    def render_widget(self, widget: Widget, crop: Region) -> list[Strip]:
        look = self._look_of(widget)
        filters = widget.get_line_filters()
        filter_ids = tuple(map(id, filters))
        kept = self._kept
        dirty = self._dirty_lines
        if (
            kept is not None
            and not dirty
            and crop == self._kept_crop
            and filter_ids == self._kept_filters
            and not (widget.auto_links and widget.hover_style._link_id)
        ):
            return kept
        if not look.plain or (widget.auto_links and widget.hover_style._link_id):
            self._kept = None
            return super().render_widget(widget, crop)
        size = widget.outer_size
        if size != self._kept_size or size.width != self._width:
            self._cache.clear()
            self._kept_size, self._width = size, size.width
            kept = None
        cache = self._cache
        background = look.background
        x1, x2 = crop.column_span
        cut = (x1, x2) != (0, size.width)
        if kept is not None and crop == self._kept_crop and filter_ids == self._kept_filters:
            # Only the dirty rows change: the rest of the list is the one kept.
            strips = list(kept)
            top = crop.y
            for y in sorted(dirty.intersection(crop.line_range)):
                strip = cache[y] = self._make_row(widget, look, size, y)
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                strips[y - top] = strip.crop(x1, x2) if cut else strip
        else:
            strips = []
            add_strip = strips.append
            for y in crop.line_range:
                row = cache.get(y)
                if row is None or y in dirty:
                    row = cache[y] = self._make_row(widget, look, size, y)
                strip = row
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                add_strip(strip.crop(x1, x2) if cut else strip)
        dirty.difference_update(crop.line_range)
        self._kept, self._kept_crop, self._kept_filters = strips, crop, filter_ids
        return strips

    @staticmethod
    def _make_row(widget: Widget, look: _Look, size: Size, y: int) -> Strip:
        """Row ``y`` of a plain widget, as Textual's row code makes it (a widget with a
        ``render_padded_line`` method makes the finished row itself, see :class:`PaddedRows`)."""
        pad_top, pad_right, pad_bottom, pad_left = look.padding
        width, height = size
        inner = look.inner
        if y < pad_top or y >= height - pad_bottom:
            return Strip.blank(width, inner)
        content_width = width - pad_left - pad_right
        if look.padded:
            strip = cast(PaddedRows, widget).render_padded_line(
                y - pad_top, content_width, inner, pad_left, pad_right
            )
            if strip is not None:
                return strip
        line = widget.render_line(y - pad_top).adjust_cell_length(content_width, inner)
        if pad_left or pad_right:
            return Strip(line_pad(line, pad_left, pad_right, inner), width)
        return line


class PaddedRows(Protocol):
    """A Line API widget that can make a finished row in one Strip.

    The styles cache fills a row of ``render_line`` to the content width and pads it, a new
    Strip at each step; a widget that draws many rows per frame makes the same segments at once.
    """

    def render_padded_line(
        self, y: int, width: int, inner: Style, pad_left: int, pad_right: int
    ) -> Strip | None:
        """Content row ``y`` filled to ``width`` cells and padded left and right in ``inner``,
        exactly as ``render_line(y)`` would be finished (None: finish ``render_line(y)``)."""


def _plain(styles: StylesBase) -> bool:
    """No border, outline, hatch, tint or text opacity (what the screen's widgets use)."""
    return (
        not any(edge for edge, _ in styles.border)
        and not any(edge for edge, _ in styles.outline)
        and not styles.tint.a
        and styles.text_opacity == 1.0
        and not (styles.has_rule("hatch") and styles.hatch != "none")
    )


def repaint(widget: Widget, *regions: Region) -> None:
    """Repaint ``regions`` of ``widget`` (content coordinates) in the next frame.

    As ``widget.refresh(*regions)``, with the screen told at once: Textual's refresh goes
    through two messages (an idle event for the widget, then an Update message for the
    screen), and a key repaints rows of up to three widgets. Anything but a mounted, shown
    widget on a laid out screen takes Textual's way.
    """
    if not regions:
        return
    try:
        screen = widget.screen
    except NoScreen:
        screen = None
    if (
        screen is None
        or not widget.is_mounted
        or not widget.display
        or screen not in screen._compositor
    ):
        widget.refresh(*regions)
        return
    widget._set_dirty(*regions)
    screen._dirty_widgets.add(widget)
    screen.check_idle()


def keep_lines(widget: Widget) -> None:
    """Give ``widget`` a :class:`KeptLinesCache` (before it is first drawn)."""
    widget._styles_cache = KeptLinesCache()


class LineWidget(Widget):
    """A widget drawn with ``render_line`` that looks its styles up once per style change."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._style_cache: dict[tuple[str, ...], Style] = {}
        keep_lines(self)

    def style_of(self, *components: str) -> Style:
        """The widget's style with ``components`` (component classes) applied, in order."""
        style = self._style_cache.get(components)
        if style is None:
            style = self.rich_style
            for component in components:
                style += self.get_component_rich_style(component)
            self._style_cache[components] = style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache.clear()
        self.styles_changed()

    def styles_changed(self) -> None:
        """Drop what was drawn with the old styles (subclasses)."""


class RowScrollBar(ScrollBar):
    """A vertical scrollbar drawn row by row from its bar's segments.

    Textual renders a scrollbar through its general path for any Rich renderable (a console
    render, lines split and cropped, link styles) each time the thumb moves, about a
    millisecond for a 37-row bar; a page down moves it every time. Here each row is the
    bar's segment in the widget's style, as that path makes it, and rows that look alike
    are one Strip (so the app's line filters work on each look once).
    """

    def __init__(self, *, thickness: int = 1) -> None:
        super().__init__(vertical=True, name="vertical", thickness=thickness)
        keep_lines(self)
        self._rows: list[Strip] = []
        self._rows_size = Size(0, 0)
        self._looks: dict[Segment, Strip] = {}

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._looks.clear()

    def render_line(self, y: int) -> Strip:
        # ``_dirty_regions`` is what tells Textual's own render_line to render the content
        # again (a refresh sets it), and it is cleared once the content is rendered.
        # (``outer_size`` is an attribute; ``size`` asks the compositor, on every row)
        if self._dirty_regions or self._rows_size != self.outer_size:
            rows = self._make_rows()
            if rows is None:
                return super().render_line(y)
            self._rows, self._rows_size = rows, self.outer_size
            self._dirty_regions.clear()
        if 0 <= y < len(self._rows):
            return self._rows[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def _make_rows(self) -> list[Strip] | None:
        """The rows, or None where the general path could differ (not a plain vertical bar
        left and top aligned, or a text selection in it)."""
        bar = self.render()
        width, height = self.size
        if (
            type(bar) is not ScrollBarRender
            or not bar.vertical
            or self.text_selection is not None
            or self.styles.content_align != ("left", "top")
        ):
            return None
        console = self.app.console
        style = console.get_style(bar.style)
        segments = ScrollBarRender.render_bar(
            size=height,
            window_size=bar.window_size,
            virtual_size=bar.virtual_size,
            position=bar.position,
            vertical=True,
            thickness=width,
            back_color=style.bgcolor or RichColor.parse("#555555"),  # as the bar renders itself
            bar_color=style.color or RichColor.parse("bright_magenta"),
        )
        base = self.visual_style.rich_style
        looks = self._looks
        rows: list[Strip] = []
        for segment in segments.segments[:height]:
            text, segment_style, _ = segment
            look = Segment(text[:width], base + segment_style if base else segment_style)
            strip = looks.get(look)
            if strip is None:
                strip = looks[look] = Strip([look])
            rows.append(strip)
        return rows
