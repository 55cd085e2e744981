"""Modal screens of the annotate screen: link picker, note prompt, help."""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.model.config import ProjectConfig
from annotator.model.keymap import all_actions, display_keys
from annotator.model.records import Span
from annotator.model.session import LinkOption, excerpt
from annotator.model.text import display_safe

NEW_TAIL = "__new__"
MORE_TAILS = "__more__"
"""The choice that asks for the list again with more (farther) tails."""


def safe_excerpt(text: str, width: int = 40) -> str:
    """An excerpt of user text that is safe to draw."""
    return excerpt(display_safe(text), width)


class LinkPicker(ModalScreen[tuple[str, str] | None]):
    """Choose a link for a span: relation type and tail (nearest first), or a new tail.

    Every relation type the span can head is offered (each option then shows its type), targets
    nearest first with ↑/↓ for before/after the span; the current link is marked.
    Returns ``(relation name, tail span id or NEW_TAIL)``.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(
        self,
        head: Span,
        options: list[LinkOption],
        linked: Collection[tuple[str, str]] = (),
        *,
        first: tuple[str, int] | None = None,
        selection: bool = True,
        reverse: bool = False,
    ) -> None:
        """``selection``: text is selected (the new-tail row tags it; else it says the tail
        is to be selected next). ``reverse``: ``head`` is a span at a link's tail (a speaker)
        and the options list the spans that could head a link to it (claims); no new-span
        row then."""
        super().__init__()
        self.head = head
        self.reverse = reverse
        self.choices: list[tuple[str, str]] = []
        """What each option of the list returns, by position."""
        self.prompts: list[Text] = []
        self.tails: list[Span] = []
        """The offered tail spans, in list order (new-tail options left out)."""
        several = len(options) > 1
        self.relation_note = "" if several else options[0][0].name
        """With one relation type its name goes in the title, not on every row."""
        self.highlight_at = 0
        """The option highlighted at first: with ``first`` = (relation type, n), that type's
        tail number n (the first one a longer list adds); else the first row."""
        for relation, tails, total in options:
            if first is not None and relation.name == first[0] and first[1] < len(tails):
                self.highlight_at = len(self.choices) + first[1]
            for tail in tails:
                prompt = Text(no_wrap=True, overflow="ellipsis")
                if several:
                    prompt.append(f"{relation.name} → ", style="dim")
                prompt.append("↑ " if tail.start < head.start else "↓ ", style="dim")
                prompt.append(f"{tail.label} ", style="bold")
                prompt.append(safe_excerpt(tail.text, 60))
                if (relation.name, tail.id) in linked:
                    prompt.append("  ✓ linked now", style="italic")
                self.choices.append((relation.name, tail.id))
                self.prompts.append(prompt)
                self.tails.append(tail)
            if total > len(tails):
                prompt = Text(no_wrap=True, overflow="ellipsis")
                if several:
                    prompt.append(f"{relation.name} → ", style="dim")
                prompt.append(
                    f"… {total - len(tails):,} more, farther away: list them", style="italic"
                )
                self.choices.append((relation.name, MORE_TAILS))
                self.prompts.append(prompt)
        for relation, _, _ in [] if reverse else options:
            noun = " or ".join(relation.tail_labels) or "span"
            prompt = Text(no_wrap=True, overflow="ellipsis")
            if several:
                prompt.append(f"{relation.name} → ", style="dim")
            made = "from selection" if selection else "(select it next)"
            prompt.append(f"+ new {noun} {made}", style="italic")
            self.choices.append((relation.name, NEW_TAIL))
            self.prompts.append(prompt)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            title = Text()
            if self.reverse:
                title.append("Link to this ", style="bold")
                title.append(f"{self.head.label} ", style="bold")
            else:
                title.append(f"Link {self.head.label} ", style="bold")
            title.append(f"“{safe_excerpt(self.head.text, 50)}”")
            if self.relation_note:
                title.append(f"  ({self.relation_note})", style="dim")
            yield Static(title, classes="dialog-title")
            yield OptionList(
                *[
                    Option(self._numbered(index, prompt), id=f"choice-{index}")
                    for index, prompt in enumerate(self.prompts)
                ],
                id="link-options",
            )
            rows = min(9, len(self.prompts))
            keys = f"Enter or 1-{rows} links" if rows > 1 else "Enter or 1 links"
            yield Static(Text(f"{keys} · Escape cancels", style="dim"))

    @staticmethod
    def _numbered(index: int, prompt: Text) -> Text:
        """Rows 1 to 9 show the digit that picks them (the nearest are a key away: D19)."""
        if index >= 9:
            return Text.assemble("  ", prompt, no_wrap=True, overflow="ellipsis")
        return Text.assemble((f"{index + 1} ", "bold"), prompt, no_wrap=True, overflow="ellipsis")

    def on_key(self, event: events.Key) -> None:
        """A digit picks its row (the list has the focus; digits are not its keys)."""
        character = event.character
        if character is not None and len(character) == 1 and "1" <= character <= "9":
            index = int(character) - 1
            event.stop()
            if index < len(self.choices):
                self.dismiss(self.choices[index])

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.highlight_at
        if self.highlight_at:  # the first tail not listed before, at the top of the list
            self.call_after_refresh(options.scroll_to_highlight, top=True)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class NoteDialog(ModalScreen[str | None]):
    """Ask for a one-line note (flagging a document)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, prompt: str, value: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.prompt, style="bold"), classes="dialog-title")
            yield Input(value=self.value, id="note-input", placeholder="what is wrong?")
            yield Static(Text("Enter saves · Escape cancels", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class QuitUnsavedDialog(ModalScreen[str | None]):
    """Quitting while the disk refuses saves: say what would be lost; retry, stay or lose it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r,enter", "choose('retry')", "Retry saving"),
        Binding("escape,n", "choose('stay')", "Keep working"),
        Binding("y", "choose('lose')", "Quit and lose"),
    ]

    def __init__(self, state: str, lost: str) -> None:
        super().__init__()
        self.state = state
        self.lost = lost

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-danger"):
            yield Static(Text(self.state, style="bold red"), classes="dialog-title")
            text = Text("Quitting now loses these edits, which are only in memory: ")
            text.append(display_safe(self.lost), style="bold")
            yield Static(text, id="quit-lost")
            yield Static(
                Text(
                    "r / Enter: try saving again (quits if it works) · "
                    "Escape / n: keep working · y: quit and lose them",
                    style="dim",
                )
            )

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class HelpScreen(ModalScreen[None]):
    """Every key binding (after the project's overrides) and the label guidelines."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, config: ProjectConfig) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            title = Text.assemble(("Keys", "bold"), ("   Escape, q or ? closes", "dim"))
            yield Static(title, classes="dialog-title")
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", no_wrap=True)
            table.add_column()  # the description wraps, so key and action name stay whole
            table.add_column(style="dim", no_wrap=True)
            for action in all_actions(self.config):
                table.add_row(display_keys(action.keys), action.description, action.name)
            table.add_row("mouse", "click: cursor · drag: select · double click: word", "")
            table.add_row("", "click a span in the side panel: jump · a label: apply it", "")
            table.add_row(
                "label key",
                "tags the selection, else the word under the cursor (a comma, dash or quote "
                "only when selected)",
                "",
            )
            yield Static(table)
            yield Static(Text("Label guidelines", style="bold"), classes="dialog-title")
            guide = Table.grid(padding=(0, 2))
            guide.add_column(no_wrap=True)
            guide.add_column()
            for label in self.config.labels:
                guide.add_row(
                    Text(f"{label.key}  {label.name}", style=f"bold {label.color}"),
                    Text(label.description or "-"),
                )
            # every relation type is made with the link action (a [[relations]] key binds nothing)
            link_keys = next(
                (display_keys(a.keys) for a in all_actions(self.config) if a.name == "link"), ""
            )
            for relation in self.config.relations:
                guide.add_row(
                    Text(f"{link_keys}  {relation.name}", style="bold"),
                    Text(relation.description or "-"),
                )
            yield Static(guide)

    def action_close(self) -> None:
        self.dismiss(None)
