"""Free editing of a gold record: the annotate screen on one document, opened from review.

The adjudicator gets the normal annotate keys on the gold annotator's record of the document;
the editing session marks every span added or changed there ``edited`` in the provenance. ``q``
goes back to the review screen (which reads the record again) instead of quitting, and the keys
that would move to another document stay on this one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from annotator.model.records import Status
from annotator.model.text import display_safe
from annotator.store.annotations import AnnotationFile
from annotator.store.project import Project
from annotator.tui.annotate_screen import AnnotateScreen
from annotator.tui.keys import bindings_for

ONE_DOCUMENT = "editing the gold record of this document only; q goes back to review"


class GoldEditScreen(AnnotateScreen):
    """The annotate screen over ``gold_file``'s record of one document."""

    DEFAULT_CSS = """
    GoldEditScreen #title { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(
        self,
        project: Project,
        gold_file: AnnotationFile,
        doc_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(project, gold_file, doc_id, clock=clock)
        self.doc_ids = [doc_id]

    def _show_document(self) -> None:
        super()._show_document()
        session = self.session
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(" GOLD ", style="bold reverse magenta")
        title.append(" q: back to review  ", style="dim")
        title.append(display_safe(session.document.title or session.document.id), style="bold")
        self.query_one("#title", Static).update(title)

    def action_quit(self) -> None:
        """Back to review; while the disk refuses the edits, stay here so they are not lost."""
        self.leave_document()
        if self.saver.ok or self.retry_saves():
            self.dismiss()
            return
        self.notify(
            "not saved yet: staying on the gold record until the disk accepts the edits",
            severity="error",
            markup=False,
        )

    def action_next_doc(self) -> None:
        self.notify(ONE_DOCUMENT)

    def action_prev_doc(self) -> None:
        self.notify(ONE_DOCUMENT)

    def action_doc_list(self) -> None:
        self.notify(ONE_DOCUMENT)

    def action_mark_done(self) -> None:
        self._do(lambda: self.session.set_status(Status.done))

    def action_skip(self) -> None:
        self.notify(ONE_DOCUMENT)


def make_gold_edit_screen(
    project: Project, gold_file: AnnotationFile, doc_id: str
) -> GoldEditScreen:
    """A GoldEditScreen whose bindings (footer, help) come from the project's config."""
    bindings = [
        Binding(binding.key, binding.action, "Back", show=True, id=binding.id)
        if binding.id == "quit"
        else binding
        for binding in bindings_for(project.config)
    ]
    screen_class: type[GoldEditScreen] = type(
        "GoldEditScreen", (GoldEditScreen,), {"BINDINGS": bindings}
    )
    return screen_class(project, gold_file, doc_id)
