"""A key repaints only the rows it changes: counted in render_line calls, not timed.

Every widget of the annotate screen draws rows with ``render_line``; Textual calls it again
only for rows marked dirty. These counts keep a cursor move from repainting the whole article,
the side panel, the title or the key bar (each of which once cost a share of every key).
"""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest.mock import patch

from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget

from annotator.tui.app import AnnotateApp
from annotator.tui.side_panel import GUIDELINE_ROWS

from .conftest import screen_of
from .test_annotate_keys import DOC, run, search

Drawn = Counter[str]


async def rows_drawn(pilot: Pilot[None], app: AnnotateApp, key: str) -> Drawn:
    """Press ``key`` and count the rows each widget of the screen draws for it (with
    ``render_line``, or ``render_padded_line`` where a widget makes finished rows itself)."""
    counts: Drawn = Counter()
    with ExitStack() as patches:
        patched: set[tuple[type, str]] = set()
        for widget in [app.screen, *app.screen.walk_children(Widget)]:
            for name in ("render_line", "render_padded_line"):
                owners = [c for c in type(widget).__mro__ if name in c.__dict__]
                if not owners or (owners[0], name) in patched:
                    continue
                cls = owners[0]
                patched.add((cls, name))
                original = cls.__dict__[name]

                def draw(self: Widget, y: int, *args: Any, _original: Any = original) -> Any:
                    result = _original(self, y, *args)
                    if result is not None:
                        counts[self.id or type(self).__name__] += 1
                    return result

                patches.enter_context(patch.object(cls, name, draw))
        await pilot.pause()
        counts.clear()
        await pilot.press(key)
        await pilot.pause()
    return counts


def test_a_cursor_move_repaints_only_the_rows_it_changes(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        # Right within the first word: its row of the article and the status line.
        counts = await rows_drawn(pilot, app, "l")
        assert counts == Counter({"article": 1, "status": 1})
        # Down: the old and the new cursor row.
        counts = await rows_drawn(pilot, app, "j")
        assert counts == Counter({"article": 2, "status": 1})

    run(project_root, scenario, doc_id=DOC)


def test_tagging_repaints_the_span_the_counts_and_the_new_list_row(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Viktor Halloran")
        counts = await rows_drawn(pilot, app, "1")
        # The span's row of the article, the status line; in the panel the speaker count, the
        # new row of the span list and the guideline (now the speaker's); nothing else.
        assert counts["article"] == 1
        assert counts["status"] == 1
        assert counts["side"] <= 1 + 1 + GUIDELINE_ROWS
        assert set(counts) == {"article", "status", "side"}
        # Moving along inside the span repaints no panel row.
        session = screen_of(app).session
        span = session.current_span()
        assert span is not None and span.end - span.start > 2
        counts = await rows_drawn(pilot, app, "h" if session.cursor > span.start else "l")
        assert span.start <= session.cursor < span.end
        assert counts == Counter({"article": 1, "status": 1})

    run(project_root, scenario, doc_id=DOC)


def test_kept_rows_are_the_rows_textual_draws(project_root: Path) -> None:
    """The screen's widgets keep their finished rows and draw plain rows themselves
    (KeptLinesCache): every widget, scrollbar and padding included, must look exactly as
    Textual's own styles cache draws it, after moves, a tag and a page down."""
    from textual._styles_cache import StylesCache

    from annotator.tui.line_widget import KeptLinesCache

    def compare(app: AnnotateApp) -> set[str]:
        screen = app.screen
        widgets = [screen, *screen.walk_children(Widget)]
        view = screen_of(app).view
        widgets.append(view.vertical_scrollbar)
        checked = set()
        for widget in widgets:
            kept = widget._styles_cache
            if not isinstance(kept, KeptLinesCache) or not widget.size:
                continue
            region = widget.size.region
            ours = widget.render_lines(region)
            assert widget.render_lines(region) is ours  # nothing changed: the same rows
            widget._styles_cache = StylesCache()
            try:
                theirs = widget.render_lines(region)
            finally:
                widget._styles_cache = kept
            assert ours == theirs, widget
            checked.add(widget.id or type(widget).__name__)
        return checked

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        checked = compare(app)
        assert {"article", "side", "status", "keys", "title", "RowScrollBar"} <= checked
        for key in ("l", "j", "w", "pagedown", "shift+right", "1", "pagedown"):
            await pilot.press(key)
            await pilot.pause()
            compare(app)
        # Another theme: every kept row is made again in the new colours.
        before = [line.text for line in app.screen._compositor.render_strips()]
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        compare(app)
        after = app.screen._compositor.render_strips()
        assert [line.text for line in after] == before

    run(project_root, scenario, doc_id=DOC, size=(80, 24))  # small: the article scrolls


def test_status_text_is_cut_as_rich_renders_it() -> None:
    """The status row's quick cut at span edges gives Rich's segments for every kind of
    text: none, one or appended spans, a styled text, gaps, overlapping and nested spans."""
    from rich.console import Console
    from rich.text import Text

    from annotator.tui.text_rows import text_segments

    console = Console()
    texts = [Text(""), Text("plain"), Text("styled", style="bold")]
    status = Text(no_wrap=True, overflow="ellipsis")
    status.append("doc-1 ", style="bold")
    status.append("3/10  ")
    status.append("in progress  ", style="italic")
    status.append("PER", style="bold #ff0000")
    status.append(" ⊂ ", style="dim")
    status.append("saved", style="bold white on red")
    texts.append(status)
    gaps = Text("a gap and another", style="underline")
    gaps.stylize("bold", 2, 5)
    gaps.stylize("green", 10, 17)
    gaps.stylize("red", 12, 12)
    texts.append(gaps)
    nested = Text("nested spans here")
    nested.stylize("bold", 0, 12)
    nested.stylize("italic", 3, 6)
    texts.append(nested)
    for text in texts:
        assert list(text_segments(text, console)) == list(text.render(console, end="")), text


def test_the_article_scrollbar_rows_are_the_rows_textual_draws(project_root: Path) -> None:
    """The article's scrollbar makes its rows from the bar's segments: at every scroll
    position, and hovered or dragged, they are the rows Textual's own path renders."""
    from annotator.tui.line_widget import RowScrollBar

    def rows(bar: Widget, render_line: Any) -> list[Strip]:
        bar.refresh()
        return [render_line(bar, y) for y in range(bar.size.height)]

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        view = screen_of(app).view
        bar = view.vertical_scrollbar
        assert isinstance(bar, RowScrollBar) and bar.size.height > 3
        bottom = int(view.max_scroll_y)
        assert bottom > 5
        for top in sorted({0, 1, 2, bottom // 3, bottom // 2, bottom - 1, bottom}):
            view.scroll_to(y=top, animate=False, immediate=True)
            await pilot.pause()
            for hover, grabbed in ((False, False), (True, False), (False, True)):
                bar.mouse_over, bar.grabbed = hover, grabbed
                ours = rows(bar, RowScrollBar.render_line)
                assert ours == rows(bar, Widget.render_line), (top, hover, grabbed)
        bar.mouse_over, bar.grabbed = False, None

    run(project_root, scenario, doc_id=DOC, size=(80, 24))
