"""The side panel: legend with counts, the spans in reading order, the current label's guideline."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotator.model.config import ProjectConfig
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


class SpanList(OptionList):
    """Spans in reading order; clicking one jumps to it. Never takes focus from the text."""

    can_focus = False


class SidePanel(Vertical):
    def __init__(self, config: ProjectConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self._span_ids: list[str] = []
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Labels", classes="panel-title")
        for label in self.config.labels:
            yield LegendItem(label.name)
        yield Static("Spans", classes="panel-title")
        yield SpanList(id="span-list")
        yield Static("", id="guideline", markup=False)

    def update_from(self, session: EditingSession, *, hide_spans: bool = False) -> None:
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
            item.update(text)
        spans = [] if hide_spans else session.spans
        shown = tuple((s.id, s.start, s.end, s.label) for s in spans) + tuple(
            (r.head, r.tail) for r in session.relations
        )
        span_list = self.query_one(SpanList)
        if shown != self._shown:
            self._shown = shown
            span_list.clear_options()
            span_list.add_options([Option(self._span_prompt(session, s), id=s.id) for s in spans])
            self._span_ids = [s.id for s in spans]
        current = session.current_span()
        if current is not None and current.id in self._span_ids:
            span_list.highlighted = self._span_ids.index(current.id)
        else:
            span_list.highlighted = None
        guideline = self.query_one("#guideline", Static)
        label = self.config.label(current.label) if current else None
        if label is not None:
            text = Text()
            text.append(f"{label.name}: ", style=f"bold {label.color}")
            text.append(label.description or "(no guideline)")
            guideline.update(text)
        else:
            guideline.update(Text("Put the cursor on a span to see its guideline.", style="dim"))

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
