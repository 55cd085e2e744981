"""The side panel's span list is a virtual list: its work does not grow with the span count."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

from annotator.tui.side_panel import SidePanel

from .conftest import open_app, screen_of
from .test_article_view import PARAGRAPH, make_project

LABELS = ("speaker", "claim", "entity", "event")


def record_with_spans(doc_id: str, text: str) -> dict[str, object]:
    """A span on every word that starts a paragraph and on the sentence after it (overlaps)."""
    spans: list[dict[str, object]] = []
    start = 0
    while start < len(text):
        word_end = text.index(" ", start)
        sentence_end = text.index(",", start)
        for end, label in ((word_end, LABELS[len(spans) % 4]), (sentence_end, "claim")):
            spans.append(
                {
                    "id": f"s{len(spans) + 1}",
                    "start": start,
                    "end": end,
                    "label": label,
                    "text": text[start:end],
                }
            )
        start += len(PARAGRAPH)
    return {
        "doc_id": doc_id,
        "annotator": "tester",
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "spans": spans,
        "status": "in_progress",
    }


def span_list_work(root: Path, doc_id: str) -> tuple[int, int, int, list[int]]:
    """(spans, rows drawn for the first frame, rows on screen, rows drawn per key)."""
    app = open_app(root, doc_id)
    drawn: list[int] = []

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            panel = app.screen.query_one(SidePanel)
            first = panel.span_render_count
            for key in ("tab", "tab", "j", "tab", "shift+tab", "2"):
                before = panel.span_render_count
                await pilot.press(key)
                await pilot.pause()
                drawn.append(panel.span_render_count - before)
            drawn.insert(0, first)
            drawn.insert(1, panel.rows.span_rows)
            drawn.insert(0, len(screen_of(app).session.spans))
        app.annotations.close()

    asyncio.run(main())
    return drawn[0], drawn[1], drawn[2], drawn[3:]


def test_span_list_draws_only_visible_rows_on_small_and_huge_documents(tmp_path: Path) -> None:
    small = PARAGRAPH * (10_000 // len(PARAGRAPH))
    huge = PARAGRAPH * (5_000_000 // len(PARAGRAPH))
    root = make_project(tmp_path / "p", {"small": small, "huge": huge})
    with (root / "annotations" / "tester.jsonl").open("w", encoding="utf-8") as handle:
        for doc_id, text in (("small", small), ("huge", huge)):
            handle.write(json.dumps(record_with_spans(doc_id, text)) + "\n")
    small_spans, small_first, height, small_keys = span_list_work(root, "small")
    huge_spans, huge_first, _, huge_keys = span_list_work(root, "huge")
    assert huge_spans > 50_000 and small_spans > 2 * height
    # The first frame draws the rows on screen, not the 50,000 spans.
    assert small_first <= 2 * height
    assert huge_first == small_first
    # A key draws at most the rows of the list (a tag shifts the rows below the new span).
    assert all(count <= height for count in small_keys)
    assert huge_keys == small_keys
