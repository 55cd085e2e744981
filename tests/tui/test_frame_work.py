"""What a key costs Textual beyond the rows it repaints: messages, scrolls, row building.

Counted, not timed: the rows a key changes reach the screen's next frame without Textual's
two messages per refreshed widget, a move that does not leave the screen does not ask Textual
to scroll, and the article's rows are made finished (filled and padded) in one step.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from unittest.mock import patch

from textual import messages
from textual._compositor import Compositor
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget

from annotator.tui.app import AnnotateApp
from annotator.tui.article_view import ArticleView

from .conftest import open_app, screen_of
from .test_annotate_keys import DOC, run, search


def test_repainted_rows_reach_the_frame_without_update_messages(project_root: Path) -> None:
    import asyncio

    app = open_app(project_root, DOC)
    updates: list[Widget] = []
    framed: Counter[str] = Counter()

    def hook(message: Message) -> None:
        if isinstance(message, messages.Update):
            updates.append(message.widget)

    original = Compositor.update_widgets

    def update_widgets(self: Compositor, widgets: set[Widget]) -> None:
        for widget in widgets:
            framed[widget.id or type(widget).__name__] += 1
        original(self, widgets)

    async def main() -> None:
        async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
            await pilot.pause()
            await search(pilot, "Viktor Halloran")
            with patch.object(Compositor, "update_widgets", update_widgets):
                updates.clear()
                for key in ("1", "l", "j", "pagedown"):
                    framed.clear()
                    await pilot.press(key)
                    await pilot.pause()
                    # The article and the status line changed, and were in the next frame
                    # (the side panel too, for the new span).
                    assert framed["article"] >= 1 and framed["status"] >= 1, (key, framed)
                    assert framed["side"] >= (key == "1"), (key, framed)
                status = str(screen_of(app).query_one("#status").render())
                shown = "\n".join(line.text for line in app.screen._compositor.render_strips())
                assert f"@{screen_of(app).session.cursor}" in status
                assert status.split("  ")[0] in shown
        app.annotations.close()

    asyncio.run(main())
    ours = {"article", "status", "side"}
    assert not [widget for widget in updates if widget.id in ours]


def test_moves_that_stay_on_screen_do_not_scroll(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        view = screen_of(app).view
        await pilot.press("g")  # the start of the document: the top row
        await pilot.pause()
        calls: list[object] = []
        original = ArticleView.scroll_to

        def scroll_to(self: ArticleView, *args: Any, **kwargs: Any) -> None:
            calls.append(kwargs.get("y"))
            original(self, *args, **kwargs)

        with patch.object(ArticleView, "scroll_to", scroll_to):
            for key in ("l", "l", "w", "h", "j", "k"):
                await pilot.press(key)
                await pilot.pause()
            assert calls == []
            assert view.scroll_offset.y == 0
            for _ in range(view.page_rows):  # down past the bottom: now it scrolls
                await pilot.press("j")
            await pilot.pause()
            assert calls and view.scroll_offset.y > 0

    run(project_root, scenario, doc_id=DOC, size=(80, 24))


def test_a_page_down_makes_each_article_row_once_and_finished(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        view = screen_of(app).view
        made: Counter[str] = Counter()
        padded, plain = ArticleView.render_padded_line, ArticleView.render_line

        def render_padded_line(self: ArticleView, *args: Any) -> Any:
            made["padded"] += 1
            return padded(self, *args)

        def render_line(self: ArticleView, y: int) -> Any:
            made["plain"] += 1
            return plain(self, y)

        await pilot.pause()
        with (
            patch.object(ArticleView, "render_padded_line", render_padded_line),
            patch.object(ArticleView, "render_line", render_line),
        ):
            await pilot.press("pagedown")
            await pilot.pause()
        rows = view.scrollable_content_region.height
        assert made == Counter({"padded": rows})

    run(project_root, scenario, doc_id=DOC, size=(80, 24))


def test_columns_of_one_cell_rows_are_the_cell_maps_columns(project_root: Path) -> None:
    """Rows of ASCII text without tabs skip the cell map: column of every offset, offset at
    every column and the row's last cursor offset are what the map gives, and a key that moves
    down the article builds no map for such a row."""

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        view = screen_of(app).view
        wrapped = view.wrapped
        checked = 0
        for row in range(min(40, wrapped.last_row() + 1)):
            start, end = wrapped.row(row)
            if not view._one_cell_each(start, end):
                continue
            checked += 1
            cells = view.cells(row)
            for offset in range(start, end + 1):
                expected = next((c.x for c in cells if c.start <= offset < c.end), None)
                if expected is None:
                    expected = cells[-1].x + cells[-1].width if cells else 0
                assert view.x_of(offset) == expected or wrapped.row_of(offset) != row
            first, last = view._row_range(row)
            for x in range(-2, wrapped.width + 2):
                cell = next((c for c in cells if c.x <= x < c.x + c.width), None)
                assert view.offset_at_row(row, x) == (
                    cell.start if cell else (first if x < 0 else last)
                )
        assert checked > 5
        made: list[int] = []
        from annotator.tui.wrap import row_cells as original

        def row_cells(text: str, start: int, end: int) -> Any:
            if text[start:end].isascii() and "\t" not in text[start:end]:
                made.append(start)  # a map for a row that does not need one
            return original(text, start, end)

        view._cells.clear()
        with patch("annotator.tui.article_view.row_cells", row_cells):
            for key in ("j", "j", "pagedown", "k"):
                await pilot.press(key)
                await pilot.pause()
        assert made == []

    run(project_root, scenario, doc_id=DOC, size=(80, 24))


def test_the_status_line_is_the_text_appending_its_pieces_makes() -> None:
    from rich.text import Text

    from annotator.tui.annotate_screen import _assembled

    pieces: list[tuple[str, str | None]] = [
        ("doc-1 ", "bold"),
        ("3/10  ", None),
        ("", "italic"),
        ("in progress  ", "italic"),
        ("@12", None),
        ("  ", None),
        ("speaker", "bold #ff0000"),
        (" ⊂ ", "dim"),
        ("claim\r\x07", "bold"),
        ("←«quote»", None),
    ]
    appended = Text(no_wrap=True, overflow="ellipsis")
    for piece, style in pieces:
        appended.append(piece, style=style)
    made = _assembled(pieces)
    assert (made.plain, made.spans) == (appended.plain, appended.spans)
    assert (made.no_wrap, made.overflow) == (True, "ellipsis")


def test_keys_run_few_garbage_collections(project_root: Path) -> None:
    """The app collects its youngest generation every 10,000 allocations, not every 700:
    keys (moves, tags, page downs) run few collections."""
    import gc

    from annotator.tui.app import YOUNG_COLLECTION_THRESHOLD

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        collections: list[int] = []

        def counted(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                collections.append(info["generation"])

        await search(pilot, "Viktor Halloran")
        gc.callbacks.append(counted)
        try:
            for key in ("1", "l", "j", "w", "pagedown", "shift+right", "shift+right", "2") * 2:
                await pilot.press(key)
            await pilot.pause()
        finally:
            gc.callbacks.remove(counted)
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
        assert len(collections) <= 1, collections  # 2 at Python's default threshold

    run(project_root, scenario, doc_id=DOC)


def test_status_rows_are_the_segments_of_the_general_path(project_root: Path) -> None:
    """The status line's and the side panel's quick rows (span styles looked up once) are,
    segment for segment, the rows the general path makes, for every kind of text."""
    from rich.text import Text

    from annotator.tui.text_rows import line_segments, quick_segments

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        status = screen_of(app)._status
        base = status.style_of()
        texts = [Text(""), Text("plain"), Text("styled", style="bold"), Text("a\nb")]
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("doc-1 ", style="bold")
        line.append("3/10  ")
        line.append("in progress  ", style="italic")
        line.append("PER", style="bold #ff0000")
        line.append(" ⊂ ", style="dim")
        line.append("宽字符 wide", style="bold")
        line.append("saved", style="bold white on red")
        texts += [line, Text("x" * 200), Text("宽" * 100)]
        nested = Text("nested spans here")
        nested.stylize("bold", 0, 12)
        nested.stylize("italic", 3, 6)
        texts.append(nested)
        for width in (10, 40, 118):
            for text in texts:
                for _ in range(2):  # made, then with the styles already looked up
                    ours = status._segments(text, width, base)
                    assert ours == line_segments(text, width, base, status), (text, width)
        # The side panel's span rows, plain and highlighted, each span of the document.
        side = screen_of(app)._side
        session = screen_of(app).session
        for query in ("Viktor Halloran", "runoff"):
            await search(pilot, query)
            await pilot.press("1" if query.startswith("V") else "2")
        await pilot.pause()
        assert len(session.spans) >= 2
        styles: dict[Any, Any] = {}
        for style in (side.style_of(), side.style_of("side-panel--highlighted")):
            for span in session.spans:
                prompt = side._span_prompt(session, span)
                for width in (8, side.text_width):
                    ours = quick_segments(prompt, width, style, side, styles)
                    assert ours == line_segments(prompt, width, style, side), (span, width)

    run(project_root, scenario, doc_id=DOC)
