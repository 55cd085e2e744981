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

from rich.style import Style
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, TerminalTheme
from textual._segment_tools import line_pad
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.content import Content
from textual.css.styles import StylesBase
from textual.filter import LineFilter
from textual.geometry import Region, Size, Spacing
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

_Label = tuple[Content, Color, Color, VisualStyle] | None


class KeptLinesCache(StylesCache):
    """Textual's styles cache that also keeps the last rows it returned.

    While no row was marked dirty and nothing was cleared since, the same call gives the same
    rows (each comes from the row cache, which only ``set_dirty`` and ``clear`` change), so
    the list made last time is returned as it is.
    """

    def __init__(self) -> None:
        super().__init__()
        self._kept: list[Strip] | None = None
        self._kept_key: tuple[object, ...] = ()

    def set_dirty(self, *regions: Region) -> None:
        self._kept = None
        super().set_dirty(*regions)

    def clear(self) -> None:
        self._kept = None
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
        if kept is not None and not self._dirty_lines and key == self._kept_key:
            return kept
        if _plain(styles, opacity):
            strips = self._render_plain(
                styles,
                size,
                base_background,
                background,
                render_content_line,
                filters,
                content_size or size,
                padding or styles.padding,
                crop or size.region,
                ansi_theme,
                native_ansi,
            )
        else:
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

    def _render_plain(
        self,
        styles: StylesBase,
        size: Size,
        base_background: Color,
        background: Color,
        render_content_line: Callable[[int], Strip],
        filters: Sequence[LineFilter],
        content_size: Size,
        padding: Spacing,
        crop: Region,
        ansi_theme: TerminalTheme,
        native_ansi: bool,
    ) -> list[Strip]:
        """``render`` for a widget with no border, outline, hatch, tint or opacity: a content
        row is the widget's row, cut or filled to the content width and padded left and right
        in the background colour, as Textual's row code makes it, without its per-row checks
        of every effect. Rows of top or bottom padding are made by Textual's code."""
        width, height = size
        if width != self._width:
            self.clear()
            self._width = width
        content_width, content_height = content_size
        pad_top, pad_right, pad_bottom, pad_left = padding
        inner = self.get_inner_outer(base_background, background)[0].rich_style
        cache = self._cache
        dirty = self._dirty_lines
        strips: list[Strip] = []
        add_strip = strips.append
        for y in crop.line_range:
            strip = cache.get(y)
            if strip is None or y in dirty:
                if y < pad_top or y >= height - pad_bottom:
                    strip = self.render_line(
                        styles,
                        y,
                        size,
                        content_size,
                        padding,
                        base_background,
                        background,
                        render_content_line,
                        None,
                        None,
                        1.0,
                        ansi_theme,
                        native_ansi,
                    )
                else:
                    content_y = y - pad_top
                    if content_y < content_height:
                        line = render_content_line(content_y).adjust_cell_length(
                            content_width, inner
                        )
                    else:
                        line = Strip.blank(content_width, inner)
                    if pad_left or pad_right:
                        line = Strip(line_pad(line, pad_left, pad_right, inner), width)
                    strip = line
                cache[y] = strip
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            add_strip(strip)
        dirty.difference_update(crop.line_range)
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips


def _plain(styles: StylesBase, opacity: float) -> bool:
    """No border, outline, hatch, tint or opacity (what the screen's widgets use)."""
    return (
        opacity == 1.0
        and not any(edge for edge, _ in styles.border)
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
