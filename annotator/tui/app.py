"""The annotate application: opens a project for one annotator and shows the annotate screen."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
from collections.abc import Callable
from functools import partial

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from annotator import skip_pydantic_plugins
from annotator.model.errors import AnnotatorError
from annotator.model.keymap import all_actions, display_keys
from annotator.model.records import Status
from annotator.store.annotations import AnnotationFile
from annotator.store.project import Project
from annotator.tui.annotate_screen import AnnotateScreen, make_annotate_screen_class
from annotator.tui.keys import action_method

YOUNG_COLLECTION_THRESHOLD = 10_000
"""Allocations between two collections of the youngest generation (Python's default: 700)."""


class ActionCommands(Provider):
    """Every action of the annotate screen in the command palette: listed before anything is
    typed, and found by its description, its keys or its name (the one ``[keys]`` uses)."""

    def _actions(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        if not isinstance(screen, AnnotateScreen):
            return []
        return [
            (
                f"{action.description}  ({display_keys(action.keys)})",
                action.name,
                partial(screen.run_action, action_method(action)),
            )
            for action in all_actions(screen.config)
            if action.name != "command_palette"
        ]

    async def discover(self) -> Hits:
        for title, name, command in self._actions():
            yield DiscoveryHit(title, command, help=name)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, name, command in self._actions():
            score = max(matcher.match(title), matcher.match(name))
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, text=title, help=name)


def _review_commands() -> type[Provider]:
    """The review screens' palette entry, imported when the palette first opens (not at start)."""
    from annotator.tui.review.commands import ReviewCommands

    return ReviewCommands


def first_document(project: Project, annotations: AnnotationFile, doc_id: str | None) -> str:
    """``doc_id`` if given (must exist), else where the annotator left off: the first document
    in progress, else the first not started, else the first skipped or flagged (set aside:
    they come back only when nothing else is left), else the first."""
    ids = project.corpus.ids()
    if not ids:
        raise AnnotatorError("the project has no documents", file=project.root / "documents")
    if doc_id is not None:
        if doc_id not in project.corpus:
            raise AnnotatorError(
                f"no document with id {doc_id!r} in the project", file=project.root
            )
        return doc_id
    new: str | None = None
    set_aside: str | None = None
    for candidate in ids:
        status = annotations.status(candidate)
        if status is Status.in_progress:
            return candidate
        if status is None:
            new = new or candidate
        elif status is not Status.done:
            set_aside = set_aside or candidate
    return new or set_aside or ids[0]


class AnnotateApp(App[None]):
    """``annotator annotate``: one annotator, one project."""

    CSS_PATH = "annotate.tcss"
    TITLE = "annotator"
    COMMANDS = App.COMMANDS | {ActionCommands, _review_commands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        project: Project,
        annotations: AnnotationFile,
        doc_id: str | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.project = project
        self.annotations = annotations
        self.start_doc = first_document(project, annotations, doc_id)
        self.clock = clock  # ([keys] mistakes were refused when the config was read)

    QUIT_SIGNALS = ("SIGTERM", "SIGHUP")
    """``kill`` and the terminal closing (a window closed, an ssh connection dropped): both
    quit the way ``q`` and "quit anyway" do (:meth:`quit_on_signal`)."""

    def on_mount(self) -> None:
        self._handle_quit_signals()
        for side in self.annotations.set_aside:
            self.notify(
                f"{self.annotations.path.name} ended with a line torn by a crash (an edit being "
                f"saved when it stopped); it was moved to {side.name}, and the documents are "
                "as they were saved before it: check the one you were working on",
                title="Recovered from a crash",
                severity="warning",
                timeout=30,
                markup=False,
            )

    def get_default_screen(self) -> Screen[None]:
        screen_class = make_annotate_screen_class(self.project)
        return screen_class(self.project, self.annotations, self.start_doc, clock=self.clock)

    @property
    def annotate_screen(self) -> AnnotateScreen:
        for screen in self.screen_stack:
            if isinstance(screen, AnnotateScreen):
                return screen
        raise LookupError("no annotate screen")

    def action_review_agreement(self) -> None:
        """The review screens (command palette: "Review agreement"); q comes back here."""
        from annotator.tui.review.commands import open_review

        screen = self.annotate_screen
        screen.leave_document()

        def closed() -> None:
            if screen.annotations.annotator == self.project.config.gold_annotator:
                screen.reload_document()  # the review may have changed this gold record

        open_review(self, self.project, screen.annotations, closed)

    def _handle_quit_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for name in self.QUIT_SIGNALS:
            number = getattr(signal, name, None)
            if number is None:
                continue  # not on this system (SIGHUP on Windows)
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(number, self.quit_on_signal, number)

    def quit_on_signal(self, number: int) -> None:
        """SIGTERM or SIGHUP: save the cursor and time spent on the document shown, try once
        more to write edits the disk refused (what still cannot be written is lost, as with
        "quit anyway": nobody is there to answer), check the file was not replaced meanwhile,
        and exit through Textual, which restores the terminal (the alternate screen and mouse
        reporting off). The exit status is 128 + the signal's number, as a shell reports it."""
        try:
            screen = self.annotate_screen
        except LookupError:
            screen = None
        if screen is not None:
            screen.leave_document()
            screen.saver.check_file()
            screen.retry_saves()
        self.exit(return_code=128 + number)

    async def action_quit(self) -> None:
        """``ctrl+q`` anywhere: the annotate screen's quit (asks first if edits are unsaved)."""
        try:
            screen = self.annotate_screen
        except LookupError:
            self.exit()
            return
        screen.action_quit()


# What is loaded by now (Textual, pydantic, this program's modules: some 44,000 objects) lives as
# long as the process: frozen, no full collection walks it again (~15 ms each, one of them on the
# way to the first frame). Done once, at import: freezing costs nothing, and nothing built later
# (documents, screens) is frozen here.
gc.freeze()
# A key makes a few hundred tracked objects (each of Textual's Strips is ~15: its caches), many of
# them kept (rows cached by the widgets). At Python's default young-generation threshold (700)
# that is a collection or more per key, each walking every young survivor, ~0.15 ms of a ~2.5 ms
# key; at 10,000 it is one every several keys. Garbage cycles are still collected, just later.
gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
skip_pydantic_plugins()  # the app's validators are built later, when it opens a project
