"""Snapshots of the main screens (``pytest --snapshot-update`` after an intended change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from .conftest import open_app

SIZE = (110, 32)


async def tag_some(pilot: Pilot[Any]) -> None:
    """A claim holding a speaker and an entity, plus a linked quote: overlaps on screen."""
    keys = [
        "slash",
        *"former central bank governor Irena Vashti had",
        "enter",
        "2",
        "slash",
        *"Irena Vashti",
        "enter",
        "1",
        "slash",
        *"central bank",
        "enter",
        "3",
        "slash",
        *"The count has been slow because it has been careful",
        "enter",
        "2",
        "slash",
        *"Viktor Halloran",
        "enter",
        "1",
        "slash",
        *"The count",
        "enter",
    ]
    await pilot.press(*keys)
    await pilot.pause()


def test_main_screen(snap_compare: Any, sample_project: Path) -> None:
    assert snap_compare(open_app(sample_project), terminal_size=SIZE, run_before=tag_some)


def test_link_picker(snap_compare: Any, sample_project: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await tag_some(pilot)
        await pilot.press("a")
        await pilot.pause()

    assert snap_compare(open_app(sample_project), terminal_size=SIZE, run_before=run_before)


def test_document_list(snap_compare: Any, sample_project: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+d", "ctrl+k")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()

    assert snap_compare(open_app(sample_project), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare: Any, sample_project: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(open_app(sample_project), terminal_size=SIZE, run_before=run_before)
