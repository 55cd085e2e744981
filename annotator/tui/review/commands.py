"""The review screens from inside the annotate application (command palette: "Review agreement")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

from annotator.agreement.review_project import ReviewProject
from annotator.store.annotations import AnnotationFile
from annotator.store.project import Project
from annotator.tui.annotate_screen import AnnotateScreen
from annotator.tui.review.app import EmbeddedSummaryScreen
from annotator.tui.review.edit import GoldEditScreen
from annotator.tui.review.loading import AgreementLoading

TITLE = "Review agreement"
HELP = "agreement figures, disagreements and the gold version (q comes back)"
ACTION = "review_agreement"
"""The app action the command runs."""


class ReviewCommands(Provider):
    """Offers the review screens on the annotate screen of an app that has the action."""

    def _available(self) -> bool:
        screen = self.screen
        return (
            callable(getattr(self.app, f"action_{ACTION}", None))
            and isinstance(screen, AnnotateScreen)
            and not isinstance(screen, GoldEditScreen)
        )

    def _run(self) -> None:
        getattr(self.app, f"action_{ACTION}")()

    async def discover(self) -> Hits:
        if self._available():
            yield DiscoveryHit(TITLE, self._run, help=HELP)

    async def search(self, query: str) -> Hits:
        if not self._available():
            return
        matcher = self.matcher(query)
        score = matcher.match(TITLE)
        if score > 0:
            yield Hit(score, matcher.highlight(TITLE), self._run, help=HELP)


def open_review(
    app: App[Any],
    project: Project,
    annotations: AnnotationFile,
    on_close: Callable[[], None],
) -> None:
    """Push the review overview once its agreement is computed (:class:`AgreementLoading`);
    ``annotations`` is reused when it is the gold annotator's file (a second writable handle
    would fight over its lock). ``on_close`` runs on the way back, from the overview or from a
    cancelled or failed computation."""
    gold_file = annotations if annotations.annotator == project.config.gold_annotator else None
    loading = AgreementLoading(
        lambda progress: ReviewProject(project, gold_file=gold_file, progress=progress),
        discard=lambda review: review.close(),
    )

    def loaded(review: ReviewProject | None) -> None:
        if review is None:
            if loading.error is not None:
                app.notify(str(loading.error), severity="warning", markup=False)
            on_close()
            return
        app.push_screen(EmbeddedSummaryScreen(review), lambda _result: on_close())

    app.push_screen(loading, loaded)
