"""The annotate screen: the article, the side panel and the status line over an editing session.

Each key runs one action here, which calls one method of :class:`EditingSession`, saves the
record it returns through the project's :class:`AnnotationFile` (the status line says "saved"
only after the fsync'd append returned) and repaints what changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from inspect import isawaitable

from rich.control import strip_control_codes
from rich.text import Span as RichSpan
from rich.text import Text
from textual import events
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from annotator.model.delta import RecordDelta
from annotator.model.errors import AnnotatorError
from annotator.model.keymap import display_keys
from annotator.model.records import AnnotationRecord, Span, Status
from annotator.model.session import EditingSession, edge_excerpt, excerpt
from annotator.model.text import display_safe
from annotator.store.annotations import AnnotationFile
from annotator.store.project import Project
from annotator.tui.article_view import ArticleView
from annotator.tui.collector import BIG, paused_then_kept
from annotator.tui.key_bar import KeyBar
from annotator.tui.keys import bindings_for
from annotator.tui.line_widget import keep_lines
from annotator.tui.saver import Saver
from annotator.tui.side_panel import SidePanel
from annotator.tui.text_rows import TextRows

NARROW_COLUMNS = 100
"""Below this many columns the side panel is narrower (26 columns instead of 34)."""
PANEL_MIN_COLUMNS = 64
"""Below this many columns the side panel is hidden unless ``s`` shows it."""
RECENT_SESSIONS = 8
"""Documents left whose sessions (undo history included) are kept for coming back."""
RECENT_SPANS = 300_000
"""... as long as they hold no more spans than this in all (the last one is always kept)."""


class AnnotateScreen(Screen[None], inherit_bindings=False):
    """One annotator working through a project's documents."""

    RETRY_SECONDS = 5.0
    """How often saves the disk refused are tried again (also on every edit)."""

    def __init__(
        self,
        project: Project,
        annotations: AnnotationFile,
        doc_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        keep_lines(self)  # the screen's background is drawn on every frame
        self.project = project
        self.config = project.config
        self.saver = Saver(
            annotations,
            reopen=lambda: project.annotations(annotations.annotator, writable=True),
        )
        """Saves, and keeps what the disk refused in memory until a retry succeeds."""
        self._retry_timer: Timer | None = None
        self.clock = clock
        self.doc_ids = project.corpus.ids()
        self._positions: dict[str, int] | None = None
        self._panel_chosen = False
        """The annotator showed or hid the side panel: a resize no longer does."""
        self._recent: dict[str, EditingSession] = {}
        """Sessions of the documents last left, newest last: coming back to one keeps its
        undo history (see :meth:`open_document`)."""
        self.session = self._make_session(doc_id)
        self.save_state = "saved" if doc_id in self.saver else "not saved yet"
        self._last_saved: AnnotationRecord | None = None
        self._goal_x: int | None = None
        self._confirm: Status | None = None
        """ctrl+d / ctrl+k pressed once on a flagged document: the status a second press sets."""
        self._title_shown: tuple[int, Status, str] | None = None
        """The session, status and note the title row shows."""
        self.searching = False
        self._key_actions = {
            key: binding.action
            for binding in bindings_for(self.config)
            for key in binding.key.split(",")
        }
        """The search line is open and takes the keys."""
        self._key_calls: dict[str, tuple[Callable[..., object] | None, tuple[object, ...]]] = {}
        """Each key action's method and arguments, once looked up."""
        self.search_query = ""
        self._search_line: Text | None = None
        """The search line while it is open (drawn above the status line)."""
        self._notices: dict[str, Static] = {}
        """The notices above the article (read-only banner, save warning), mounted when first
        shown: most sessions never need them, and every widget costs a little on each key."""
        self._view = ArticleView(self.session.text, [], self.config.labels, id="article")
        self._view.key_handler = self.on_key  # the article has the focus: keys arrive there
        self._side = SidePanel(self.config, id="side")
        self._status = TextRows(id="status")

    @property
    def annotations(self) -> AnnotationFile:
        """The annotation file saves go to (a new object after the file was replaced)."""
        return self.saver.annotations

    def compose(self) -> ComposeResult:
        # Few widgets and no containers: the bars and the side panel are "split" off the
        # screen's edges (annotate.tcss), the title and the article fill the rest.
        yield KeyBar(id="keys")
        yield self._status
        yield self._side
        title = Static("", id="title", markup=False)
        title.styles.text_wrap = "nowrap"  # one row: a long note is cut, never pushes the text
        title.styles.text_overflow = "ellipsis"
        keep_lines(title)
        yield title
        # The spans come with the document (on mount): indexing them once is enough.
        yield self._view

    def on_mount(self) -> None:
        self.view.focus()
        self._show_document()

    def on_unmount(self) -> None:
        self.saver.close()

    @property
    def view(self) -> ArticleView:
        return self._view

    # -- documents ----------------------------------------------------------------------------

    def _make_session(self, doc_id: str) -> EditingSession:
        document = self.project.corpus.get(doc_id)
        read_only = not self.annotations.writable
        record: AnnotationRecord | None = None
        self._record_error = ""
        session: EditingSession | None = None

        def big() -> bool:
            return session is not None and len(session.spans) + len(session.relations) >= BIG

        with paused_then_kept(big):  # a big record's objects: built, then never walked by gc
            try:
                record = self.saver.get(doc_id)
            except AnnotatorError as error:
                self._record_error = str(error)
                read_only = True
            session = EditingSession(
                document,
                self.config,
                self.annotations.annotator,
                record,
                read_only=read_only,
                snapshots=False,  # every record is saved at once (the saver copies one it keeps)
            )
        if record is not None and not session.stale and not self._record_error:
            session = self._check_saved_record(record, session)
        return session

    def _check_saved_record(
        self, record: AnnotationRecord, session: EditingSession
    ) -> EditingSession:
        """A saved record that ``annotator validate`` rejects (span text not matching the
        document, unknown label, relation to a missing span, duplicate id...) is shown
        read-only, with its first problem in the banner, and never saved again (QA s7 A3).
        Spans of a label the project does not have are left out of the view (it has no colour
        for them); the banner names them."""
        from annotator.tui.record_check import record_problems

        doc_id = record.doc_id
        if doc_id in self.saver.pending:
            return session  # made by this screen, not read from the file
        annotations = self.annotations
        entry = annotations.entries.get(doc_id)
        problems = record_problems(
            record,
            session.text,
            self.config,
            file=annotations.path,
            line=None if entry is None else entry.last_line,
        )
        if not problems:
            return session
        problems = annotations.relocate(doc_id, problems)
        more = len(problems) - 1
        self._record_error = (
            f"{problems[0]}{f' (and {more} more problem(s))' if more else ''}. Nothing you do "
            "here is saved: fix the file (`annotator validate` lists every problem), then "
            "open the document again."
        )
        labels = set(self.config.label_names)
        if any(span.label not in labels for span in record.spans):
            shown = [span for span in record.spans if span.label in labels]
            session = EditingSession(
                session.document,
                self.config,
                annotations.annotator,
                record.model_copy(update={"spans": shown}),
                read_only=True,
                snapshots=False,
            )
        session.read_only = True
        return session

    def _view_spans(self) -> list[Span]:
        return [] if self.session.stale else self.session.spans

    def _show_document(self) -> None:
        session = self.session
        self.view.set_text(session.text, self._view_spans())
        session.take_changes()  # the view has every span; from now on it gets the changes
        self._title_shown = None
        self._show_title()
        banner: str | None = None
        if session.stale:
            banner = (
                "READ-ONLY: this document's text changed since it was annotated (text_sha256 "
                "differs), so its spans are hidden rather than shown in the wrong places. "
                "Nothing you do here is saved: quit and run `annotator reanchor` to move them "
                "to the new text."
            )
        elif self._record_error:
            banner = f"READ-ONLY: the saved record cannot be read: {self._record_error}"
        elif not self.annotations.writable:
            banner = "READ-ONLY: the annotation file is open read-only."
        self._set_notice("banner", banner if session.read_only else None)
        self._last_saved = None
        self._goal_x = None
        self._sync()
        self.view.scroll_to_offset(session.cursor, center=True)

    def _show_title(self) -> None:
        """The title row: the document's title, and its note while it has one (a flag's
        question must stay in sight: D15)."""
        session = self.session
        shown = (id(session), session.status, session.note)
        if shown == self._title_shown:
            return
        self._title_shown = shown
        title = Text(display_safe(session.document.title or session.document.id), style="bold")
        title.no_wrap, title.overflow = True, "ellipsis"
        if session.note:
            flagged = session.status is Status.flagged
            title.append("   ⚑ flagged: " if flagged else "   note: ", style="bold yellow")
            title.append(display_safe(" ".join(session.note.split())), style="italic")
        self.query_one("#title", Static).update(title)

    def leave_document(self) -> None:
        """Save the cursor and time spent before switching away or quitting."""
        session = self.session
        if session.read_only:
            return
        session.time.touch(self.clock())
        saved = self._last_saved
        record = session.to_record()
        if session.document.id not in self.saver:
            # Only browsed (moved, searched, read): no record, so the document stays new in
            # the document list, in stats and for ctrl+d's next document.
            return
        if (
            saved is not None
            and saved.cursor == record.cursor
            and record.seconds_spent - saved.seconds_spent < 1.0
        ):
            return  # saved a moment ago (ctrl+d, then the next document opens)
        self._save(record, session.take_delta())  # empty: every edit was saved when made

    def open_document(self, doc_id: str) -> None:
        """Show ``doc_id``: the session left on it a few documents ago if there is one (its
        undo history with it: an accidental ``]`` must not cost it), else a new one."""
        if doc_id == self.session.document.id:
            return
        self._confirm = None
        session = self._recent.pop(doc_id, None)
        if session is None:
            try:
                session = self._make_session(doc_id)
            except AnnotatorError as error:  # its corpus file changed or went since the start
                self._say(f"cannot open {doc_id}: {error}")
                self.notify(
                    f"{error}\nQuit (q) and start again to read the corpus as it is now; "
                    "everything you saved is kept.",
                    title=f"Cannot open {doc_id}",
                    severity="error",
                    timeout=30,
                    markup=False,
                )
                return
        else:
            session.time.pause()  # the time away is not time spent on it
            session.message = ""
            self._record_error = ""
        self.session.pending_link = None  # a link waits for a speaker of its own document
        self.leave_document()
        self._keep(self.session)
        self.session = session
        if self.saver.ok:
            self.save_state = "saved" if doc_id in self.saver else "not saved yet"
        self._show_document()

    def _keep(self, session: EditingSession) -> None:
        """Remember the session just left, within :data:`RECENT_SESSIONS` sessions and
        :data:`RECENT_SPANS` spans (a book's session holds 100,000)."""
        if session.read_only:
            return  # shown read-only for a reason found when it was opened: look again
        recent = self._recent
        recent.pop(session.document.id, None)
        recent[session.document.id] = session
        spans = sum(len(kept.spans) for kept in recent.values())
        while len(recent) > RECENT_SESSIONS or (len(recent) > 1 and spans > RECENT_SPANS):
            oldest = next(iter(recent))
            spans -= len(recent.pop(oldest).spans)

    def reload_document(self) -> None:
        """Read this document's record again (another screen of the app changed it, and
        maybe others: the sessions kept for coming back are dropped too)."""
        self._recent.clear()
        self.session = self._make_session(self.session.document.id)
        if self.saver.ok:  # the other screen may have saved its first record
            self.save_state = "saved" if self.session.document.id in self.saver else "not saved yet"
        self._show_document()

    def _next_not_done(self, start: int) -> str | None:
        """The next document (wrapping) not started or in progress; else the next skipped or
        flagged one (set aside: they come back when nothing else is left); None when every
        other document is done."""
        count = len(self.doc_ids)
        set_aside: str | None = None
        for step in range(1, count):
            doc_id = self.doc_ids[(start + step) % count]
            status = self.saver.status(doc_id)
            if status is None or status is Status.in_progress:
                return doc_id
            if status is not Status.done:
                set_aside = set_aside or doc_id
        return set_aside

    @property
    def position(self) -> int:
        if self._positions is None:
            self._positions = {doc_id: index for index, doc_id in enumerate(self.doc_ids)}
        return self._positions[self.session.document.id]

    # -- saving and repainting ----------------------------------------------------------------

    def _save(self, record: AnnotationRecord, delta: RecordDelta | None = None) -> bool:
        saved = self.saver.save(record, delta)
        if saved:
            self._last_saved = record
        self._show_save_state()
        return saved

    def retry_saves(self) -> bool:
        """Try the edits the disk refused again (the timer calls this; so does every edit)."""
        if self.saver.ok:
            return True
        saved = self.saver.flush()
        if saved:
            self._last_saved = None  # leave_document saves the cursor again: harmless
        self._show_save_state()
        self._update_status()
        return saved

    def _show_save_state(self) -> None:
        """The status line's save state, the warning banner and the retry timer."""
        saver = self.saver
        if len(saver.notices) != self._file_notices_shown:
            self._show_file_notices()
        if saver.ok:
            self.save_state = "saved" if self.session.document.id in saver else "not saved yet"
            self._set_notice("save-warning", None)
            if self._retry_timer is not None:
                self._retry_timer.stop()
                self._retry_timer = None
            return
        self.save_state = f"NOT SAVED: {saver.reason} — retrying"
        documents = len(saver.pending)
        text = Text()
        text.append(f"NOT SAVED: {saver.reason}. ", style="bold")
        text.append(
            f"Your edits to {documents} document{'s' if documents > 1 else ''} are kept in "
            f"memory and saved as soon as the disk accepts them (retrying every "
            f"{self.RETRY_SECONDS:g} s and on every edit; tried {saver.failures}×). "
            "Quitting now would lose them. "
        )
        text.append(display_safe(str(saver.error)), style="italic")
        self._set_notice("save-warning", text)
        if self._retry_timer is None:
            self._retry_timer = self.set_interval(self.RETRY_SECONDS, self.retry_saves)

    def _sync(self, record: AnnotationRecord | None = None) -> None:
        """After an action: save its record, repaint the marks, side panel and status line."""
        session = self.session
        session.time.touch(self.clock())
        if record is not None:
            self._save(record, session.take_delta())
        changes = session.take_changes()
        if session.stale:
            pass  # its spans are hidden
        elif changes is None:
            self.view.set_spans(session.spans)
        else:
            self.view.change_spans(*changes)
        current = session.current_span()
        self.view.set_marks(session.cursor, session.selection(), current)
        self._side.update_from(session, hide_spans=session.stale)
        if record is not None:
            self._show_title()
        self._update_status()

    def _status_word(self) -> str:
        """The document's status as the list shows it: ``new`` until something is saved."""
        if self.save_state == "not saved yet":
            return "new"
        return self.session.status.value.replace("_", " ")

    @property
    def _gold_marker(self) -> list[tuple[str, str | None]]:
        """``GOLD`` first on the status line when the file edited is the gold annotator's: edits
        go into the adjudicated set (the review's edit screen and a lead use this on purpose;
        an annotator who picked the name "gold" learns it at once)."""
        if self.annotations.annotator != self.config.gold_annotator:
            return []
        return [(" GOLD ", "bold black on yellow"), (" ", None)]

    def _update_status(self) -> None:
        session = self.session
        # The line is assembled as its text and its styled ranges, and made one Text (what
        # Text.append would make piece by piece, a few times slower on every key).
        pieces: list[tuple[str, str | None]] = [
            *self._gold_marker,
            (f"{display_safe(session.document.id)} ", "bold"),
            (f"{self.position + 1}/{len(self.doc_ids)}  ", None),
            (f"{self._status_word()}  ", "italic"),
            (f"@{session.cursor}", None),
        ]
        selection = session.selection()
        if selection is not None:
            pieces.append((f" sel {selection[1] - selection[0]}", None))
        if session.snap == "char":
            pieces.append((" [char]", None))
        context = len(pieces)
        under = session.spans_at(session.cursor) if not session.stale else []
        if under:
            pieces.append(("  ", None))
            for index, span in enumerate(under[:3]):
                label = self.config.label(span.label)
                if index:
                    pieces.append((" ⊂ ", "dim"))
                pieces.append((span.label, f"bold {label.color}" if label else "bold"))
                tail = session.linked_tail(span.id)
                if tail is not None:
                    from annotator.tui.dialogs import safe_excerpt

                    pieces.append((f"←{safe_excerpt(tail.text, 18)}", None))
        message = len(pieces)
        if session.message:
            pieces.append((f"  {display_safe(session.message)}", "dim"))
        state = self.save_state
        if session.read_only:
            state = "read-only"
        state_text = Text("  ")
        state_text.append(state, style="bold white on red" if state.startswith("NOT") else "green")
        status = self._status
        width = status.content_width or self.app.size.width - 2
        room = max(0, width - state_text.cell_len)
        edge = session.message_edge
        if edge is not None and message < len(pieces) and edge[0] == session.message:
            # A span edge moved: as much of the span as the line has room for, keeping the
            # edge that moved (after < or >, the end: ...might fall,").
            _, edge_label, whole, which = edge
            before = sum(len(piece) for piece, _ in pieces[:context])
            under_cursor = sum(len(piece) for piece, _ in pieces[context:message])
            frame = len(f"  {edge_label} “”")
            whole = display_safe(" ".join(whole.split()))
            fits = room - before - under_cursor - frame
            if fits < min(len(whole), 30):
                fits = room - before - frame  # the spans under the cursor give way
            shown = edge_excerpt(whole, max(fits, 10), which)
            pieces[message] = (f"  {display_safe(edge_label)} “{shown}”", "dim")
        text = _assembled(pieces)
        if text.cell_len > room and message > context:
            # The spans under the cursor give way first: the message says what the key did.
            # Each of their pieces is shown whole or not at all (a label cut to "clai…"
            # reads as a typo).
            head, said = _assembled(pieces[:context]), _assembled(pieces[message:])
            left = room - head.cell_len - said.cell_len
            kept: list[tuple[str, str | None]] = []
            for piece in pieces[context:message]:
                left -= len(piece[0])
                if left < 0:
                    break
                kept.append(piece)
            while kept and kept[-1][0] in ("  ", " ⊂ "):
                kept.pop()
            text = _assembled(pieces[:context] + kept + pieces[message:])
        # The save state is the one thing that must never be cut off: shorten the rest.
        text.truncate(room, overflow="ellipsis")
        text.append_text(state_text)
        # Only a row whose text changed is repainted, and never with a layout pass.
        above = self._search_line
        if above is None and session.pending_link is not None:
            above = self._pending_line()
        status.set_rows([text] if above is None else [above, text])

    def _pending_line(self) -> Text | None:
        """The line above the status while a link waits for its tail to be tagged (D10)."""
        session = self.session
        prompt = session.pending_prompt()
        if prompt is None:
            return None
        cancel = f" · {self._key_for('clear_selection')}: cancel the link"
        width = self._status.content_width or self.app.size.width - 2
        over = 2 + len(prompt) + len(cancel) - width
        if over > 0:  # the head's excerpt gives way first, the keys to press stay
            prompt = session.pending_prompt(max(8, 30 - over)) or prompt
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("⛓ ", style="bold")
        line.append(display_safe(prompt), style="bold")
        line.append(cancel, style="dim")
        return line

    def _key_for(self, action: str) -> str:
        """The first key of ``action`` as an annotator reads it (``ctrl+d``, ``escape``)."""
        for key, bound in self._key_actions.items():
            if bound == action:
                return display_keys(key)
        return action

    def _do(self, change: Callable[[], AnnotationRecord | None]) -> None:
        self.session.message = ""
        self._goal_x = None
        self._confirm = None
        # The time up to this action goes into the record it saves (else leaving the
        # document would save it again a moment later only for those seconds).
        self.session.time.touch(self.clock())
        self._sync(change())

    def _move(self, move: Callable[[], object], *, vertical: bool = False) -> None:
        self.session.message = ""
        self._confirm = None
        if not vertical:
            self._goal_x = None
        move()
        self._sync()

    # -- moves --------------------------------------------------------------------------------

    def action_cursor_left(self) -> None:
        self._move(self.session.left)

    def action_cursor_right(self) -> None:
        self._move(self.session.right)

    def _vertical(self, rows: int, *, extend: bool = False, page: bool = False) -> None:
        if self._goal_x is None:
            self._goal_x = self.view.x_of(self.session.cursor)
        target = self.view.vertical_target(self.session.cursor, rows, self._goal_x)
        if page:
            # The text moves by the page and the cursor keeps its place on screen (as in most
            # editors), so the next moves do not scroll again one row at a time.
            self.view.scroll_rows(rows)
        self._move(lambda: self.session.move_to(target, extend=extend), vertical=True)

    def action_cursor_up(self) -> None:
        self._vertical(-1)

    def action_cursor_down(self) -> None:
        self._vertical(1)

    def action_page_up(self) -> None:
        self._vertical(-self.view.page_rows, page=True)

    def action_page_down(self) -> None:
        self._vertical(self.view.page_rows, page=True)

    def action_next_word(self) -> None:
        self._move(self.session.next_word)

    def action_prev_word(self) -> None:
        self._move(self.session.prev_word)

    def action_next_paragraph(self) -> None:
        self._move(self.session.next_paragraph)

    def action_prev_paragraph(self) -> None:
        self._move(self.session.prev_paragraph)

    def _row_edge(self, index: int, *, extend: bool = False) -> None:
        target = self.view.row_bounds(self.session.cursor)[index]
        self._move(lambda: self.session.move_to(target, extend=extend))

    def action_row_start(self) -> None:
        self._row_edge(0)

    def action_row_end(self) -> None:
        self._row_edge(1)

    def action_doc_start(self) -> None:
        self._move(self.session.doc_start)

    def action_doc_end(self) -> None:
        self._move(self.session.doc_end)

    # -- selection ----------------------------------------------------------------------------

    def action_select_left(self) -> None:
        self._move(lambda: self.session.left(extend=True))

    def action_select_right(self) -> None:
        self._move(lambda: self.session.right(extend=True))

    def action_select_up(self) -> None:
        self._vertical(-1, extend=True)

    def action_select_down(self) -> None:
        self._vertical(1, extend=True)

    def action_select_next_word(self) -> None:
        self._move(lambda: self.session.next_word(extend=True))

    def action_select_prev_word(self) -> None:
        self._move(lambda: self.session.prev_word(extend=True))

    def action_select_row_start(self) -> None:
        self._row_edge(0, extend=True)

    def action_select_row_end(self) -> None:
        self._row_edge(1, extend=True)

    def action_select_page_up(self) -> None:
        self._vertical(-self.view.page_rows, extend=True, page=True)

    def action_select_page_down(self) -> None:
        self._vertical(self.view.page_rows, extend=True, page=True)

    def action_visual(self) -> None:
        self._move(self.session.start_visual)

    def action_clear_selection(self) -> None:
        self._move(self.session.clear_selection)

    def action_toggle_snap(self) -> None:
        self._move(self.session.toggle_snap)

    # -- search -------------------------------------------------------------------------------

    def action_search(self) -> None:
        """Open the search line. It is a mode of this screen rather than a focused Input, so
        keys typed right after ``/`` (a fast typist, a paste, tmux send-keys) are never lost to
        a focus change still in flight."""
        self.search_query = ""
        self._show_search(True)

    def _show_search(self, visible: bool) -> None:
        self.searching = visible
        self._search_line = None
        if visible:
            line = Text()
            line.append("/", style="bold")
            line.append(display_safe(self.search_query))
            line.append("▏", style="blink")
            hint = "   Enter: find · Escape: cancel"
            if not self.search_query and self.session.search_query:
                hint += f" · Enter alone: {display_safe(self.session.search_query)}"
            line.append(hint, style="dim")
            self._search_line = line
        self._update_status()

    async def on_key(self, event: events.Key) -> None:
        """Run this screen's keys here, in arrival order.

        Textual runs bindings after the key has bubbled to the app, so a key typed right after
        ``/`` would already be on its way as a command before the search line opened. Handling
        the screen's own keys as they bubble through the screen keeps their order. The
        article, which has the focus, calls this as a key arrives there; a key it does not
        stop comes here again as it bubbles (an unbound key: nothing happens either time).
        """
        if not self.searching:
            action = self._key_actions.get(event.key)
            if action is not None:
                event.stop()
                event.prevent_default()
                await self._run_key_action(action)
            return
        event.stop()
        event.prevent_default()
        if event.key == "escape":
            self._show_search(False)
        elif event.key == "enter":
            self._show_search(False)
            query = self.search_query or None  # empty: repeat the last search
            self._move(lambda: self.session.search(query) and None)
        elif event.key == "backspace":
            self.search_query = self.search_query[:-1]
            self._show_search(True)
        elif event.key == "ctrl+u":
            self.search_query = ""
            self._show_search(True)
        elif event.is_printable and event.character:
            self.search_query += event.character
            self._show_search(True)

    async def _run_key_action(self, action: str) -> None:
        """Run a key's action. An action of this screen is called directly (``run_action``
        parses the action string and looks the method up again on every key); anything else,
        e.g. ``app.command_palette``, goes through ``run_action``."""
        call = self._key_calls.get(action)
        if call is None:
            namespace, name, params = parse_action(action)
            method = None if namespace else getattr(self, f"action_{name}", None)
            call = (method, params) if callable(method) else (None, ())
            self._key_calls[action] = call
        method, params = call
        if method is None:
            await self.run_action(action)
            return
        result = method(*params)
        if isawaitable(result):
            await result

    def on_paste(self, event: events.Paste) -> None:
        if self.searching:
            event.stop()
            self.search_query += " ".join(event.text.split())
            self._show_search(True)

    def action_next_match(self) -> None:
        self._move(lambda: self.session.search() and None)

    def action_prev_match(self) -> None:
        self._move(lambda: self.session.search(backwards=True) and None)

    # -- tagging, spans, links ----------------------------------------------------------------

    def action_tag(self, label: str) -> None:
        self._do(lambda: self.session.tag(label))

    def action_delete_span(self) -> None:
        self._do(self.session.delete_span)

    def action_grow_end(self) -> None:
        self._do(lambda: self.session.move_edge("end", +1))

    def action_shrink_end(self) -> None:
        self._do(lambda: self.session.move_edge("end", -1))

    def action_grow_start(self) -> None:
        self._do(lambda: self.session.move_edge("start", -1))

    def action_shrink_start(self) -> None:
        self._do(lambda: self.session.move_edge("start", +1))

    def action_next_span(self) -> None:
        self._move(lambda: self.session.step_span(+1) and None)

    def action_prev_span(self) -> None:
        self._move(lambda: self.session.step_span(-1) and None)

    LINK_CHOICES = 50
    """Tails the link picker lists at first, nearest first (a book has tens of thousands);
    its last row lists ten times as many."""

    def action_link(self, limit: int = 0, more_of: str = "") -> None:
        session = self.session
        session.message = ""
        limit = limit or self.LINK_CHOICES
        found = session.link_options(limit)
        reverse = False
        if found is None and not session.read_only and session.current_span() is not None:
            # On a speaker: the claims nearby, nearest first, to link to this speaker (D11).
            found = session.reverse_link_options(limit)
            reverse = found is not None
            if found is not None and not any(option.total for option in found[1]):
                wanted = " or ".join(
                    label for option in found[1] for label in option.relation.head_labels
                )
                session.message = f"no {wanted} to link this {found[0].label} to: tag it first"
                found = None
        if found is None:
            self._sync()
            return
        head, options = found
        had_selection = session.selection() is not None
        from annotator.tui.dialogs import MORE_TAILS, NEW_TAIL, LinkPicker

        def chosen(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            relation_name, tail_id = result
            if tail_id == MORE_TAILS:
                self.action_link(limit * 10, relation_name)
                return
            relation = self.config.relation(relation_name)
            if relation is None:
                return
            if reverse:  # the row is a claim: it heads the link to the speaker
                self._do(lambda: session.link(tail_id, head.id, relation.name))
                return
            if tail_id == NEW_TAIL:
                session.begin_new_tail(head.id, relation.name)
                if had_selection and relation.tail_labels:
                    self._do(lambda: session.tag(relation.tail_labels[0]))
                else:
                    self._sync()
                return
            self._do(lambda: session.link(head.id, tail_id, relation.name))

        if reverse:
            linked = {(r.label, r.head) for r in session.relations if r.tail == head.id}
        else:
            linked = {(r.label, r.tail) for r in session.relations if r.head == head.id}
        # a longer list: the first tail of the type asked for that was not listed before
        first = (more_of, limit // 10) if more_of else None
        picker = LinkPicker(
            head, options, linked, first=first, selection=had_selection, reverse=reverse
        )
        self.app.push_screen(picker, chosen)

    def action_unlink(self) -> None:
        self._do(self.session.unlink)

    def action_undo(self) -> None:
        self._do(self.session.undo)

    def action_redo(self) -> None:
        self._do(self.session.redo)

    # -- documents ----------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        """A message on the status line (where every key's answer goes, never a toast over
        the save state)."""
        self.session.message = message
        self._update_status()

    def action_next_doc(self) -> None:
        if self.position + 1 < len(self.doc_ids):
            self.open_document(self.doc_ids[self.position + 1])
        else:
            self._say("this is the last document")

    def action_prev_doc(self) -> None:
        if self.position > 0:
            self.open_document(self.doc_ids[self.position - 1])
        else:
            self._say("this is the first document")

    def _set_status_and_advance(self, status: Status, action: str) -> None:
        session = self.session
        verb = "mark done" if status is Status.done else "skip"
        if session.status is Status.flagged and not session.read_only and self._confirm != status:
            # The flag's note is a question for the lead: done or skipped, it would drop out
            # of the flagged documents. Ask once; the same key again goes ahead (D15).
            self._confirm = status
            note = f" (“{excerpt(session.note, 30)}”)" if session.note else ""
            self._say(f"flagged{note}: {verb} anyway? press {self._key_for(action)} again")
            return
        self._confirm = None
        session.message = ""
        session.time.touch(self.clock())  # the time so far goes into this record
        record = session.set_status(status)
        self._sync(record)
        if record is None or not self.saver.ok:
            return
        left = session.document.id
        said = "done" if status is Status.done else "skipped"
        following = self._next_not_done(self.position)
        if following is None:
            self._say(f"{said} {left} · every document is done")
            return
        self.open_document(following)
        self._say(f"{said} {left} · opened {following}")

    def action_mark_done(self) -> None:
        self._set_status_and_advance(Status.done, "mark_done")

    def action_skip(self) -> None:
        self._set_status_and_advance(Status.skipped, "skip")

    def action_flag(self) -> None:
        from annotator.tui.dialogs import NoteDialog

        def noted(note: str | None) -> None:
            if note is not None:
                self._do(lambda: self.session.set_status(Status.flagged, note))

        self.app.push_screen(NoteDialog("Flag this document: note", self.session.note), noted)

    def action_doc_list(self) -> None:
        from annotator.tui.doc_list import DocumentList, DocumentRows

        corpus = self.project.corpus
        rows = DocumentRows(self.doc_ids, corpus.title_at, self.saver.statuses(self.doc_ids))

        def chosen(doc_id: str | None) -> None:
            if doc_id is not None:
                self.open_document(doc_id)

        self.app.push_screen(DocumentList(rows, self.session.document.id), chosen)

    # -- view ---------------------------------------------------------------------------------

    def action_toggle_panel(self) -> None:
        self._side.toggle_class("-hidden")
        self._panel_chosen = True

    def on_resize(self, event: events.Resize) -> None:
        """The text keeps most of a narrow terminal: a narrower side panel below
        :data:`NARROW_COLUMNS`, none below :data:`PANEL_MIN_COLUMNS` (until ``s`` asks)."""
        width = event.size.width
        self._side.set_class(width < NARROW_COLUMNS, "-narrow")
        if not self._panel_chosen:
            self._side.set_class(width < PANEL_MIN_COLUMNS, "-hidden")

    def action_help(self) -> None:
        from annotator.tui.dialogs import HelpScreen

        self.app.push_screen(HelpScreen(self.config))

    def action_quit(self) -> None:
        """Quit; with edits the disk refused, first say what would be lost and ask."""
        from annotator.tui.dialogs import QuitUnsavedDialog

        if isinstance(self.app.screen, QuitUnsavedDialog):
            return
        self.leave_document()
        if not self._file_still_ours():
            return  # what happened to the file is on screen now: q again quits
        if self.saver.ok or self.retry_saves():
            self.app.exit()
            return

        def answered(choice: str | None) -> None:
            if choice == "lose":
                self.app.exit()
            elif choice == "retry":
                self.action_quit()

        self.app.push_screen(
            QuitUnsavedDialog(self.save_state, self.saver.describe_pending()), answered
        )

    # -- mouse --------------------------------------------------------------------------------

    def on_article_view_pointer(self, event: ArticleView.Pointer) -> None:
        session = self.session
        if event.kind == "press":
            self._move(lambda: session.move_to(event.offset))
        elif event.kind == "drag":
            if session.anchor is None and event.offset == session.cursor:
                return
            self._move(lambda: session.move_to(event.offset, extend=True))
        elif event.kind == "word":
            word = session.word_at(event.offset)
            if word is not None:
                self._move(lambda: session.select(*word))

    def on_side_panel_span_clicked(self, event: SidePanel.SpanClicked) -> None:
        span = self.session.span(event.span.id)
        if span is not None:
            self._move(lambda: self.session.jump_to(span))
            self.view.scroll_to_offset(span.start, center=True)

    def on_side_panel_label_clicked(self, event: SidePanel.LabelClicked) -> None:
        self.action_tag(event.label)

    # -- notices ------------------------------------------------------------------------------

    _file_notices_shown = 0
    """How many of the saver's notices (the file replaced under us) are on screen."""

    def _file_still_ours(self) -> bool:
        """Before quitting: False when the annotation file turned out to be replaced, emptied or
        removed since the last save (the records of this session were then written to the new
        file, and the notice says so: the annotator should see it before the screen goes)."""
        shown = len(self.saver.notices)
        self.saver.check_file()
        self._show_save_state()
        return len(self.saver.notices) == shown

    def _show_file_notices(self) -> None:
        """Show what another program did to the annotation file (:attr:`Saver.notices`), until
        the session ends; sessions kept for coming back to a document whose newer record was
        kept in the new file are dropped (their older copy must not be saved over it)."""
        from annotator.tui.file_notice import FileNotice

        saver = self.saver
        self._file_notices_shown = len(saver.notices)
        for doc_id in saver.kept_theirs:
            self._recent.pop(doc_id, None)
        saver.kept_theirs.clear()
        found = self.query(FileNotice)
        notice = found.first() if found else FileNotice("", id="file-notice", markup=False)
        if not found:
            self.mount(notice, before=0)
        notice.show(saver.notices)

    NOTICES = ("banner", "save-warning")
    """The notices above the article, top to bottom (each a Static with that id)."""

    def _set_notice(self, name: str, content: str | Text | None) -> None:
        """Show notice ``name`` with ``content``, or hide it (None); mounted when first shown."""
        widget = self._notices.get(name)
        if content is None:
            if widget is not None:
                widget.set_class(False, "-visible")
            return
        if widget is None:
            widget = Static("", id=name, markup=False)
            self._notices[name] = widget
            after = self.NOTICES[self.NOTICES.index(name) + 1 :]
            below = [self._notices[n] for n in after if n in self._notices]
            self.mount(widget, before=below[0] if below else 0)
        widget.update(content)
        widget.set_class(True, "-visible")


def _assembled(pieces: list[tuple[str, str | None]]) -> Text:
    """The status line's Text from its pieces, as appending each piece (with its style, if
    any) to ``Text(no_wrap=True, overflow="ellipsis")`` makes it."""
    plain: list[str] = []
    spans: list[RichSpan] = []
    offset = 0
    for piece, style in pieces:
        piece = strip_control_codes(piece)
        if style and piece:
            spans.append(RichSpan(offset, offset + len(piece), style))
        plain.append(piece)
        offset += len(piece)
    return Text("".join(plain), no_wrap=True, overflow="ellipsis", spans=spans)


def make_annotate_screen_class(project: Project) -> type[AnnotateScreen]:
    """An AnnotateScreen subclass whose bindings come from the project's config."""
    return type(
        "AnnotateScreen",
        (AnnotateScreen,),
        {"BINDINGS": bindings_for(project.config)},
    )
