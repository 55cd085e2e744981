"""A base for the screen's Line API widgets: styles looked up once, not on every row drawn.

``Widget.rich_style`` walks the ancestors to blend background colours, and ``refresh()`` clears
Textual's own cache of it, so a widget that asks for it in ``render_line`` pays that walk for
every row of every repaint. These widgets keep the styles until the CSS or the theme changes
(``notify_style_update``).
"""

from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


class LineWidget(Widget):
    """A widget drawn with ``render_line`` that looks its styles up once per style change."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._style_cache: dict[tuple[str, ...], Style] = {}

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
