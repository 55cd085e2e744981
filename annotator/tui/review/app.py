"""``annotator review``: an overview screen, and a document screen that builds the gold record.

The overview shows per-label agreement as bars, the annotator-pair matrix and the documents
sorted by agreement, lowest first (``f`` cycles the filter, ``/`` filters by id). Enter opens a
document: every candidate span with who marked it, then every relation (link) any annotator
drew (``link`` rows, see :mod:`annotator.agreement.review` for when links compete); ``n``/``N``
walk the disagreements of both, ``a`` accepts the current version into gold (a link: with its
ends), ``x`` rejects it, ``d`` marks the gold record done and ``e`` opens the gold record on the
annotate screen for free editing (``q`` comes back). Annotators who flagged or skipped the
document are listed with their note. Every decision is saved at once in the gold annotator's
file. The documents are sorted by the lower of span F1 (partial) and link F1. The screens are a
view over a :class:`ReviewProject`, so the annotate application can show them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from annotator.agreement.dataset import Selection
from annotator.agreement.report import AgreementReport, DocumentFigures, Progress
from annotator.agreement.review import RelationCandidate, ReviewDocument
from annotator.agreement.review_project import ReviewProject
from annotator.model.errors import AnnotatorError
from annotator.model.records import Status
from annotator.model.text import display_safe
from annotator.store.project import Project
from annotator.tui.article_view import ArticleView
from annotator.tui.review.edit import make_gold_edit_screen
from annotator.tui.review.loading import AgreementLoading

FILTERS = ("all", "disagreeing", "not done")
BAR_WIDTH = 24


def bar(value: float | None, width: int = BAR_WIDTH) -> Text:
    if value is None:
        return Text("undefined".ljust(width), style="dim")
    filled = max(0, min(width, round(max(value, 0.0) * width)))
    style = "red" if value < 0.5 else "yellow" if value < 0.8 else "green"
    return Text.assemble(("█" * filled, style), ("░" * (width - filled), "dim"))


def number(value: float | None) -> Text:
    return Text("—", style="dim") if value is None else Text(f"{value:.3f}")


class SummaryScreen(Screen[None]):
    """The project overview. Standalone (``annotator review``) ``q`` quits; opened from the
    annotate application, ``q`` and Escape go back to annotating."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "cycle_filter", "filter"),
        Binding("slash", "search", "find id"),
        Binding("r", "reload", "recompute"),
        Binding("q", "leave", "quit"),
    ]
    DEFAULT_CSS = """
    SummaryScreen #overview { height: auto; max-height: 12; }
    SummaryScreen #labels { width: 1fr; padding: 0 1; }
    SummaryScreen #pairs {
        width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    SummaryScreen #documents { height: 1fr; }
    SummaryScreen #review-search { height: 3; }
    SummaryScreen #review-status { height: 1; background: $boost; }
    """

    ROW_LIMIT = 2000
    """Documents the table lists, lowest agreement first: a table row costs Textual a tenth of
    a millisecond, so 100,000 of them took 13 s to show and 7 s at each filter key. The
    others are found by id (``/``)."""

    def __init__(self, review: ReviewProject, *, standalone: bool = True) -> None:
        super().__init__()
        self.review = review
        self.standalone = standalone
        self.filter_index = 0

    def compose(self) -> ComposeResult:
        with Horizontal(id="overview"):
            yield Static(id="labels")
            yield Static(id="pairs")
        yield Input(placeholder="document id contains… (Enter to apply)", id="review-search")
        yield DataTable(id="documents", cursor_type="row", zebra_stripes=True)
        yield Static(id="review-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#documents", DataTable)
        self.query_one("#review-search", Input).display = False
        self.refresh_view()
        table.focus()

    def refresh_view(self) -> None:
        report = self.review.report
        data = report.to_json()
        labels = Text("Per label: span F1 partial, α\n", style="bold")
        # Half the screen, less the label, the figures and the padding.
        width = max(6, min(BAR_WIDTH, self.app.size.width // 2 - 2 - 10 - 16))
        for label in report.labels:
            values = data["per_label"][label]
            labels.append_text(Text(f"{label:<10.10}"))
            labels.append_text(bar(values["span_f1_partial"], width))
            labels.append(
                f" {_fmt(values['span_f1_partial'])}  α {_fmt(values['krippendorff_alpha'])}\n"
            )
        self.query_one("#labels", Static).update(labels)
        self.query_one("#pairs", Static).update(self._pair_matrix(data))
        self._fill_documents()

    def _pair_matrix(self, data: dict[str, object]) -> Text:
        names = self.review.report.annotators
        values: dict[tuple[str, str], float | None] = {}
        pairs = data["pairs"]
        assert isinstance(pairs, list)
        for pair in pairs:
            values[(pair["a"], pair["b"])] = values[(pair["b"], pair["a"])] = pair["span_f1_exact"]
        # Half the screen less the padding: columns narrow down to 6 cells so that 4
        # annotators fit 80 columns; the columns that do not fit are left out (said by a
        # "…" after the last name), never wrapped into the rows below.
        room = self.app.size.width // 2 - 2 - 9
        cell = max(6, min(8, room // max(1, len(names))))
        columns = names[: max(1, room // cell)]
        more = "…" if len(columns) < len(names) else ""
        out = Text("Pair span F1 exact\n", style="bold", no_wrap=True, overflow="ellipsis")
        out.append(" " * 9 + "".join(f"{name[: cell - 1]:>{cell}}" for name in columns))
        out.append(more + "\n")
        for row in names:
            out.append(f"{row[:8]:<9}")
            for column in columns:
                value = None if row == column else values.get((row, column))
                if value is None:  # a dash under the middle of a figure: the column's
                    out.append("—".rjust(cell - 2).ljust(cell))
                else:
                    out.append(f"{_fmt(value):>{cell}}")
            out.append("\n")
        return out

    def visible_documents(self) -> list[DocumentFigures]:
        rows = self.review.report.per_document or []
        wanted = FILTERS[self.filter_index]
        text = self.review.search
        found = []
        for row in rows:
            if text and text not in row.doc_id:
                continue
            if wanted == "disagreeing" and _lowest(row) == 1.0:
                continue
            if wanted == "not done" and self.review.gold_status(row.doc_id) is Status.done:
                continue
            found.append(row)
        found.sort(key=_agreement_order)
        return found

    def _fill_documents(self) -> None:
        table = self.query_one("#documents", DataTable)
        chosen: object = None
        if table.row_count:
            chosen = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.clear(columns=True)  # the column widths follow the new rows
        table.add_columns("document", "exact", "partial", "α", "links", "annotators", "gold")
        found = self.visible_documents()
        for row in found[: self.ROW_LIMIT]:
            figures = row.figures
            status = self.review.gold_status(row.doc_id)
            table.add_row(
                Text(row.doc_id),
                number(figures["span_f1_exact"].value),
                number(figures["span_f1_partial"].value),
                number(figures["krippendorff_alpha"].value),
                number(figures["relation_f1"].value),
                Text(_names(row.annotators), overflow="ellipsis", no_wrap=True),
                Text("—" if status is None else status.value.replace("_", " ")),
                key=row.doc_id,
            )
        if isinstance(chosen, str) and chosen in table.rows:
            table.move_cursor(row=table.get_row_index(chosen))  # back on the document left
        report = self.review.report
        listed = (
            f", the {self.ROW_LIMIT:,} lowest listed (/ finds any by id)"
            if len(found) > self.ROW_LIMIT
            else ""
        )
        self.query_one("#review-status", Static).update(
            Text(
                f"{len(found)} of {report.counted} compared document(s){listed}, by span/link "
                f"F1 · filter: {FILTERS[self.filter_index]}"
                + (f" · id contains {self.review.search!r}" if self.review.search else "")
                + f" · {len(report.excluded)} excluded · Enter opens",
            )
        )

    def action_cycle_filter(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self._fill_documents()

    def action_search(self) -> None:
        search = self.query_one("#review-search", Input)
        search.display = True
        search.focus()

    @on(Input.Submitted, "#review-search")
    def _searched(self, event: Input.Submitted) -> None:
        self.review.search = event.value.strip()
        event.input.display = False
        self._fill_documents()
        self.query_one("#documents", DataTable).focus()

    def action_reload(self) -> None:
        def computed(result: tuple[Selection, AgreementReport] | None) -> None:
            if result is not None:
                self.review.take(result)
                self.refresh_view()
            elif loading.error is not None:
                self.notify(str(loading.error), severity="error", markup=False)

        loading: AgreementLoading[tuple[Selection, AgreementReport]] = AgreementLoading(
            self.review.recomputed, leave="Escape keeps the figures as they were"
        )
        self.app.push_screen(loading, computed)

    @on(DataTable.RowSelected, "#documents")
    def _open(self, event: DataTable.RowSelected) -> None:
        doc_id = event.row_key.value
        if doc_id is not None:
            self.open_document(doc_id)

    def open_document(self, doc_id: str) -> None:
        try:
            document = self.review.open_document(doc_id)
        except AnnotatorError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if document is None:
            self.notify(
                f"{doc_id}: fewer than two usable records", severity="warning", markup=False
            )
            return
        self.app.push_screen(DocumentScreen(self.review, document))

    def on_screen_resume(self) -> None:
        """Back from a document: its gold status may have changed. (Filled here, not in a
        dismiss callback: a table filled while its screen is not active keeps stale widths.)"""
        if self.is_mounted:
            self._fill_documents()

    def action_leave(self) -> None:
        if self.standalone:
            self.app.exit()
        else:
            self.review.close()
            self.dismiss()


class EmbeddedSummaryScreen(SummaryScreen):
    """The overview opened from the annotate application: ``q`` or Escape go back to it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape", "leave", "back to annotating"),
    ]

    def __init__(self, review: ReviewProject) -> None:
        super().__init__(review, standalone=False)


def _names(annotators: Sequence[str]) -> str:
    """``alice,bob,carol``; the first three letters of each when that is long; how many
    when even that is (the column then leaves the gold status room at 80 columns)."""
    joined = ",".join(annotators)
    if len(joined) <= 15:
        return joined
    short = ",".join(name[:3] for name in annotators)
    return short if len(short) <= 15 else f"{len(annotators)} annotators"


def _middle_cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, keeping its start and its end."""
    if cell_len(text) <= width:
        return text
    head = set_cell_size(text, (width - 1) // 2 + (width - 1) % 2).rstrip()
    tail_width = width - 1 - cell_len(head)
    tail = ""
    for character in reversed(text):
        if cell_len(character + tail) > tail_width:
            break
        tail = character + tail
    return head + "…" + tail.lstrip()


def _lowest(row: DocumentFigures) -> float | None:
    """The lower of the document's span F1 (partial) and relation F1: a document whose links
    disagree is not listed as agreeing (a figure that is undefined is left out)."""
    values = [
        value
        for value in (row.figures["span_f1_partial"].value, row.figures["relation_f1"].value)
        if value is not None
    ]
    return min(values) if values else None


def _agreement_order(row: DocumentFigures) -> tuple[int, float, str]:
    value = _lowest(row)
    return (value is None, value if value is not None else 0.0, row.doc_id)


def _fmt(value: object) -> str:
    return "—" if not isinstance(value, float) else f"{value:.3f}"


class DocumentScreen(Screen[None]):
    """One document: every candidate span, who marked it, and the gold decisions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "walk(1)", "next"),
        Binding("N", "walk(-1)", "prev"),
        Binding("down,j", "move(1)", "next span", show=False),
        Binding("up,k", "move(-1)", "previous span", show=False),
        Binding("a", "accept", "accept"),
        Binding("x", "reject", "reject"),
        Binding("e", "edit", "edit"),
        Binding("u", "undo", "undo"),
        Binding("d", "toggle_done", "done"),
        Binding("escape,q", "back", "back"),
    ]
    DEFAULT_CSS = """
    DocumentScreen #doc-title { height: 1; }
    DocumentScreen ArticleView { height: 1fr; border: round $primary; }
    DocumentScreen #compare { height: auto; max-height: 12; padding: 0 1; }
    DocumentScreen #doc-notes {
        height: auto; max-height: 3; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    DocumentScreen #doc-status { height: 1; background: $boost; }
    """

    def __init__(self, review: ReviewProject, document: ReviewDocument) -> None:
        super().__init__()
        self.review = review
        self.document = document
        self.config = review.config
        first_open = document.next_open(None)
        self.current: int | None = (
            first_open if first_open is not None else document.next_disagreement(None)
        )  # reopened: carry on where the decisions stopped
        if self.current is None and document.rows:
            self.current = 0
        self._rows_before: list[int | None] = []
        """The current row before each decision, for ``u`` to go back to."""
        self._done_asked: tuple[int | None, int] | None = None
        """``d`` pressed with disagreements open (the row and the decided count then): a
        second ``d`` right after marks the record done anyway."""
        self._compare_first = 0
        """The row shown first in the candidate list (for a click on it)."""
        self._dot_shown = False
        """A link row marked ``·`` is in the candidate list (the legend then says what it is)."""

    def compose(self) -> ComposeResult:
        document = self.document
        with Vertical():
            yield Static(id="doc-title")
            yield ArticleView(document.text, document.spans_for_view(), self.config.labels)
            yield Static(id="doc-notes")
            yield Static(id="compare")
            yield Static(id="doc-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ArticleView).focus()
        self.query_one("#doc-notes", Static).display = bool(self.document.notes)
        self.refresh_view()

    def _notes(self) -> Text:
        """A line per annotator whose record of the document is flagged or skipped, with the
        note: why their spans may be missing. A long note keeps its start and its end (where
        the question usually is)."""
        out = Text()
        for position, (name, (status, note)) in enumerate(self.document.notes.items()):
            if position:
                out.append("\n")
            head = f"{display_safe(name)}: {status.value} — "
            out.append(f"{display_safe(name)}: ", style="bold")
            out.append(status.value, style="yellow")
            words = " ".join(display_safe(note).split())
            if not words:
                out.append(" — no note", style="dim")
                continue
            room = max(10, self.app.size.width - 2 - cell_len(head) - 2)
            out.append(f" — “{_middle_cut(words, room)}”")
        return out

    def refresh_view(self) -> None:
        document = self.document
        disagreements = document.disagreements
        links = f", {len(document.relations)} link(s)" if document.relations else ""
        title = Text.assemble(
            (display_safe(document.doc_id), "bold"),
            f"  {len(document.candidates)} candidate span(s){links} · {len(disagreements)} "
            f"disagreement(s) · {', '.join(document.annotators)}",
            no_wrap=True,
            overflow="ellipsis",
        )
        self.query_one("#doc-title", Static).update(title)
        self.query_one("#compare", Static).update(self._compare_list())
        if document.notes:
            self.query_one("#doc-notes", Static).update(self._notes())
        view = self.query_one(ArticleView)
        shown = self._span_row(self.current)
        if shown is not None:
            candidate = document.candidates[shown]
            span = document.span_for_view(shown)
            view.set_marks(candidate.start, None, span)
            view.scroll_to_offset(candidate.start)
        record = document.record
        decided = document.decided
        if document.read_only is not None:  # shown with no gold: nothing is decided here
            status = self.query_one("#doc-status", Static)
            status.styles.height = "auto"  # the whole line, on two rows at 80 columns
            status.update(Text(f"read-only: {document.read_only}", style="bold yellow"))
            return
        self.query_one("#doc-status", Static).update(
            Text(
                f"gold: {len(record.spans)} span(s), {len(record.relations)} relation(s), "
                f"{record.status.value.replace('_', ' ')} · {decided}/{len(disagreements)} "
                f"disagreement(s) decided · saved to {self.review.gold_file.path.name}",
                no_wrap=True,
                overflow="ellipsis",
            )
        )

    def _span_row(self, row: int | None) -> int | None:
        """The span candidate shown for ``row``: itself, or a link's head."""
        if row is None:
            return None
        relation = self.document.relation_at(row)
        return row if relation is None else self.document.index_of(relation.head)

    def _compare_list(self) -> Text:
        """A window of candidates around the current one: state, who marked it, label, text."""
        document = self.document
        out = Text()
        names = document.annotators
        header = "    " + " ".join(f"{name[:6]:^6}" for name in names)
        out.append(header + "  label     text\n", style="bold")
        total = document.rows
        current = self.current or 0
        # Cells left for the text; long ones keep both ends, where versions usually differ.
        room = max(16, self.size.width - 2 - len(header) - 13)
        rows = 9 if self.app.size.height >= 36 else 5  # leave the article room on small screens
        first = max(0, min(current - rows // 2, total - rows))
        self._compare_first = first
        self._dot_shown = False
        for index in range(first, min(total, first + rows)):
            relation = document.relation_at(index)
            if relation is not None:
                out.append_text(self._link_row(index, relation, room))
                out.append("\n")
                continue
            candidate = document.candidates[index]
            state = document.state(index)
            mark = {"gold": "✓", "rejected": "✗", "open": "?"}[state]
            if state == "gold" and document.decision(index) == "edited":
                mark = "✎"
            elif candidate.agreed and state == "gold":
                mark = "="
            line = Text()
            line.append("▶ " if index == self.current else "  ")
            line.append(
                mark + " ",
                style={"✓": "green", "✗": "red", "?": "yellow", "✎": "magenta"}.get(mark, "cyan"),
            )
            for name in names:
                line.append(
                    f"{'●' if name in candidate.voters else '·':^6} ",
                    style="bold" if name in candidate.voters else "dim",
                )
            label = self.config.label(candidate.label)
            line.append(f" {candidate.label:<9.9} ", style=label.color if label else "")
            excerpt = display_safe(document.text[candidate.start : candidate.end])
            line.append(_middle_cut(" ".join(excerpt.split()), room))
            if index == self.current:
                line.stylize("reverse")
            out.append_text(line)
            out.append("\n")
        if not total:
            out.append("nobody marked a span in this document\n", style="dim")
        out.append(
            "= agreed  ✓ in gold  ✎ edited  ✗ rejected  ? open   ● marked it  · did not"
            + ("\n· as a link's mark: one of its ends is not in gold" if self._dot_shown else ""),
            style="dim",
        )
        return out

    def _link_row(self, index: int, relation: RelationCandidate, room: int) -> Text:
        """``? ● · link  claim “The count…” → Halloran``: a relation, who drew it, its ends."""
        document = self.document
        state = document.state(index)
        mark = {"gold": "✓", "rejected": "✗", "open": "?"}[state]
        if not relation.disagreement and state != "rejected":
            mark = "=" if state == "gold" else "·"  # ·: agreed, but an end is not in gold
            self._dot_shown = self._dot_shown or mark == "·"
        line = Text()
        line.append("▶ " if index == self.current else "  ")
        line.append(
            mark + " ",
            style={"✓": "green", "✗": "red", "?": "yellow", "·": "dim"}.get(mark, "cyan"),
        )
        for name in document.annotators:
            line.append(
                f"{'●' if name in relation.voters else '·':^6} ",
                style="bold" if name in relation.voters else "dim",
            )
        line.append(f" {'link':<9} ", style="italic")
        arrow = " → " if len(self.config.relations) <= 1 else f" –{relation.label}→ "
        head_label = relation.head[2]
        head = " ".join(display_safe(document.text[relation.head[0] : relation.head[1]]).split())
        tail = " ".join(display_safe(document.text[relation.tail[0] : relation.tail[1]]).split())
        tail_room = min(cell_len(tail), max(8, room // 3))
        head_room = max(8, room - len(head_label) - 3 - cell_len(arrow) - tail_room)
        label = self.config.label(head_label)
        line.append(f"{head_label} ", style=label.color if label else "")
        line.append(f"“{_middle_cut(head, head_room)}”")
        line.append(arrow)
        line.append(_middle_cut(tail, tail_room))
        if index == self.current:
            line.stylize("reverse")
        return line

    def action_walk(self, step: int) -> None:
        found = self.document.next_disagreement(self.current, step)
        if found is None:
            self.notify("no disagreements in this document")
            return
        self.current = found
        self.refresh_view()

    def action_move(self, step: int) -> None:
        total = self.document.rows
        if total:
            self.current = ((self.current or 0) + step) % total
            self.refresh_view()

    def action_accept(self) -> None:
        if self.current is not None:
            depth = self.document.undo_depth
            try:
                brought = self.document.accept(self.current)
            except AnnotatorError as error:
                if self.document.undo_depth > depth:
                    self._rows_before.append(self.current)
                self.notify(str(error), severity="warning", markup=False)
                if self.document.changed:  # the end it accepted before it found out
                    self._save()
                self.refresh_view()
                return
            self._rows_before.append(self.current)
            if brought:
                ends = ", ".join(
                    f"{label} “{_middle_cut(display_safe(self.document.text[start:end]), 24)}”"
                    for start, end, label in brought
                )
                self.notify(f"accepted its end(s) too: {ends}", markup=False)
            self._save_and_advance()

    def action_reject(self) -> None:
        if self.current is not None:
            try:
                self.document.reject(self.current)
            except AnnotatorError as error:
                self.notify(str(error), severity="warning", markup=False)
                return
            self._rows_before.append(self.current)
            self._save_and_advance()

    def action_undo(self) -> None:
        """Take back the last accept or reject (saved at once, like a decision)."""
        try:
            undone = self.document.undo()
        except AnnotatorError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        if not undone:
            self.notify("nothing to undo: no decision made since the document was opened")
            return
        if self._rows_before:
            self.current = self._rows_before.pop()
        self._save()
        self.query_one(ArticleView).set_spans(self.document.spans_for_view())
        self.notify("took back the last decision")
        self.refresh_view()

    def action_toggle_done(self) -> None:
        document = self.document
        done = document.record.status is not Status.done
        still_open = len(document.disagreements) - document.decided
        asked, self._done_asked = self._done_asked, None
        ask = done and still_open and document.read_only is None
        if ask and asked != (self.current, document.decided):
            self._done_asked = (self.current, document.decided)
            self.notify(
                f"{still_open} disagreement(s) still open: press d again to mark done anyway",
                severity="warning",
                markup=False,
            )
            return
        try:
            document.set_done(done)
        except AnnotatorError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        self._save()
        self.refresh_view()

    def on_article_view_pointer(self, event: ArticleView.Pointer) -> None:
        """A click on a span of the article selects its candidate (the shortest one there,
        for nested spans)."""
        if event.kind != "press":
            return
        offset = event.offset
        found = [
            (candidate.end - candidate.start, index)
            for index, candidate in enumerate(self.document.candidates)
            if candidate.start <= offset < candidate.end
        ]
        if found:
            self.current = min(found)[1]
            self.refresh_view()

    def on_click(self, event: events.Click) -> None:
        """A click on a candidate row selects it."""
        compare = self.query_one("#compare", Static)
        region = compare.content_region
        if not region.contains(event.screen_x, event.screen_y):
            return
        line = event.screen_y - region.y - 1  # the first line is the header
        rows = 9 if self.app.size.height >= 36 else 5
        if 0 <= line < rows and self._compare_first + line < self.document.rows:
            self.current = self._compare_first + line
            self.refresh_view()

    def _save(self) -> bool:
        try:
            self.review.save(self.document)
        except AnnotatorError as error:
            self.notify(str(error), severity="error", markup=False)
            return False
        return True

    def _save_and_advance(self) -> None:
        self._save()
        # The first open disagreement after this one (wrapping), else simply the next one.
        following = self.document.next_open(self.current)
        if following is None:
            following = self.document.next_disagreement(self.current, 1)
        if following is not None:
            self.current = following
        self.refresh_view()

    def action_edit(self) -> None:
        """The gold record on the annotate screen, with the normal annotate keys."""
        document = self.document
        if document.read_only is not None:
            self.notify(document.read_only, severity="warning", markup=False)
            return
        if document.changed and not self._save():
            return
        screen = make_gold_edit_screen(self.review.project, self.review.gold_file, document.doc_id)
        shown = self._span_row(self.current)
        if shown is not None:
            candidate = document.candidates[shown]
            gold_span = document.gold_keys().get(candidate.key)
            if gold_span is not None:
                screen.session.jump_to(gold_span)
            else:
                screen.session.move_to(candidate.start)
        self.app.push_screen(screen, self._edited)

    def _edited(self, _result: None) -> None:
        document = self.document
        relation = document.relation_at(self.current) if self.current is not None else None
        key = (
            document.candidates[self.current].key
            if self.current is not None and relation is None
            else None
        )
        try:
            self.review.reload(document)
        except AnnotatorError as error:
            self.notify(str(error), severity="error", markup=False)
        if relation is not None:
            self.current = document.relation_index(relation.vote)
        else:
            self.current = document.index_of(key) if key is not None else None
        if self.current is None and document.rows:
            self.current = 0
        self.query_one(ArticleView).set_spans(document.spans_for_view())
        self.refresh_view()

    def action_back(self) -> None:
        self.dismiss()


class ReviewApp(App[int]):
    """``annotator review``: adjudicate a project; gold is saved as decisions are made."""

    TITLE = "annotator review"
    CSS_PATH = str(Path(__file__).parent.parent / "annotate.tcss")
    """The annotate screen's styles, for editing gold freely (``e``)."""

    def __init__(
        self,
        project: Project,
        *,
        annotators: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> None:
        super().__init__()
        self.review = ReviewProject(project, annotators=annotators, progress=progress)
        """Computes the agreement the overview is sorted by (``progress(done, total)``)."""

    def on_mount(self) -> None:
        self.push_screen(SummaryScreen(self.review))

    def on_unmount(self) -> None:
        self.review.close()
