"""`a` offers every relation type the span can head, each option showing type and target."""

from __future__ import annotations

import asyncio
from pathlib import Path

from annotator.store.project import DEFAULT_CONFIG_TEXT
from annotator.tui.dialogs import LinkPicker

from .conftest import open_app, saved_records
from .test_annotate_keys import search
from .test_article_view import make_project

TEXT = "Mayor Ines Alvo said the new bridge on the Tamsa river would open in May."
ABOUT = """
[[relations]]
name = "about"
key = "o"
head_labels = ["claim"]
tail_labels = ["entity", "event"]
description = "The claim (head) is about the entity or event (tail)."
"""


def test_link_picker_offers_every_relation_type_with_its_targets(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"bridge": TEXT})
    (root / "annotator.toml").write_text(DEFAULT_CONFIG_TEXT + ABOUT, encoding="utf-8")
    app = open_app(root, "bridge")

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await search(pilot, "Ines Alvo")
            await pilot.press("1")
            await search(pilot, "Tamsa river")
            await pilot.press("3")
            await search(pilot, "the new bridge on the Tamsa river would open in May")
            await pilot.press("2", "a")
            await pilot.pause()
            picker = app.screen
            assert isinstance(picker, LinkPicker)
            shown = [str(prompt) for prompt in picker.prompts]
            assert shown == [
                "attributed_to → ↑ speaker Ines Alvo",
                "about → ↓ entity Tamsa river",
                "attributed_to → + new speaker from selection",
                "about → + new entity or event from selection",
            ]
            await pilot.press("down", "enter")  # about → the Tamsa river
            await pilot.pause()
            await pilot.press("a")
            await pilot.pause()
            picker = app.screen
            assert isinstance(picker, LinkPicker)
            assert str(picker.prompts[1]) == "about → ↓ entity Tamsa river  ✓ linked now"
            await pilot.press("enter")  # and attributed_to → Ines Alvo: both kept
            await pilot.pause()
        app.annotations.close()

    asyncio.run(main())
    record = saved_records(root)["bridge"]
    spans = {span["id"]: span["text"] for span in record["spans"]}  # type: ignore[attr-defined]
    links = sorted(
        (relation["label"], spans[relation["head"]], spans[relation["tail"]])
        for relation in record["relations"]  # type: ignore[attr-defined]
    )
    assert links == [
        ("about", "the new bridge on the Tamsa river would open in May", "Tamsa river"),
        ("attributed_to", "the new bridge on the Tamsa river would open in May", "Ines Alvo"),
    ]
