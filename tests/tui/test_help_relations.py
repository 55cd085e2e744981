"""The help screen names the key that makes each relation type: the link action's."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.console import Console
from textual.widgets import Static

from annotator.tui.dialogs import HelpScreen

from .conftest import open_app

CONFIG = """
[[relations]]
name = "attributed_to"
key = "x"
head_labels = ["claim"]
tail_labels = ["speaker"]

[keys]
link = "ctrl+l"
"""


def test_help_shows_the_link_key_for_a_relation_not_its_old_key(project_root: Path) -> None:
    (project_root / "annotator.toml").write_text(CONFIG, encoding="utf-8")  # an older file
    app = open_app(project_root)

    async def scenario() -> str:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            console = Console(width=200, record=True)
            for static in app.screen.query(Static):
                console.print(static.content)
            return console.export_text()

    text = asyncio.run(scenario())
    rows = [line for line in text.splitlines() if "attributed_to" in line]
    assert rows and all(line.split()[0] == "ctrl+l" for line in rows), rows
