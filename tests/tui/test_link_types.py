"""`a` offers every relation type the span can head, each option showing type and target."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from annotator.model.records import AnnotationRecord, Span
from annotator.model.text import text_sha256
from annotator.store.annotations import encode_record
from annotator.store.project import DEFAULT_CONFIG_TEXT
from annotator.tui.annotate_screen import AnnotateScreen
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
                "attributed_to → + new speaker (select it next)",  # nothing selected
                "about → + new entity or event (select it next)",
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


CROWD = " ".join(f"Speaker{n} spoke." for n in range(12)) + " The harbour will reopen in June."


def crowd_record(root: Path) -> None:
    """Twelve speakers tagged, then a claim at the end of the text."""
    spans = [
        Span(id=f"s{n}", start=start, end=start + len(name), label="speaker", text=name)
        for n in range(12)
        for name in [f"Speaker{n}"]
        for start in [CROWD.index(name + " ")]
    ]
    claim = "The harbour will reopen in June"
    start = CROWD.index(claim)
    spans.append(Span(id="c0", start=start, end=start + len(claim), label="claim", text=claim))
    record = AnnotationRecord(
        doc_id="crowd", annotator="tester", text_sha256=text_sha256(CROWD), spans=spans
    )
    (root / "annotations" / "tester.jsonl").write_bytes(encode_record(record))


async def picker_on_the_claim(pilot: Pilot[None]) -> LinkPicker:
    """The link picker of the crowd's claim, opened with ``a``."""
    await pilot.pause()
    await search(pilot, "harbour will")
    await pilot.press("a")
    await pilot.pause()
    picker = pilot.app.screen
    assert isinstance(picker, LinkPicker)
    return picker


def test_the_link_picker_lists_the_nearest_tails_and_the_rest_on_asking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A book holds tens of thousands of speakers: the picker lists the nearest (building a row
    for each of 35,000 took seconds), and its last tail row lists ten times as many."""
    root = make_project(tmp_path / "p", {"crowd": CROWD})
    crowd_record(root)
    monkeypatch.setattr(AnnotateScreen, "LINK_CHOICES", 3)
    app = open_app(root, "crowd")

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            picker = await picker_on_the_claim(pilot)
            assert [str(prompt) for prompt in picker.prompts] == [
                "↑ speaker Speaker11",
                "↑ speaker Speaker10",
                "↑ speaker Speaker9",
                "… 9 more, farther away: list them",
                "+ new speaker from selection",
            ]
            await pilot.press("down", "down", "down", "enter")  # list them
            await pilot.pause()
            picker = app.screen
            assert isinstance(picker, LinkPicker)
            assert len(picker.tails) == 12  # all of them, nearest first
            assert [tail.text for tail in picker.tails[:4]] == [
                "Speaker11",
                "Speaker10",
                "Speaker9",
                "Speaker8",
            ]
            assert "more" not in str(picker.prompts[-2])
            options = picker.query_one(OptionList)
            assert options.highlighted == 3  # the first one not listed before
            await pilot.press("enter")
            await pilot.pause()
        app.annotations.close()

    asyncio.run(main())
    relations = saved_records(root)["crowd"]["relations"]
    assert [(r["head"], r["tail"]) for r in relations] == [("c0", "s8")]  # type: ignore[attr-defined]


def test_listing_more_of_one_relation_type_highlights_its_first_new_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "p", {"crowd": CROWD})
    (root / "annotator.toml").write_text(DEFAULT_CONFIG_TEXT + ABOUT, encoding="utf-8")
    crowd_record(root)
    record = orjson.loads((root / "annotations" / "tester.jsonl").read_bytes())
    for span in record["spans"]:
        if span["label"] == "speaker" and int(span["id"][1:]) % 2:
            span["label"] = "entity"  # six speakers, six entities
    (root / "annotations" / "tester.jsonl").write_bytes(orjson.dumps(record) + b"\n")
    monkeypatch.setattr(AnnotateScreen, "LINK_CHOICES", 2)
    app = open_app(root, "crowd")

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            picker = await picker_on_the_claim(pilot)
            assert [str(prompt) for prompt in picker.prompts] == [
                "attributed_to → ↑ speaker Speaker10",
                "attributed_to → ↑ speaker Speaker8",
                "attributed_to → … 4 more, farther away: list them",
                "about → ↑ entity Speaker11",
                "about → ↑ entity Speaker9",
                "about → … 4 more, farther away: list them",
                "attributed_to → + new speaker from selection",
                "about → + new entity or event from selection",
            ]
            await pilot.press("down", "down", "down", "down", "down", "enter")
            await pilot.pause()
            picker = app.screen
            assert isinstance(picker, LinkPicker)
            highlighted = picker.query_one(OptionList).highlighted
            assert highlighted is not None
            assert str(picker.prompts[highlighted]) == "about → ↑ entity Speaker7"
            await pilot.press("escape")
            await pilot.pause()
        app.annotations.close()

    asyncio.run(main())
