"""The key bar: the screen's shown keys on one row, one Line API widget.

It shows what Textual's ``Footer`` shows (each shown action's first key and short name, the
command palette key on the right) but is a single widget drawn once: ``Footer`` mounts a widget
per key and recomposes them whenever the bindings are refreshed, which costs every screen that
has one a share of each frame and of its first layout. A click on a key runs it, as in Footer.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip

from annotator.tui.line_widget import LineWidget


class KeyItem(NamedTuple):
    """One key of the bar: what a click simulates and what is drawn."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str


class KeyBar(LineWidget, can_focus=False):
    """One row of keys, drawn with the Line API and repainted only when it changes."""

    ALLOW_SELECT = False
    ESSENTIAL: ClassVar[frozenset[str]] = frozenset({"Help", "Quit", "Done"})
    """Descriptions of the keys kept longest when the row is too narrow for all."""
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--hover",
        "key-bar--separator",
    }
    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--hover {
            background: $block-hover-background;
        }
        & > .key-bar--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.items: list[KeyItem] = []
        """The action keys, left to right."""
        self.palette: KeyItem | None = None
        """The command palette key, drawn at the right end."""
        self._placed: list[tuple[int, int, KeyItem]] = []
        """(x, width, item) of each item drawn on the row."""
        self._hover: KeyItem | None = None
        self._strip: Strip | None = None
        self.render_count = 0
        """render_line calls so far (tests check that a key does not repaint the bar)."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        """Read the shown bindings again; repaint only if they differ."""
        app = self.app
        items: list[KeyItem] = []
        seen: set[str] = set()
        palette: KeyItem | None = None
        for key, active in screen.active_bindings.items():
            binding = active.binding
            item = KeyItem(
                key,
                app.get_key_display(binding),
                binding.description,
                active.enabled,
                active.tooltip or binding.tooltip or binding.description,
            )
            if key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = item
            elif binding.show and binding.action not in seen:
                seen.add(binding.action)
                items.append(item)
        if (items, palette) != (self.items, self.palette):
            self.items, self.palette = items, palette
            self._repaint()

    def _repaint(self) -> None:
        self._strip = None
        self.refresh()

    def styles_changed(self) -> None:
        self._strip = None

    def on_resize(self) -> None:
        self._strip = None

    def _item_segments(self, item: KeyItem, hover: bool, *, right: bool = False) -> list[Segment]:
        hover_class = ("key-bar--hover",) if hover else ()
        key_style = self.style_of("key-bar--key", *hover_class)
        text_style = self.style_of("key-bar--description", *hover_class)
        if not item.enabled:
            key_style, text_style = key_style + Style(dim=True), text_style + Style(dim=True)
        if right:  # against its separator, as in Footer
            return [Segment(item.display, key_style), Segment(f" {item.description} ", text_style)]
        return [
            Segment(f" {item.display} ", key_style),
            Segment(f"{item.description} ", text_style),
        ]

    def render_line(self, y: int) -> Strip:
        self.render_count += 1
        width = self.content_region.width
        if self._strip is not None and self._strip.cell_length == width:
            return self._strip
        base = self.style_of()
        palette = self.palette
        right: list[Segment] = []
        right_width = 0
        if palette is not None:
            separator = self.style_of("key-bar--separator")
            right = [
                Segment("▏", separator),
                *self._item_segments(palette, palette == self._hover, right=True),
            ]
            right_width = Strip(right).cell_length
            if right_width > width:
                right, right_width = [], 0
        segments: list[Segment] = []
        placed: list[tuple[int, int, KeyItem]] = []
        x = 0
        drawn = [(item, self._item_segments(item, item == self._hover)) for item in self.items]
        widths = [Strip(item_segments).cell_length for _, item_segments in drawn]
        shown = self._fitting(widths, width - right_width)
        for (item, item_segments), item_width, keep in zip(drawn, widths, shown, strict=True):
            if not keep:
                continue
            placed.append((x, item_width, item))
            segments.extend(item_segments)
            x += item_width
        segments.append(Segment(" " * (width - right_width - x), base))
        if palette is not None and right:
            placed.append((width - right_width + 1, right_width - 1, palette))
            segments.extend(right)
        self._placed = placed
        self._strip = Strip(segments, width)
        return self._strip

    def _fitting(self, widths: list[int], room: int) -> list[bool]:
        """Which items to draw in ``room`` cells: all if they fit, else the ones left out are
        taken from the right, the :attr:`ESSENTIAL` ones (how to get help, finish, leave)
        last."""
        shown = [True] * len(widths)
        total = sum(widths)
        essential = [item.description in self.ESSENTIAL for item in self.items]
        right_first = reversed(range(len(widths)))
        for index in sorted(right_first, key=essential.__getitem__):  # stable: others first
            if total <= room:
                break
            shown[index] = False
            total -= widths[index]
        return shown

    def item_at(self, x: int) -> KeyItem | None:
        """The key drawn at column ``x`` (content coordinates), if any."""
        for start, item_width, item in self._placed:
            if start <= x < start + item_width:
                return item
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self.item_at(event.x))

    def on_leave(self) -> None:
        self._set_hover(None)

    def _set_hover(self, item: KeyItem | None) -> None:
        if item != self._hover:
            self._hover = item
            self.tooltip = item.tooltip if item is not None else None
            self._repaint()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        item = self.item_at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()

    def region_of(self, description: str) -> Region | None:
        """Where the key with this description is drawn (content coordinates)."""
        for start, item_width, item in self._placed:
            if item.description == description:
                return Region(start, 0, item_width, 1)
        return None
