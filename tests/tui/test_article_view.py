"""The article view: repaint cost per keystroke, hostile text through the compositor, wrapping."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from rich.console import Console

from annotator.tui.article_view import ArticleView
from annotator.tui.wrap import WrappedText, row_cells

from .conftest import open_app, screen_of


def make_project(root: Path, documents: dict[str, str]) -> Path:
    (root / "documents").mkdir(parents=True)
    (root / "annotations").mkdir()
    with (root / "documents" / "docs.jsonl").open("w", encoding="utf-8") as handle:
        for doc_id, text in documents.items():
            handle.write(json.dumps({"id": doc_id, "title": doc_id, "text": text}) + "\n")
    return root


PARAGRAPH = (
    "The harbour authority said on Tuesday that the eastern quay would reopen next week after "
    "repairs, and that ferries to the islands would run on the summer timetable from June.\n\n"
)


def repaint_counts(root: Path, doc_id: str) -> list[tuple[int, int]]:
    """(render_line calls, rows the cursor left or entered) for each of a few cursor keys."""
    app = open_app(root, doc_id)
    counts: list[tuple[int, int]] = []

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            view = app.screen.query_one(ArticleView)
            await pilot.press("j", "j")
            await pilot.pause()
            session = screen_of(app).session
            for key in ("l", "w", "j", "k", "b", "h", "e", "j"):
                before = view.render_count
                row_before = view.wrapped.row_of(session.cursor)
                await pilot.press(key)
                await pilot.pause()
                rows = {row_before, view.wrapped.row_of(session.cursor)}
                counts.append((view.render_count - before, len(rows)))
            assert screen_of(app).session.cursor > 0
        app.annotations.close()

    asyncio.run(main())
    return counts


def test_cursor_keys_repaint_only_changed_rows_on_small_and_huge_documents(tmp_path: Path) -> None:
    small = PARAGRAPH * (10_000 // len(PARAGRAPH))
    huge = PARAGRAPH * (5_000_000 // len(PARAGRAPH))
    assert len(huge) > 4_900_000
    root = make_project(tmp_path / "p", {"small": small, "huge": huge})
    small_counts = repaint_counts(root, "small")
    huge_counts = repaint_counts(root, "huge")
    # Moving within a row repaints that row; moving between rows repaints the two rows.
    for rendered, changed_rows in small_counts:
        assert rendered <= changed_rows
    assert [rendered for rendered, _ in small_counts] == [1, 1, 2, 2, 1, 2, 0, 2]
    assert huge_counts == small_counts


HOSTILE = (
    "Markup [bold]stays[/bold] literal and [@click=app.quit]this[/] is no link.\n\n"
    "Escape \x1b[2J here and \x1b]0;title\x07 there; bidi \u202eevil\u202c text.\n\n"
    "Wide 東京都 and 👩‍👩‍👧 family\tand a tab."
)


def test_hostile_text_is_shown_literally_and_safely_with_highlights_on_the_right_cells(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "p", {"hostile": HOSTILE})
    app = open_app(root, "hostile")

    async def main() -> None:
        async with app.run_test(size=(100, 24)) as pilot:
            await pilot.pause()
            await pilot.press("slash", *"東京都", "enter", "3")  # entity: underline, green
            await pilot.press("slash", *"[bold]stays", "enter", "2")  # claim: background
            await pilot.pause()
            screen = app.screen
            output = screen._compositor.render_full_update().render_segments(Console())
            # No raw escape sequence from the article reached the terminal output.
            assert "\x1b[2J" not in output
            assert "\x1b]0;title" not in output
            assert "\u202e" not in output
            strips = screen._compositor.render_strips()
            lines = ["".join(segment.text for segment in strip) for strip in strips]
            screen_text = "\n".join(lines)
            assert "[bold]stays[/bold]" in screen_text
            assert "[@click=app.quit]this[/]" in screen_text
            assert "␛[2J" in screen_text  # shown as a visible control picture
            view = screen.query_one(ArticleView)
            region = view.content_region
            text = screen_of(app).session.text
            # The entity "東京都" (6 cells after "Wide ") is underlined on exactly its cells.
            offset = text.index("東京都")
            row = view.wrapped.row_of(offset)
            y = region.y + row - int(view.scroll_offset.y)
            x0 = region.x + view.x_of(offset)
            assert view.x_of(offset) == 5
            styles = [screen.get_style_at(x, y) for x in range(x0 - 1, x0 + 7)]
            assert [bool(style.underline) for style in styles] == [False] + [True] * 6 + [False]
            # The claim "[bold]stays" has a background tint the plain text next to it lacks.
            offset = text.index("[bold]stays")
            row = view.wrapped.row_of(offset)
            y = region.y + row - int(view.scroll_offset.y)
            x0 = region.x + view.x_of(offset)
            inside = screen.get_style_at(x0 + 3, y).bgcolor
            outside = screen.get_style_at(x0 - 2, y).bgcolor
            assert inside != outside
            # The family emoji is one 2-cell grapheme; the cursor never lands inside it.
            family = text.index("👩")
            cells = view.cells(view.wrapped.row_of(family))
            [cell] = [c for c in cells if c.start == family]
            assert (cell.end - cell.start, cell.width) == (5, 2)
            assert app.return_code is None  # the [@click=app.quit] text did not quit

        app.annotations.close()

    asyncio.run(main())


def test_overlapping_spans_use_distinct_channels(tmp_path: Path) -> None:
    """A claim containing a speaker and an entity: three different looks on the same row."""
    text = "Minister Ana Kell said the port would reopen soon. Later news."
    root = make_project(tmp_path / "p", {"d": text})
    app = open_app(root, "d")

    async def main() -> None:
        async with app.run_test(size=(100, 24)) as pilot:
            await pilot.pause()
            await pilot.press("v", *"wwwwwwwww", "2")  # claim: the first sentence
            await pilot.press("g", "1")  # speaker "Minister"
            await pilot.press("slash", *"Ana Kell", "enter", "3")  # entity
            await pilot.press("slash", *"news", "enter")  # move the cursor away
            await pilot.pause()
            screen = app.screen
            view = screen.query_one(ArticleView)
            y = view.content_region.y
            x0 = view.content_region.x
            speaker = screen.get_style_at(x0 + 1, y)
            entity = screen.get_style_at(x0 + 10, y)
            claim_only = screen.get_style_at(x0 + 19, y)
            assert speaker.bold and not speaker.underline
            assert entity.underline and not entity.bold
            assert not claim_only.bold and not claim_only.underline
            # All three carry the claim's background tint.
            assert speaker.bgcolor == entity.bgcolor == claim_only.bgcolor
            assert speaker.color != entity.color

        app.annotations.close()

    asyncio.run(main())


def test_wrap_respects_width_and_keeps_every_offset_on_one_row() -> None:
    text = (
        "Alpha beta gamma delta\n\n東京都の天気は晴れです。長い文章が続きます。\tTabbed 👩‍👩‍👧 end"
    )
    wrapped = WrappedText(text, 12)
    for start, end in zip(wrapped.starts, wrapped.ends, strict=True):
        cells = row_cells(text, start, end)
        assert sum(cell.width for cell in cells) <= 12
    covered = [i for s, e in zip(wrapped.starts, wrapped.ends, strict=True) for i in range(s, e)]
    newlines = [i for i, char in enumerate(text) if char == "\n"]
    assert sorted(covered + newlines) == list(range(len(text)))


def test_tabs_are_cells_of_their_own_expanded_to_spaces() -> None:
    """Rich joins a tab to the grapheme before it; drawn as is, a raw tab would reach the
    terminal and shift every later column of the row."""
    text = "col1\tcol2\t\tcol4 東\tx"
    cells = row_cells(text, 0, len(text))
    assert all("\t" not in cell.text for cell in cells)
    tabs = [cell for cell in cells if text[cell.start] == "\t"]
    assert [(cell.x, cell.width) for cell in tabs] == [(4, 4), (12, 4), (16, 4), (27, 1)]
    assert "".join(cell.text for cell in cells) == "col1    col2        col4 東 x"
    assert sum(cell.width for cell in cells) == 29
