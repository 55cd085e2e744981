"""The side panel: legend with counts, the spans in reading order, the current label's guideline."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from annotator.model.config import LabelConfig, ProjectConfig
from annotator.model.keymap import display_keys
from annotator.model.records import Span
from annotator.model.session import EditingSession, excerpt
from annotator.model.text import display_safe
from annotator.tui.virtual_list import VirtualList

GUIDELINE_ROWS = 6
"""At most this many rows of guideline (the stylesheet's max-height)."""


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


class SpanList(VirtualList[Span]):
    """Spans in reading order; clicking one jumps to it. Never takes focus from the text."""


class SidePanel(Vertical):
    def __init__(self, config: ProjectConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self._shown: tuple[object, ...] | None = None
        self._counted: tuple[object, ...] | None = None
        self._guideline_label: LabelConfig | Literal[False] | None = False
        self._guideline_rows = 0
        """Rows kept for the guideline (0: not known yet)."""
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
        width = guideline.content_region.width
        if width and not self._guideline_rows:
            # As tall as the longest guideline: moving on and off spans then never needs a
            # layout pass (nor makes the span list above it jump).
            texts = [self._guideline(item) for item in [*self.config.labels, None]]
            rows = max(len(text.wrap(self.app.console, width)) for text in texts)
            self._guideline_rows = min(rows, GUIDELINE_ROWS)
            guideline.styles.height = self._guideline_rows
        guideline.update(self._guideline(label), layout=not self._guideline_rows)

    def _guideline(self, label: LabelConfig | None) -> Text:
        if label is None:
            return Text("Put the cursor on a span to see its guideline.", style="dim")
        text = Text()
        text.append(f"{label.name}: ", style=f"bold {label.color}")
        text.append(label.description or "(no guideline)")
        return text

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
