"""Going to another document and back keeps the undo history (an accidental ``]`` must not
cost it), and the time spent away is not counted on the document left."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from annotator.tui.app import AnnotateApp

from .conftest import FakeClock, saved_records, saved_spans, screen_of
from .test_annotate_keys import DOC, run, search


def test_undo_after_going_to_the_next_document_and_back(project_root: Path) -> None:
    clock = FakeClock()

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Halloran")
        clock.now += 5
        await pilot.press("1")
        assert saved_spans(project_root, DOC) == [("speaker", "Halloran")]
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen_of(app).session.document.id != DOC
        clock.now += 40  # working on the other document
        await pilot.press("w")
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen_of(app).session.document.id == DOC
        clock.now += 2
        await pilot.press("u")
        await pilot.pause()
        assert saved_spans(project_root, DOC) == []
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert saved_spans(project_root, DOC) == [("speaker", "Halloran")]

    run(project_root, scenario, clock=clock)
    seconds = saved_records(project_root)[DOC]["seconds_spent"]
    assert isinstance(seconds, float) and seconds < 20  # the 40 s away are not in it


def test_done_opens_the_next_document_not_set_aside(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        ids = screen_of(app).doc_ids
        await pilot.press("right_square_bracket")
        await pilot.pause()
        await pilot.press("ctrl+k")  # skip the second document: the third opens
        await pilot.pause()
        assert screen_of(app).session.document.id == ids[2]
        await pilot.press("left_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert screen_of(app).session.document.id == ids[0]
        await pilot.press("ctrl+d")  # done: the next is the third, not the skipped second
        await pilot.pause()
        assert screen_of(app).session.document.id == ids[2]

    run(project_root, scenario)
