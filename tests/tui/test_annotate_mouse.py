"""Mouse actions: click, drag, double click in the text; span list and legend in the side panel."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from annotator.tui.app import AnnotateApp
from annotator.tui.article_view import ArticleView
from annotator.tui.dialogs import LinkPicker
from annotator.tui.doc_list import DocumentList, DocumentOptions, FilterBar
from annotator.tui.side_panel import SidePanel

from .conftest import saved_records, saved_spans, screen_of
from .test_annotate_keys import DOC, run, search

PAD = 1
"""The article view's left padding: content column 0 is widget column 1."""


def test_click_places_cursor_drag_selects_snapped_double_click_selects_word(
    project_root: Path,
) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        session = screen_of(app).session
        view = app.screen.query_one(ArticleView)
        text = session.text
        start = text.index("With 98 percent of ballots counted")
        row = view.wrapped.row_of(start)
        assert view.wrapped.starts[row] == start
        await pilot.click(ArticleView, offset=(PAD + 8, row))
        assert session.cursor == start + 8
        assert view.cursor == start + 8
        # Drag from inside "percent" to inside "ballots": snapped to whole words.
        await pilot.mouse_down(ArticleView, offset=(PAD + 10, row))
        await pilot.hover(ArticleView, offset=(PAD + 22, row))
        await pilot.mouse_up(ArticleView, offset=(PAD + 22, row))
        await pilot.pause()
        selection = session.selection()
        assert selection is not None
        assert text[selection[0] : selection[1]] == "percent of ballots"
        assert view.selection == selection
        await pilot.press("2")
        assert saved_spans(project_root, DOC) == [("claim", "percent of ballots")]
        # Double click: the word.
        await pilot.click(ArticleView, offset=(PAD + 30, row), times=2)
        await pilot.pause()
        selection = session.selection()
        assert selection is not None
        assert text[selection[0] : selection[1]] == "counted"

    run(project_root, scenario)


def test_click_span_in_side_panel_jumps_and_legend_applies_label(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        session = screen_of(app).session
        await search(pilot, "Sofia Marrant")
        await pilot.press("1", "g")
        assert session.cursor == 0
        panel = app.screen.query_one(SidePanel)
        await pilot.click(SidePanel, offset=panel.span_offset(0))
        await pilot.pause()
        assert session.cursor == session.text.index("Sofia Marrant")
        assert session.current_span().text == "Sofia Marrant"  # type: ignore[union-attr]
        # Select a word with the keyboard, then apply "entity" from the legend.
        await search(pilot, "Coalition for Democratic Elections")
        await pilot.click(SidePanel, offset=panel.legend_offset("entity"))
        await pilot.pause()
        assert ("entity", "Coalition for Democratic Elections") in saved_spans(project_root, DOC)

    run(project_root, scenario)


def test_link_by_mouse_in_the_picker(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Sofia Marrant")
        await pilot.press("1")
        await search(pilot, "Halloran")
        await pilot.press("1")
        await search(pilot, "almost certainly discouraged some voters")
        await pilot.press("2", "a")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, LinkPicker)
        assert [tail.text for tail in picker.tails] == ["Sofia Marrant", "Halloran"]
        await pilot.click("#link-options", offset=(4, 2))  # the second option (border row 0)
        await pilot.pause()
        record = saved_records(project_root)[DOC]
        spans = {s["id"]: s["text"] for s in record["spans"]}  # type: ignore[attr-defined]
        [relation] = record["relations"]  # type: ignore[misc]
        assert spans[relation["tail"]] == "Halloran"

    run(project_root, scenario)


def test_click_a_document_in_the_document_list_opens_it(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("ctrl+o")
        await pilot.pause()
        doc_list = app.screen
        assert isinstance(doc_list, DocumentList)
        wanted = doc_list._shown[3].doc_id
        assert wanted != screen_of(app).session.document.id
        # Row 0 of the widget is its top border: the fourth document is on row 4.
        await pilot.click(DocumentOptions, offset=(5, 0))
        await pilot.pause()
        assert app.screen is doc_list  # a click on the border opens nothing
        await pilot.click(DocumentOptions, offset=(5, 4))
        await pilot.pause()
        assert not isinstance(app.screen, DocumentList)
        assert screen_of(app).session.document.id == wanted

    run(project_root, scenario)


def test_click_a_status_filter_in_the_document_list_selects_it(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("ctrl+d")  # the first document done: the others move on
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        doc_list = app.screen
        assert isinstance(doc_list, DocumentList)
        bar = doc_list.query_one(FilterBar)
        assert len(doc_list._shown) == 13
        # The tabs read " all  todo  new  in progress  done ...": column 31 is in " done ".
        await pilot.click(FilterBar, offset=(31, 0))
        await pilot.pause()
        assert doc_list.status_filter == "done" and bar.active == "done"
        assert [row.doc_id for row in doc_list._shown] == [DOC]
        await pilot.click(FilterBar, offset=(1, 0))  # " all "
        await pilot.pause()
        assert doc_list.status_filter == "all" and len(doc_list._shown) == 13

    run(project_root, scenario)
