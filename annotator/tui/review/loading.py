"""A computation of the agreement in a thread, its progress on a modal, Escape to leave it.

Opening the review from the annotate screen and recomputing the overview both go through every
document: ~3 s at 10,000 documents, ~30 s at 100,000. The screens behind stay drawn, the progress
shows, and Escape goes back at once: the computation stops at its next progress report.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState

from annotator.agreement.report import Progress
from annotator.model.errors import AnnotatorError

T = TypeVar("T")


class Cancelled(Exception):
    """The adjudicator left the loading screen before the computation was done."""


class AgreementLoading(ModalScreen[T | None], Generic[T]):
    """Runs ``compute(progress)`` in a thread; dismissed with its result, or None when it was
    cancelled (Escape) or failed (:attr:`error` then says why). A result that comes after the
    cancel is handed to ``discard`` (e.g. to close the file it opened)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        compute: Callable[[Progress], T],
        *,
        discard: Callable[[T], None] | None = None,
        leave: str = "Escape goes back to annotating",
    ) -> None:
        super().__init__()
        self.compute = compute
        self.discard = discard
        self.leave = leave
        self.cancelled = threading.Event()
        """Set on Escape: the computation stops at its next progress report."""
        self.error: AnnotatorError | None = None
        self._handover = threading.Lock()
        self._result: tuple[T] | None = None
        """Computed and not cancelled: this screen hands it over, or discards it on Escape."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text("Computing agreement", style="bold"), classes="dialog-title")
            yield ProgressBar(show_eta=False, id="loading-progress")
            yield Static("", id="loading-count")
            yield Static(Text(self.leave, style="dim"))

    def on_mount(self) -> None:
        self.run_worker(self._compute, thread=True, exit_on_error=False)

    def _compute(self) -> None:
        result = self.compute(self._progress)
        with self._handover:
            if self.cancelled.is_set():  # too late: the adjudicator went back already
                if self.discard is not None:
                    self.discard(result)
                raise Cancelled
            self._result = (result,)

    def _progress(self, done: int, total: int) -> None:
        if self.cancelled.is_set():
            raise Cancelled
        self.app.call_from_thread(self._show, done, total)

    def _show(self, done: int, total: int) -> None:
        if self.is_attached:
            self.query_one(ProgressBar).update(total=total, progress=done)
            self.query_one("#loading-count", Static).update(f"{done:,} of {total:,} documents")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = event.worker.error
        if event.state is WorkerState.SUCCESS:
            with self._handover:
                result, self._result = self._result, None
            if result is not None:
                self.dismiss(result[0])
        elif event.state is WorkerState.ERROR and not isinstance(error, Cancelled):
            if not isinstance(error, AnnotatorError):
                raise error  # type: ignore[misc]  # a bug: let the app report it
            if not self.cancelled.is_set():
                self.error = error
                self.dismiss(None)

    def action_cancel(self) -> None:
        with self._handover:
            self.cancelled.set()
            result, self._result = self._result, None
        if result is not None and self.discard is not None:
            self.discard(result[0])  # computed, but not handed over
        self.dismiss(None)
