"""The document list: progress counts, a status filter and fuzzy search by id or title."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, overload

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from annotator.model.fuzzy import Narrowing
from annotator.model.records import Status
from annotator.model.text import display_safe
from annotator.tui.virtual_list import VirtualList

FILTERS = ("all", "todo", "new", "in_progress", "done", "skipped", "flagged")


@dataclass(frozen=True, slots=True)
class DocumentRow:
    doc_id: str
    title: str
    status: Status | None
    """None: not opened yet."""


class _Rows(Sequence[DocumentRow]):
    """A sequence of rows each made when asked for (:meth:`_row`, ``0 <= index < len``)."""

    @overload
    def __getitem__(self, index: int) -> DocumentRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[DocumentRow]: ...

    def __getitem__(self, index: int | slice) -> DocumentRow | Sequence[DocumentRow]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("row index out of range")
        return self._row(index)

    def _row(self, index: int) -> DocumentRow:
        raise NotImplementedError


class DocumentRows(_Rows):
    """The rows of a corpus, each made when it is first needed (titles are read lazily)."""

    def __init__(
        self,
        doc_ids: Sequence[str],
        title_at: Callable[[int], str | None],
        statuses: list[Status | None],
    ) -> None:
        self.doc_ids = doc_ids
        self.statuses = statuses
        self._title_at = title_at
        self._made: dict[int, DocumentRow] = {}

    def __len__(self) -> int:
        return len(self.doc_ids)

    def _row(self, index: int) -> DocumentRow:
        row = self._made.get(index)
        if row is None:
            title = self._title_at(index) or ""
            row = DocumentRow(self.doc_ids[index], title, self.statuses[index])
            self._made[index] = row
        return row

    def search_fields(self) -> list[tuple[str, str]]:
        """Each row's id and title in lower case, read without making the rows (the first
        search of 100,000 documents)."""
        title_at = self._title_at
        return [
            (doc_id.lower(), (title_at(index) or "").lower())
            for index, doc_id in enumerate(self.doc_ids)
        ]


class RowsAt(_Rows):
    """The rows at some indices, in their order (a search shows up to 100,000 of them: each
    is made when drawn, not when found)."""

    def __init__(self, rows: Sequence[DocumentRow], indices: Sequence[int]) -> None:
        self.rows = rows
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def _row(self, index: int) -> DocumentRow:
        return self.rows[self.indices[index]]


def _matches(row: DocumentRow, status_filter: str) -> bool:
    if status_filter == "all":
        return True
    if status_filter == "todo":
        return row.status is not Status.done
    if status_filter == "new":
        return row.status is None
    return row.status is not None and row.status.value == status_filter


class DocumentOptions(VirtualList[DocumentRow]):
    """The shown documents, drawn a screenful at a time (a corpus can have 100,000)."""

    DEFAULT_CSS = """
    DocumentOptions {
        height: auto;
        max-height: 100%;
        border: tall $border-blurred;
        padding: 0 1;
        background: $surface;
    }
    """


class FilterBar(Static):
    """The status filters in one widget (a widget per filter made the list slower to open);
    the active one is highlighted, a click on one selects it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"filter-bar--tab", "filter-bar--active"}
    DEFAULT_CSS = """
    FilterBar {
        height: 1;
        margin-bottom: 1;
        & > .filter-bar--tab {
            color: $text-muted;
        }
        & > .filter-bar--active {
            background: $accent;
            color: $text;
            text-style: bold;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.active = FILTERS[0]

    def select(self, name: str) -> None:
        if name != self.active:
            self.active = name
            self.refresh()

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        tab = self.get_component_rich_style("filter-bar--tab")
        active = self.get_component_rich_style("filter-bar--active")
        for name in FILTERS:
            text.append(f" {_label(name)} ", style=active if name == self.active else tab)
        return text

    def filter_at(self, x: int) -> str | None:
        """The filter drawn at column ``x`` of the bar, if any."""
        end = 0
        for name in FILTERS:
            end += len(_label(name)) + 2
            if x < end:
                return name
        return None

    def on_click(self, event: events.Click) -> None:
        where = event.get_content_offset(self)
        name = None if where is None else self.filter_at(where.x)
        screen = self.screen
        if name is not None and isinstance(screen, DocumentList):
            screen.set_filter(name)


def _label(name: str) -> str:
    return name.replace("_", " ")


class DocumentList(ModalScreen[str | None]):
    """Pick a document; returns its id."""

    DEFAULT_CSS = """
    DocumentList {
        background: $background;
    }
    """
    """Opaque: a see-through modal has the whole screen below re-tinted at every repaint of the
    list (a quarter of its opening time)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Close"),
        Binding("tab", "cycle_filter(1)", "Next filter"),
        Binding("shift+tab", "cycle_filter(-1)", "Previous filter"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("pageup", "move(-10)", show=False),
    ]

    def __init__(self, rows: Sequence[DocumentRow], current: str | None) -> None:
        super().__init__()
        self.rows = rows
        self.current = current
        self.status_filter = "all"
        self._shown: Sequence[DocumentRow] = []
        self._search_pending = False
        self._picked: dict[str, list[int]] = {}
        """The indices of the rows each status filter lets through, made when first needed
        (the statuses do not change while the list is open)."""
        self._searches: dict[str, Narrowing] = {}
        """The search of each status filter: a key that extends the query ranks only the rows
        that matched before it, not all of them."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self._progress(), classes="dialog-title", id="progress")
            yield FilterBar(id="filters")
            yield Input(placeholder="type to search id or title", id="doc-search")
            # Above the list, which takes the rest of the height: on a small terminal a hint
            # under a long list was pushed off the screen.
            yield Static(Text("Enter opens · Tab changes the filter · Escape closes", style="dim"))
            options = DocumentOptions(id="doc-options")
            # The rows are there for the first layout: showing them after mounting would cost
            # another layout pass and repaint before the list is first seen.
            self._shown = self.rows
            options.show(self._shown, self._prompt)
            yield options

    def _progress(self) -> Text:
        total = len(self.rows)
        statuses = (
            self.rows.statuses
            if isinstance(self.rows, DocumentRows)
            else [row.status for row in self.rows]
        )
        found = Counter(statuses)
        counts = {status: found[status] for status in Status}
        text = Text()
        text.append(f"{counts[Status.done]}/{total} done", style="bold")
        text.append(
            f" · {counts[Status.in_progress]} in progress · {counts[Status.skipped]} skipped"
            f" · {counts[Status.flagged]} flagged"
            f" · {total - sum(counts.values())} not started"
        )
        return text

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self._shown:
            current = self._index_of_current()
            self.query_one(DocumentOptions).highlight(0 if current is None else current)

    def set_filter(self, name: str) -> None:
        self.status_filter = name
        self._refresh_rows()

    def action_cycle_filter(self, step: int) -> None:
        index = (FILTERS.index(self.status_filter) + step) % len(FILTERS)
        self.set_filter(FILTERS[index])

    def action_move(self, step: int) -> None:
        options = self.query_one(DocumentOptions)
        if options.option_count:
            current = options.highlighted or 0
            options.highlight(max(0, min(options.option_count - 1, current + step)))

    def on_input_changed(self, event: Input.Changed) -> None:
        # One search for the keys that came in while the last one ran (ranking 100,000
        # documents takes a good part of a second): the refresh waits behind them.
        if not self._search_pending:
            self._search_pending = True
            self.call_later(self._search)

    def _search(self) -> None:
        self._search_pending = False
        self._refresh_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(DocumentOptions)
        if options.highlighted is not None and self._shown:
            self.dismiss(self._shown[options.highlighted].doc_id)

    def on_virtual_list_chosen(self, event: DocumentOptions.Chosen) -> None:
        if event.virtual_list is self.query_one(DocumentOptions):
            self.dismiss(self._shown[event.index].doc_id)

    def _refresh_rows(self) -> None:
        self.query_one(FilterBar).select(self.status_filter)
        query = self.query_one(Input).value
        rows = self.rows
        picked = self._picked_rows()
        if not query.split():  # every row matches alike: the corpus order
            self._shown = rows if picked is None else RowsAt(rows, picked)
        else:
            self._shown = RowsAt(rows, self._search_of(self.status_filter, picked).rank(query))
        options = self.query_one(DocumentOptions)
        options.show(self._shown, self._prompt)
        options.highlight(None)
        if self._shown:
            keep = None
            if not query:
                keep = self._index_of_current()
            options.highlight(0 if keep is None else keep)

    def _search_of(self, name: str, picked: list[int] | None) -> Narrowing:
        """The search of status filter ``name`` (``picked``: its rows), made when first
        needed; each filter's search starts from what the search of every row has seen."""
        search = self._searches.get(name)
        if search is None:
            if name == "all":
                rows = self.rows
                fields = (
                    rows.search_fields()
                    if isinstance(rows, DocumentRows)
                    else [(row.doc_id.lower(), row.title.lower()) for row in rows]
                )
                search = Narrowing(fields, lowered=True)
            else:
                everything = self._search_of("all", None)
                search = Narrowing(everything.items, lowered=True, among=picked, wider=everything)
            self._searches[name] = search
        return search

    def _picked_rows(self) -> list[int] | None:
        """The indices of the rows the status filter lets through (None: every row)."""
        name = self.status_filter
        if name == "all":
            return None
        picked = self._picked.get(name)
        if picked is None:
            rows = self.rows
            if isinstance(rows, DocumentRows):
                wanted = {
                    status
                    for status in (None, *Status)
                    if _matches(DocumentRow("", "", status), name)
                }
                picked = [index for index, status in enumerate(rows.statuses) if status in wanted]
            else:
                picked = [index for index, row in enumerate(rows) if _matches(row, name)]
            self._picked[name] = picked
        return picked

    def _index_of_current(self) -> int | None:
        shown = self._shown
        try:
            if isinstance(shown, DocumentRows):
                return shown.doc_ids.index(self.current)
            if isinstance(shown, RowsAt) and isinstance(shown.rows, DocumentRows):
                return shown.indices.index(shown.rows.doc_ids.index(self.current))
        except ValueError:
            return None
        return next((i for i, row in enumerate(shown) if row.doc_id == self.current), None)

    def _prompt(self, row: DocumentRow) -> Text:
        status = row.status.value.replace("_", " ") if row.status else "new"
        style = {
            "done": "green",
            "in progress": "yellow",
            "flagged": "red",
            "skipped": "magenta",
        }.get(status, "dim")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{status:<12}", style=style)
        text.append(display_safe(row.doc_id), style="bold")
        if row.title:
            text.append("  " + display_safe(row.title))
        # One row per document: the dialog is 80% of the screen, at most 100 wide.
        width = min(100, int(self.app.size.width * 0.8)) - 10
        text.truncate(max(width, 20), overflow="ellipsis")
        return text

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
