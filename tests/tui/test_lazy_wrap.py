"""A big article is wrapped as far as the screen needs: the first frame wraps a bounded part,
and moves anywhere (the end included) land on the right rows."""

from __future__ import annotations

import asyncio
from pathlib import Path

from annotator.tui.article_view import ArticleView
from annotator.tui.wrap import WrappedText

from .conftest import open_app, screen_of
from .test_article_view import PARAGRAPH, make_project


def test_rows_made_on_demand_are_the_rows_of_a_whole_wrap() -> None:
    text = (PARAGRAPH + "東京都の天気は晴れです。\tTabbed 👩‍👩‍👧 end\n") * 3_000
    whole = WrappedText(text, 37)
    pairs = list(zip(whole.starts, whole.ends, strict=True))
    lazy = WrappedText(text, 37)
    lazy.CHUNK = 500
    assert lazy.row_of(100) == 2 and not lazy.complete
    assert lazy.wrapped_chars < 1_000
    for row in (10, 3_000, 1_000, len(pairs) - 1):
        assert lazy.has_row(row) and lazy.row(row) == pairs[row]
    assert not lazy.has_row(len(pairs))
    assert lazy.complete and len(lazy) == len(pairs)
    for offset in range(0, len(text), len(text) // 7):
        assert WrappedText(text, 37).row_of(offset) == whole.row_of(offset)


def test_opening_a_big_article_wraps_a_bounded_part_and_going_to_the_end_is_right(
    tmp_path: Path,
) -> None:
    text = PARAGRAPH * (2_000_000 // len(PARAGRAPH))
    root = make_project(tmp_path / "p", {"big": text})
    app = open_app(root, "big")

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            view = app.screen.query_one(ArticleView)
            assert view.wrapped.wrapped_chars <= 2 * WrappedText.CHUNK  # not 2 MB
            estimate = view.virtual_size.height
            await pilot.press("G")
            await pilot.pause()
            session = screen_of(app).session
            assert session.cursor == len(text) - 1
            rows = len(view.wrapped)
            assert view.virtual_size.height == rows  # exact now
            assert abs(estimate - rows) < rows // 20  # the guess was close
            last = view.wrapped.row_of(session.cursor)
            top = int(view.scroll_offset.y)
            assert top <= last < top + view.scrollable_content_region.height
            await pilot.press("g")
            await pilot.pause()
            assert session.cursor == 0 and int(view.scroll_offset.y) == 0
        app.annotations.close()

    asyncio.run(main())
