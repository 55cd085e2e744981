"""A list of one-line rows that draws only the rows on screen (Line API), for any length.

Looks like Textual's ``OptionList`` (same component styles, so screens keep their look), but
keeps a reference to the caller's sequence and renders a row when it is shown: a list of
100,000 documents or spans opens as fast as a list of ten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual, visualize

T = TypeVar("T")


class VirtualList(ScrollView, Generic[T], can_focus=False):
    """Rows of ``T`` drawn by ``prompt``; one may be highlighted; a click posts :class:`Chosen`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"virtual-list--option", "virtual-list--highlighted"}
    DEFAULT_CSS = """
    VirtualList {
        color: $foreground;
        overflow-x: hidden;
        & > .virtual-list--highlighted {
            color: $foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class Chosen(Message):
        """A row was clicked (or chosen by the owner)."""

        def __init__(self, virtual_list: VirtualList[object], index: int) -> None:
            super().__init__()
            self.virtual_list = virtual_list
            self.index = index

        @property
        def control(self) -> VirtualList[object]:
            return self.virtual_list

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: Sequence[T] = ()
        self._prompt: Callable[[T], Text] = lambda row: Text(str(row))
        self._depends: Callable[[T], object] = lambda row: None
        self.highlighted: int | None = None
        self._strips: LRUCache[tuple[int, int, bool], tuple[T, object, Strip]] = LRUCache(256)
        """By ``id`` of the row (kept in the value): rows that an edit only shifts are reused."""
        self.render_count = 0
        """render_line calls so far (tests check that only visible rows are drawn)."""

    @property
    def rows(self) -> Sequence[T]:
        return self._rows

    @property
    def option_count(self) -> int:
        return len(self._rows)

    def show(
        self,
        rows: Sequence[T],
        prompt: Callable[[T], Text],
        depends: Callable[[T], object] = lambda row: None,
    ) -> None:
        """Show ``rows`` (kept by reference; call again when they change).

        ``prompt`` makes a row's text; ``depends`` returns what else than the row it shows
        (e.g. a linked span): a row is drawn again only when the row or that changed."""
        self._rows = rows
        self._prompt = prompt
        self._depends = depends
        size = Size(self.scrollable_content_region.width, len(rows))
        height = self.size.height
        old = self.virtual_size
        if height and old.width == size.width and (old.height > height) == (size.height > height):
            # The scrollbar stays as it is: no layout pass for a row more or less.
            self.set_reactive(VirtualList.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size
        self.refresh()

    def highlight(self, index: int | None) -> None:
        """Highlight row ``index`` (None: no row) and scroll it into view."""
        if index is not None and not 0 <= index < len(self._rows):
            index = None
        if index == self.highlighted:
            return
        old, self.highlighted = self.highlighted, index
        top = int(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        for row in (old, index):
            if row is not None and top <= row < top + height:
                self.refresh_line(row - top)
        if index is not None and height and not top <= index < top + height:
            self.scroll_to(y=max(0, index - height // 2), animate=False, immediate=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))
        if self.highlighted is not None:
            top, height = int(self.scroll_offset.y), self.scrollable_content_region.height
            if height and not top <= self.highlighted < top + height:
                self.scroll_to(y=max(0, self.highlighted - height // 2), animate=False)

    def render_line(self, y: int) -> Strip:
        self.render_count += 1
        index = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        if index >= len(self._rows):
            return Strip.blank(width, self.get_visual_style("virtual-list--option").rich_style)
        row = self._rows[index]
        highlighted = index == self.highlighted
        key = (id(row), width, highlighted)
        depends = self._depends(row)
        cached = self._strips.get(key)
        if cached is not None and cached[0] is row and cached[1] is depends:
            return cached[2]
        if highlighted:
            style = self.get_visual_style("virtual-list--option", "virtual-list--highlighted")
        else:
            style = self.get_visual_style("virtual-list--option")
        visual = visualize(self, self._prompt(row))
        strips = Visual.to_strips(self, visual, width, None, style)
        strip = strips[0].extend_cell_length(width, style.rich_style).crop(0, width)
        self._strips[key] = (row, depends, strip)
        return strip

    def on_click(self, event: events.Click) -> None:
        where = event.get_content_offset(self)  # None on the border or padding
        if where is None:
            return
        index = where.y + int(self.scroll_offset.y)
        if 0 <= index < len(self._rows):
            self.post_message(self.Chosen(self, index))  # type: ignore[arg-type]
