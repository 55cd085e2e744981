"""The side panel: legend with counts, the spans in reading order, the current label's guideline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, Literal

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widgets import Static

from annotator.model.config import LabelConfig, ProjectConfig
from annotator.model.keymap import display_keys
from annotator.model.records import Span
from annotator.model.session import EditingSession, excerpt
from annotator.model.text import display_safe


class LegendItem(Static):
    """One label of the legend; clicking it applies the label."""

    class Chosen(Message):
        def __init__(self, label: str) -> None:
            super().__init__()
            self.label = label

    def __init__(self, label: str) -> None:
        super().__init__("", classes="legend-item", markup=False)
        self.label = label

    def on_click(self) -> None:
        self.post_message(self.Chosen(self.label))


class SpanList(ScrollView, can_focus=False):
    """Spans in reading order; clicking one jumps to it. Never takes focus from the text.

    A Line API list: it keeps a reference to the session's span list and draws only the rows
    on screen, so a document with 100,000 spans costs what one with ten does.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"span-list--option", "span-list--highlighted"}
    DEFAULT_CSS = """
    SpanList {
        color: $foreground;
        overflow-x: hidden;
        & > .span-list--highlighted {
            color: $foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class Chosen(Message):
        """A span was clicked."""

        def __init__(self, span_id: str) -> None:
            super().__init__()
            self.span_id = span_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: Sequence[Span] = ()
        self._prompt: Callable[[Span], Text] = lambda span: Text(span.text)
        self.highlighted: int | None = None
        self._depends: Callable[[Span], object] = lambda span: None
        self._strips: LRUCache[tuple[int, int, bool], tuple[Span, object, Strip]] = LRUCache(256)
        """By ``id`` of the span (kept in the value): rows that an edit only shifts are reused."""
        self.render_count = 0
        """render_line calls so far (tests check that only visible rows are drawn)."""

    def show(
        self,
        spans: Sequence[Span],
        prompt: Callable[[Span], Text],
        depends: Callable[[Span], object] = lambda span: None,
    ) -> None:
        """Show ``spans`` (kept by reference; call again when they change).

        ``prompt`` makes a row's text; ``depends`` returns what else than the span it shows
        (e.g. the linked span): a row is drawn again only when the span or that changed."""
        self._spans = spans
        self._prompt = prompt
        self._depends = depends
        size = Size(self.scrollable_content_region.width, len(spans))
        height = self.size.height
        old = self.virtual_size
        if height and old.width == size.width and (old.height > height) == (size.height > height):
            # The scrollbar stays as it is: no layout pass for a span more or less.
            self.set_reactive(SpanList.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size
        self.refresh()

    @property
    def option_count(self) -> int:
        return len(self._spans)

    def highlight(self, index: int | None) -> None:
        """Highlight the row ``index`` (None: no row) and scroll it into view."""
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
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._spans))

    def render_line(self, y: int) -> Strip:
        self.render_count += 1
        row = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        highlighted = row == self.highlighted
        if row >= len(self._spans):
            return Strip.blank(width, self.get_visual_style("span-list--option").rich_style)
        span = self._spans[row]
        key = (id(span), width, highlighted)
        depends = self._depends(span)
        cached = self._strips.get(key)
        if cached is not None and cached[0] is span and cached[1] is depends:
            return cached[2]
        if highlighted:
            style = self.get_visual_style("span-list--option", "span-list--highlighted")
        else:
            style = self.get_visual_style("span-list--option")
        visual = visualize(self, self._prompt(span))
        strips = Visual.to_strips(self, visual, width, None, style)
        strip = strips[0].extend_cell_length(width, style.rich_style).crop(0, width)
        self._strips[key] = (span, depends, strip)
        return strip

    def on_click(self, event: events.Click) -> None:
        row = event.y + int(self.scroll_offset.y)
        if 0 <= row < len(self._spans):
            self.post_message(self.Chosen(self._spans[row].id))


class SidePanel(Vertical):
    def __init__(self, config: ProjectConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self._shown: tuple[object, ...] | None = None
        self._counted: tuple[object, ...] | None = None
        self._guideline_label: LabelConfig | Literal[False] | None = False
        """The label whose guideline is shown (None: no span under the cursor; False: none yet)."""

    def compose(self) -> ComposeResult:
        yield Static("Labels", classes="panel-title")
        for label in self.config.labels:
            yield LegendItem(label.name)
        yield Static("Spans", classes="panel-title")
        yield SpanList(id="span-list")
        yield Static("", id="guideline", markup=False)

    def update_from(self, session: EditingSession, *, hide_spans: bool = False) -> None:
        counted = (id(session), session.revision)
        if counted != self._counted:
            self._counted = counted
            self._update_legend(session)
        shown = (id(session), session.revision, hide_spans)
        span_list = self.query_one(SpanList)
        if shown != self._shown:
            self._shown = shown
            span_list.show(
                () if hide_spans else session.spans,
                lambda span: self._span_prompt(session, span),
                lambda span: session.linked_tail(span.id),
            )
        current = session.current_span()
        index = session.index_of(current) if current is not None and not hide_spans else -1
        span_list.highlight(index if index >= 0 else None)
        label = self.config.label(current.label) if current else None
        if label == self._guideline_label:
            return
        self._guideline_label = label
        guideline = self.query_one("#guideline", Static)
        if label is not None:
            text = Text()
            text.append(f"{label.name}: ", style=f"bold {label.color}")
            text.append(label.description or "(no guideline)")
            guideline.update(text)
        else:
            guideline.update(Text("Put the cursor on a span to see its guideline.", style="dim"))

    def _update_legend(self, session: EditingSession) -> None:
        counts = session.label_counts()
        for item in self.query(LegendItem):
            label = self.config.label(item.label)
            if label is None:
                continue
            text = Text()
            text.append(" ■ ", style=label.color)
            text.append(f"{display_keys(label.key)} ", style="bold")
            text.append(label.name)
            text.append(f"  {counts.get(label.name, 0)}", style="dim")
            item.update(text, layout=False)

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
