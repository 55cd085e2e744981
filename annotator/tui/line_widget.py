"""A base for the screen's Line API widgets: styles looked up once, not on every row drawn.

``Widget.rich_style`` walks the ancestors to blend background colours, and ``refresh()`` clears
Textual's own cache of it, so a widget that asks for it in ``render_line`` pays that walk for
every row of every repaint. These widgets keep the styles until the CSS or the theme changes
(``notify_style_update``).

Textual draws every widget the frame's dirty area touches from the first row to the last, each
row through its styles cache (a dict lookup and the app's line filters per row) even when
none of the widget's rows changed. :class:`KeptLinesCache` keeps the finished list of rows and
hands it back while nothing in it can have changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, TerminalTheme
from textual._segment_tools import line_pad
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.content import Content
from textual.css.styles import StylesBase
from textual.filter import LineFilter
from textual.geometry import Region, Size, Spacing
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

_Label = tuple[Content, Color, Color, VisualStyle] | None


class KeptLinesCache(StylesCache):
    """Textual's styles cache that also keeps the last rows it returned.

    The same call gives the same rows while no row was marked dirty and nothing was cleared
    (each row comes from the row cache, which only ``set_dirty`` and ``clear`` change), so
    the list made last time is handed back as it is, or with only its dirty rows made again.
    Rows of a plain widget (no border, outline, hatch, tint or opacity: every widget of the
    annotate screen) are made here, as Textual's row code makes them, without its per-row
    checks of every effect.
    """

    def __init__(self) -> None:
        super().__init__()
        self._kept: list[Strip] | None = None
        self._kept_key: tuple[object, ...] = ()
        self._kept_crop: Region | None = None
        self._kept_background: tuple[Color, Color] | None = None
        self._kept_filters: tuple[int, ...] = ()
        self._plain: bool | None = None
        """The widget's styles ask for no effect (worked out again after each clear)."""

    def render_widget(self, widget: Widget, crop: Region) -> list[Strip]:
        # The rows kept are handed back before Textual gathers every argument of ``render``
        # (the ones that can change without a refresh: the crop, the background colours
        # under the widget, the app's line filters, a link under the mouse).
        kept = self._kept
        background = widget.background_colors
        filters = tuple(map(id, widget.get_line_filters()))
        if (
            kept is not None
            and not self._dirty_lines
            and crop == self._kept_crop
            and background == self._kept_background
            and filters == self._kept_filters
            and not (widget.auto_links and widget.hover_style._link_id)
        ):
            return kept
        strips = super().render_widget(widget, crop)
        self._kept_crop, self._kept_background, self._kept_filters = crop, background, filters
        return strips

    def clear(self) -> None:
        self._kept = None
        self._plain = None
        super().clear()

    def render(
        self,
        styles: StylesBase,
        size: Size,
        base_background: Color,
        background: Color,
        render_content_line: Callable[[int], Strip],
        filters: Sequence[LineFilter],
        border_title: _Label,
        border_subtitle: _Label,
        content_size: Size | None = None,
        padding: Spacing | None = None,
        crop: Region | None = None,
        opacity: float = 1.0,
        ansi_theme: TerminalTheme = DEFAULT_TERMINAL_THEME,
        native_ansi: bool = False,
    ) -> list[Strip]:
        key = (
            id(styles),
            size,
            base_background,
            background,
            render_content_line,
            tuple(map(id, filters)),
            border_title,
            border_subtitle,
            content_size,
            padding,
            crop,
            opacity,
            id(ansi_theme),
            native_ansi,
        )
        kept = self._kept
        same = kept is not None and key == self._kept_key
        if same and not self._dirty_lines:
            assert kept is not None
            return kept
        if self._plain is None:
            self._plain = _plain(styles)
        if not self._plain or opacity != 1.0:
            strips = super().render(
                styles,
                size,
                base_background,
                background,
                render_content_line,
                filters,
                border_title,
                border_subtitle,
                content_size,
                padding,
                crop,
                opacity,
                ansi_theme,
                native_ansi,
            )
            self._kept, self._kept_key = strips, key
            return strips
        width = size.width
        if width != self._width:
            self.clear()
            self._width = width
            same = False
        crop = crop or size.region
        row = _RowMaker(
            self,
            styles,
            size,
            content_size or size,
            padding or styles.padding,
            base_background,
            background,
            render_content_line,
            ansi_theme,
            native_ansi,
        )
        cache = self._cache
        dirty = self._dirty_lines
        x1, x2 = crop.column_span
        cut = (x1, x2) != (0, width)
        if same:
            # Only the dirty rows change: the rest of the list is the one kept.
            assert kept is not None
            strips = list(kept)
            top = crop.y
            for y in sorted(dirty.intersection(crop.line_range)):
                strip = row.make(y)
                cache[y] = strip
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                strips[y - top] = strip.crop(x1, x2) if cut else strip
        else:
            strips = []
            add_strip = strips.append
            for y in crop.line_range:
                cached = cache.get(y)
                if cached is None or y in dirty:
                    cached = cache[y] = row.make(y)
                strip = cached
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                add_strip(strip)
            if cut:
                strips = [strip.crop(x1, x2) for strip in strips]
        dirty.difference_update(crop.line_range)
        self._kept, self._kept_key = strips, key
        return strips


class _RowMaker:
    """One row of a plain widget: its content row, cut or filled to the content width and
    padded left and right in the background colour. Rows of top or bottom padding are made
    by Textual's code."""

    def __init__(
        self,
        cache: StylesCache,
        styles: StylesBase,
        size: Size,
        content_size: Size,
        padding: Spacing,
        base_background: Color,
        background: Color,
        render_content_line: Callable[[int], Strip],
        ansi_theme: TerminalTheme,
        native_ansi: bool,
    ) -> None:
        self.cache = cache
        self.styles = styles
        self.size = size
        self.content_size = content_size
        self.padding = padding
        self.base_background = base_background
        self.background = background
        self.render_content_line = render_content_line
        self.ansi_theme = ansi_theme
        self.native_ansi = native_ansi
        self.inner = cache.get_inner_outer(base_background, background)[0].rich_style

    def make(self, y: int) -> Strip:
        pad_top, pad_right, pad_bottom, pad_left = self.padding
        width, height = self.size
        if y < pad_top or y >= height - pad_bottom:
            return self.cache.render_line(
                self.styles,
                y,
                self.size,
                self.content_size,
                self.padding,
                self.base_background,
                self.background,
                self.render_content_line,
                None,
                None,
                1.0,
                self.ansi_theme,
                self.native_ansi,
            )
        inner = self.inner
        content_width, content_height = self.content_size
        content_y = y - pad_top
        if content_y < content_height:
            line = self.render_content_line(content_y).adjust_cell_length(content_width, inner)
        else:
            line = Strip.blank(content_width, inner)
        if pad_left or pad_right:
            line = Strip(line_pad(line, pad_left, pad_right, inner), width)
        return line


def _plain(styles: StylesBase) -> bool:
    """No border, outline, hatch, tint or text opacity (what the screen's widgets use)."""
    return (
        not any(edge for edge, _ in styles.border)
        and not any(edge for edge, _ in styles.outline)
        and not styles.tint.a
        and styles.text_opacity == 1.0
        and not (styles.has_rule("hatch") and styles.hatch != "none")
    )


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
        if self._dirty_regions or self._rows_size != self.size:
            rows = self._make_rows()
            if rows is None:
                return super().render_line(y)
            self._rows, self._rows_size = rows, self.size
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
