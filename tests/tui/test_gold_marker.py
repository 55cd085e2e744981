"""Editing the gold annotator's file says so on the status line (QA D21: a newcomer who picks
the name in every README example, "gold", edited the adjudicated set without knowing)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from .conftest import open_app


def _status(root: Path, annotator: str) -> str:
    app = open_app(root, annotator=annotator)

    async def scenario() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("w")  # a key: the status line is made again
            await pilot.pause()
            return str(app.screen.query_one("#status").render())

    return asyncio.run(scenario())


def test_the_gold_file_is_marked_on_the_status_line(project_root: Path) -> None:
    gold = _status(project_root, "gold")
    assert gold.startswith(" GOLD  merovia-runoff 1/13")
    assert gold.rstrip().endswith(("saved", "not saved yet"))  # the save state still shown
    assert "GOLD" not in _status(project_root, "tester")
