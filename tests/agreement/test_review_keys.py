"""Review document screen keys: d with open disagreements asks first (QA C8), u takes back the
last decision (QA C13), a click on a candidate row selects it (QA C6)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.widgets import Static

from annotator.model.records import Status
from annotator.store.project import Project
from annotator.tui.article_view import ArticleView
from annotator.tui.review.app import DocumentScreen, ReviewApp

from .helpers import build_project, record
from .test_span_cases import AIDES, CLAIM, EVENT, SHORT_CLAIM, SPEAKER, TEXT


def make_project(tmp_path: Path) -> Project:
    annotations = {
        "alice": {"d1": record("alice", "d1", TEXT, [SPEAKER, CLAIM, EVENT])},
        "bob": {"d1": record("bob", "d1", TEXT, [SPEAKER, SHORT_CLAIM, AIDES])},
    }
    return build_project(tmp_path / "p", {"d1": TEXT}, annotations)


def saved(project: Project) -> Any:
    return Project(project.root).annotations("gold").get("d1")


async def opened(app: ReviewApp, pilot: Any) -> DocumentScreen:
    await pilot.press("enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, DocumentScreen)
    return screen


def notices(app: ReviewApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


def test_done_with_open_disagreements_asks_for_a_second_d(tmp_path: Path) -> None:
    project = make_project(tmp_path)

    async def run() -> None:
        app = ReviewApp(project)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await opened(app, pilot)
            await pilot.press("a")  # one of four disagreements decided (and a competitor)
            open_now = len(screen.document.disagreements) - screen.document.decided
            assert open_now > 0
            await pilot.press("d")
            await pilot.pause()
            assert screen.document.record.status is Status.in_progress
            assert saved(project).status is Status.in_progress
            expected = f"{open_now} disagreement(s) still open: press d again to mark done anyway"
            assert expected in notices(app)
            await pilot.press("d")
            await pilot.pause()
            assert saved(project).status is Status.done
            await pilot.press("d")  # back to in progress: no question
            await pilot.pause()
            assert saved(project).status is Status.in_progress
            await pilot.press("d", "n", "d")  # another key between: asks again
            await pilot.pause()
            assert saved(project).status is Status.in_progress

    asyncio.run(run())


def test_u_takes_back_the_last_decisions_and_saves(tmp_path: Path) -> None:
    project = make_project(tmp_path)

    async def run() -> None:
        app = ReviewApp(project)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await opened(app, pilot)
            document = screen.document
            first = screen.current
            assert first is not None and document.candidates[first].key == SHORT_CLAIM
            await pilot.press("a")  # bob's short claim in, alice's long one rejected
            claim = document.index_of(CLAIM)
            assert claim is not None and document.state(claim) == "rejected"
            await pilot.press("x")  # the next open one rejected
            await pilot.pause()
            assert document.decided == 3
            await pilot.press("u")
            await pilot.pause()
            assert document.decided == 2
            await pilot.press("u")
            await pilot.pause()
            assert screen.current == first
            assert document.state(first) == "open" and document.state(claim) == "open"
            assert document.decided == 0
            gold = saved(project)
            assert [(s.start, s.end, s.label) for s in gold.spans] == [SPEAKER]
            assert not gold.rejected
            await pilot.press("u")
            await pilot.pause()
            assert "nothing to undo: no decision made since the document was opened" in (
                notices(app)
            )
            compare = str(screen.query_one("#compare", Static).render())
            assert compare.count("?") >= 4

    asyncio.run(run())


def test_a_click_on_a_candidate_row_selects_it(tmp_path: Path) -> None:
    project = make_project(tmp_path)

    async def run() -> None:
        app = ReviewApp(project)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await opened(app, pilot)
            document = screen.document
            compare = screen.query_one("#compare", Static)
            region = compare.content_region
            target = document.index_of(AIDES)
            assert target is not None and target != screen.current
            line = 1 + target - screen._compare_first  # under the header line
            await pilot.click(offset=(region.x + 10, region.y + line))
            await pilot.pause()
            assert screen.current == target
            await pilot.press("a")
            await pilot.pause()
            keys = {(s.start, s.end, s.label) for s in saved(project).spans}
            assert AIDES in keys

    asyncio.run(run())


def test_a_click_on_a_span_in_the_article_selects_its_candidate(tmp_path: Path) -> None:
    project = make_project(tmp_path)

    async def run() -> None:
        app = ReviewApp(project)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await opened(app, pilot)
            view = screen.query_one(ArticleView)
            target = screen.document.index_of(AIDES)
            assert target is not None and screen.current != target
            region = view.content_region
            x = view.x_of(AIDES[0] + 1)
            y = view.wrapped.row_of(AIDES[0]) - int(view.scroll_offset.y)
            await pilot.click(offset=(region.x + x, region.y + y))
            await pilot.pause()
            assert screen.current == target

    asyncio.run(run())
