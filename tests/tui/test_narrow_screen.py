"""The annotate screen at 80x24: the keys a newcomer needs stay on the key bar, and the status
line keeps what the last key did."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from annotator.tui.app import AnnotateApp
from annotator.tui.key_bar import KeyBar

from .test_annotate_keys import DOC, run, search, status_text


def shown_keys(app: AnnotateApp) -> list[str]:
    bar = app.screen.query_one(KeyBar)
    return [item.description for _x, _width, item in bar._placed]


def test_help_quit_and_done_stay_on_a_narrow_key_bar(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        shown = shown_keys(app)
        assert {"Help", "Quit", "Done"} <= set(shown)
        assert shown[-1] == "Command palette"
        everything = [item.description for item in app.screen.query_one(KeyBar).items]
        assert len(shown) - 1 < len(everything)  # the row is too narrow for every key...
        assert shown[:-1] == [key for key in everything if key in shown]  # ...in their order

    run(project_root, scenario, size=(80, 24))


def test_wide_key_bar_shows_every_key(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        everything = [item.description for item in app.screen.query_one(KeyBar).items]
        assert shown_keys(app) == [*everything, "Command palette"]

    run(project_root, scenario, size=(160, 40))


def test_the_message_of_the_last_key_wins_over_the_spans_under_the_cursor(
    project_root: Path,
) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        assert " new " in status_text(app)  # nothing saved for this document yet
        await search(pilot, "Halloran")
        await pilot.press("1")
        await search(pilot, "The count has been slow because it has been careful")
        await pilot.press("2", "a")
        await pilot.pause()
        await pilot.press("enter")  # the nearest speaker: Halloran
        await pilot.pause()
        line = status_text(app)
        assert "linked" in line and line.endswith("saved")
        assert " in progress " in line
        assert len(line) <= 80

    run(project_root, scenario, doc_id=DOC, size=(80, 24))


def test_the_side_panel_gives_way_to_the_text_on_narrow_terminals(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        side = app.screen.query_one("#side")
        assert side.region.width == 26  # 34 from 100 columns on
        await pilot.resize_terminal(50, 20)
        await pilot.pause()
        assert not side.display
        await pilot.press("s")  # asked for: shown, and kept through resizes
        await pilot.pause()
        assert side.display and side.region.width == 26
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert side.display and side.region.width == 34

    run(project_root, scenario, size=(80, 24))


def test_the_document_list_and_help_say_how_to_close_them_at_80x24(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("ctrl+o")
        await pilot.pause()
        hint = next(
            static for static in app.screen.query(Static) if "Escape closes" in str(static.render())
        )
        assert 0 <= hint.region.y < 24 and hint.region.height == 1
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        first = app.screen.query(Static).first()
        assert "closes" in str(first.render()) and first.region.y < 24

    run(project_root, scenario, size=(80, 24))
