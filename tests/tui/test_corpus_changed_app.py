"""A corpus file changed or removed while the app runs: the document cannot be opened, the app
says why and stays on the document it shows (it used to crash with a traceback, exit 0)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from annotator.tui.app import AnnotateApp

from .conftest import open_app, screen_of


def _try_to_open(app: AnnotateApp, doc_id: str) -> tuple[str, str, list[str]]:
    async def scenario() -> tuple[str, str, list[str]]:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = screen_of(app)
            screen.open_document(doc_id)
            await pilot.pause()
            message = screen.session.message
            notes = [str(notification.message) for notification in app._notifications]
            await pilot.press("w")  # the app still answers keys
            await pilot.pause()
            assert screen.session.cursor > 0
            return screen.session.document.id, message, notes

    return asyncio.run(scenario())


def test_a_corpus_file_changed_on_disk(project_root: Path) -> None:
    app = open_app(project_root, "world/summit-geneva")
    source = project_root / "documents" / "wire-2024-03.jsonl"
    # a feed prepends a document after the corpus was indexed
    source.write_bytes(b'{"id": "new-first", "text": "A new story."}\n' + source.read_bytes())
    shown, message, notes = _try_to_open(app, "court-surveillance-ruling")
    assert shown == "world/summit-geneva"
    assert message.startswith("cannot open court-surveillance-ruling")
    assert any("changed on disk" in note and "start again" in note for note in notes)


def test_a_document_file_removed(project_root: Path) -> None:
    app = open_app(project_root, "world/summit-geneva")
    (project_root / "documents" / "world" / "ceasefire-kell.txt").unlink()
    shown, message, notes = _try_to_open(app, "world/ceasefire-kell")
    assert shown == "world/summit-geneva"
    assert "cannot open world/ceasefire-kell" in message
    assert any("ceasefire-kell.txt" in note for note in notes)
