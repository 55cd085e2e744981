"""Every accepted hostile document of tests/reliability/hostile.py in the real app, headless.

For each one: the whole screen goes through the compositor and the terminal output holds nothing
from the article but printable text (only Textual's own colour and cursor-position sequences),
the keys that move, tag, select, undo and redo work, and every saved span's text is exactly the
document's text between its offsets.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from reliability.hostile import HostileCase, cases
from rich.console import Console
from textual.pilot import Pilot

from annotator.model.records import AnnotationRecord
from annotator.model.validate import check_record
from annotator.store.project import Project
from annotator.tui.app import AnnotateApp

from .conftest import open_app, saved_records, screen_of

OWN_SEQUENCE = re.compile(r"\x1b\[[0-9;]*m|\x1b\[[0-9]+;[0-9]+H")
"""What Textual itself writes: colours (SGR) and cursor positions. Nothing else may appear."""
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters (newline aside), C1 codes, bidi overrides and isolates."""

EXTRA_DOCUMENTS = [
    {
        "id": "esc-id-\x1b]0;pwned\x07",
        "title": "\x1b[2J[bold]Title[/] \x1b]8;;https://example.invalid/\x1b\\link\x1b]8;;\x1b\\",
        "text": "Body with an OSC 52 write \x1b]52;c;cm0gLXJmIH4=\x07 and a \x9b2J C1 CSI.",
    },
    {"id": "[@click=app.quit]q[/]", "title": "[$accent]x[/]", "text": "Markup in the id."},
]


def accepted_document_cases() -> list[HostileCase]:
    """The hostile documents the program accepts (the refused ones never reach the app)."""
    return [case for case in cases() if case.accepted and case.name.startswith(("txt-", "name-"))]


def make_hostile_project(root: Path) -> Path:
    (root / "annotations").mkdir(parents=True)
    for case in accepted_document_cases():
        case.layout(root)
    with (root / "documents" / "extra.jsonl").open("w", encoding="utf-8") as handle:
        for document in EXTRA_DOCUMENTS:
            handle.write(json.dumps(document) + "\n")
    return root


def terminal_output(app: AnnotateApp) -> str:
    return app.screen._compositor.render_full_update().render_segments(Console())


def assert_output_safe(output: str, doc_id: str) -> None:
    leftover = OWN_SEQUENCE.sub("", output)
    found = UNSAFE.search(leftover)
    assert found is None, (doc_id, repr(leftover[max(0, found.start() - 20) : found.end() + 20]))
    assert "\x1b" not in leftover, doc_id


async def exercise(pilot: Pilot[None], app: AnnotateApp, doc_id: str) -> None:
    screen = screen_of(app)
    screen.open_document(doc_id)
    await pilot.pause()
    session = screen.session
    assert session.document.id == doc_id
    assert_output_safe(terminal_output(app), doc_id)
    has_word = bool(session.tokens.starts)
    # Tag the first word, then a selection at the end made with v and b (word snapped).
    await pilot.press("g", "w", "3", "G", "v", "b", "b", "2")
    if has_word:
        assert session.spans, doc_id
    else:
        assert session.spans == [] and "nothing to tag" in session.message, doc_id
    tagged = list(session.spans)
    await pilot.press("u")
    assert len(session.spans) == max(0, len(tagged) - 1), doc_id
    await pilot.press("ctrl+r", "j")
    await pilot.pause()
    assert session.spans == tagged, doc_id
    assert_output_safe(terminal_output(app), doc_id)
    assert app.return_code is None, doc_id  # no markup became a live quit link


def test_every_hostile_document_is_safe_editable_and_round_trips(tmp_path: Path) -> None:
    root = make_hostile_project(tmp_path / "hostile")
    project = Project(root)
    doc_ids = project.corpus.ids()
    expected_texts = {
        case.name[len("txt-") :]: case.text for case in accepted_document_cases() if case.text
    }
    assert len(doc_ids) >= len(expected_texts) + len(EXTRA_DOCUMENTS)
    app = open_app(root, doc_ids[0])

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            for doc_id in doc_ids:
                await exercise(pilot, app, doc_id)
        app.annotations.close()

    asyncio.run(main())

    records = saved_records(root)
    tagged = 0
    for doc_id in doc_ids:
        text = project.corpus.get(doc_id).text
        if doc_id in expected_texts:
            assert text == expected_texts[doc_id], doc_id
        if doc_id not in records:
            assert not text.split(), doc_id  # only an empty or blank document saves nothing
            continue
        record = AnnotationRecord.model_validate(records[doc_id])
        assert check_record(record, text, project.config) == [], doc_id
        for span in record.spans:
            assert span.text == text[span.start : span.end], doc_id
        tagged += bool(record.spans)
    assert tagged >= len(doc_ids) - 3  # every document with a word got its spans
