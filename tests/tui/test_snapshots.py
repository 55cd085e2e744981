"""Snapshots of the main screens (``pytest --snapshot-update`` after an intended change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from annotator.model.session import EditingSession
from annotator.store.project import Project

from .conftest import open_app

SIZE = (110, 32)


def tag_some(root: Path) -> None:
    """Save a record with a claim holding a speaker and an entity, and a linked quote.

    Built with the editing session (no typing), so the snapshots stay quick to take.
    """
    project = Project(root)
    document = project.corpus.get("merovia-runoff")
    session = EditingSession(document, project.config, "tester")
    for phrase, label in [
        ("former central bank governor Irena Vashti had", "claim"),
        ("Irena Vashti", "speaker"),
        ("central bank", "entity"),
        ("Viktor Halloran", "speaker"),
        ("The count has been slow because it has been careful", "claim"),
    ]:
        assert session.search(phrase)
        session.tag(label)
    claim = session.current_span()
    assert claim is not None
    halloran = next(span for span in session.spans if span.text == "Viktor Halloran")
    session.link(claim.id, halloran.id, "attributed_to")
    session.move_to(claim.start + 4)
    with project.annotations("tester", writable=True) as annotations:
        annotations.save(session.to_record())


def test_main_screen(snap_compare: Any, sample_project: Path) -> None:
    tag_some(sample_project)
    assert snap_compare(open_app(sample_project), terminal_size=SIZE)


def test_link_picker(snap_compare: Any, sample_project: Path) -> None:
    tag_some(sample_project)

    async def run_before(pilot: Pilot[Any]) -> None:
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
