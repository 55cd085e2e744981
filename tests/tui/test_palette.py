"""The command palette of the annotate screen: every action before anything is typed, and an
action found by the name annotator.toml's [keys] uses."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList
from textual.pilot import Pilot

from annotator.tui.app import AnnotateApp

from .conftest import screen_of
from .test_annotate_keys import run


def listed(app: AnnotateApp) -> list[str]:
    found = app.screen.query(CommandList)
    if not found:
        return []
    results = found.first()
    return [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]


async def wait_for_list(pilot: Pilot[None], app: AnnotateApp, expected: str) -> list[str]:
    for _ in range(40):
        await pilot.pause(0.05)
        shown = listed(app)
        if any(expected in line for line in shown):
            return shown
    return listed(app)


def test_the_palette_lists_the_actions_before_anything_is_typed(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("ctrl+p")
        shown = await wait_for_list(pilot, app, "Next document")
        assert any(line.startswith("Next document  (])") for line in shown)
        assert any(line.startswith("Tag as speaker  (1)") for line in shown)

    run(project_root, scenario)


def test_an_action_is_found_by_its_name(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"next_doc")
        shown = await wait_for_list(pilot, app, "Next document")
        assert shown and shown[0].startswith("Next document")
        await pilot.press("enter")
        await pilot.pause()
        assert screen_of(app).session.document.id == screen_of(app).doc_ids[1]

    run(project_root, scenario)


def test_bindings_say_each_description_once() -> None:
    """The Keys panel shows a binding's description and then its tooltip: the tooltip is
    only there when it says more than the short description."""
    from annotator.model.config import ProjectConfig
    from annotator.tui.keys import bindings_for

    by_id = {binding.id: binding for binding in bindings_for(ProjectConfig())}
    assert (by_id["tag_speaker"].description, by_id["tag_speaker"].tooltip) == (
        "Tag as speaker",
        "",
    )
    assert (by_id["visual"].description, by_id["visual"].tooltip) == (
        "Select",
        "Start a selection at the cursor",
    )
