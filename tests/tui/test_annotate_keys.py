"""Every key of the annotate screen, on real sample documents, checked in the saved JSONL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from annotator.tui.app import AnnotateApp
from annotator.tui.article_view import ArticleView
from annotator.tui.dialogs import HelpScreen, LinkPicker, NoteDialog
from annotator.tui.doc_list import DocumentList
from annotator.tui.side_panel import SidePanel

from .conftest import FakeClock, open_app, saved_records, saved_spans, screen_of

DOC = "merovia-runoff"

Scenario = Callable[[Pilot[None], AnnotateApp], Awaitable[None]]


def run(
    root: Path,
    scenario: Scenario,
    *,
    doc_id: str | None = DOC,
    size=(120, 40),
    clock: FakeClock | None = None,
) -> AnnotateApp:
    app = open_app(root, doc_id, clock=clock)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot, app)
        app.annotations.close()

    asyncio.run(main())
    return app


async def search(pilot: Pilot[None], text: str) -> None:
    """``/``, the text as a terminal paste (quicker than key by key), Enter."""
    await pilot.press("slash")
    focused = pilot.app.focused or pilot.app.screen
    focused.post_message(events.Paste(text))
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


def status_text(app: AnnotateApp) -> str:
    return str(app.screen.query_one("#status").render())


def test_search_then_tag_saves_immediately_and_status_says_saved(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Viktor Halloran")
        await pilot.press("1")
        await pilot.pause()
        assert saved_spans(project_root, DOC) == [("speaker", "Viktor Halloran")]
        assert "saved" in status_text(app)
        assert "speaker" in status_text(app)

    run(project_root, scenario)


def test_keys_typed_right_after_slash_go_to_the_search_box(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("slash", "s", "a", "i", "d", "enter", "3")
        await pilot.pause()
        assert saved_spans(project_root, DOC) == [("entity", "said")]
        assert not app.screen.query_one(SidePanel).has_class("-hidden")

    run(project_root, scenario)


def test_cursor_moves(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        session = screen_of(app).session
        text = session.text
        await pilot.press("l", "right")
        assert session.cursor == 2
        await pilot.press("h", "left")
        assert session.cursor == 0
        await pilot.press("w")
        assert session.cursor == text.index("ALDER")
        await pilot.press("b")
        assert session.cursor == 0
        await pilot.press("right_curly_bracket")
        assert session.cursor == text.index("With 98")
        await pilot.press("left_curly_bracket")
        assert session.cursor == 0
        await pilot.press("G")
        assert session.cursor == len(text) - 1
        await pilot.press("g")
        assert session.cursor == 0
        await pilot.press("end")
        view = app.screen.query_one(ArticleView)
        first_row_end = view.wrapped.ends[0]
        assert session.cursor == first_row_end - 1  # the row's last character (a space)
        await pilot.press("home")
        assert session.cursor == 0
        await pilot.press("j", "down")
        assert view.wrapped.row_of(session.cursor) == 2
        await pilot.press("k")
        assert view.wrapped.row_of(session.cursor) == 1
        await pilot.press("up")
        assert session.cursor == 0
        await pilot.press("pagedown")
        last_row = view.wrapped.row_of(len(text) - 1)
        assert view.wrapped.row_of(session.cursor) == min(view.page_rows, last_row)
        await pilot.press("pageup")
        assert session.cursor == 0
        await pilot.pause()
        assert "@0" in status_text(app)

    run(project_root, scenario)


def test_selection_keys_snap_to_words_and_toggle_to_characters(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        session = screen_of(app).session
        await pilot.press("shift+right")
        assert session.selection() == (0, 4)  # "PORT", snapped to the word
        await pilot.press("escape")
        assert session.selection() is None
        await pilot.press("c", "shift+right", "shift+right")
        assert session.selection() == (1, 4)  # from the cursor (left on R), characters only
        await pilot.press("escape", "c", "v", "w", "w")
        assert session.selection() == (0, len("PORT ALDER,"))
        await pilot.press("escape", "W", "B", "L", "H")
        assert session.selection() is not None
        await pilot.press("escape", "g", "shift+end")
        start, end = session.selection() or (0, 0)
        assert start == 0 and end > 60
        await pilot.press("escape", "J")
        assert session.selection() is not None
        await pilot.press("K", "shift+down", "shift+up", "shift+home", "shift+pagedown")
        assert session.selection() is not None
        await pilot.press("shift+pageup", "shift+left")
        await pilot.pause()
        assert "sel" in status_text(app) or session.selection() is None

    run(project_root, scenario)


def test_tag_toggle_and_different_labels_on_one_extent(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await search(pilot, "Irena Vashti")
        await pilot.press("3")
        assert sorted(saved_spans(project_root, DOC)) == [
            ("entity", "Irena Vashti"),
            ("speaker", "Irena Vashti"),
        ]
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await pilot.pause()
        assert saved_spans(project_root, DOC) == [("entity", "Irena Vashti")]
        # No selection: the word under the cursor.
        await pilot.press("g", "4")
        assert saved_spans(project_root, DOC)[0] == ("event", "PORT")

    run(project_root, scenario)


def test_new_span_is_current_so_edge_keys_and_delete_act_on_it(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Central")
        await pilot.press("3", "greater_than_sign", "greater_than_sign")
        assert saved_spans(project_root, DOC) == [("entity", "Central Electoral Commission")]
        await pilot.press("less_than_sign")
        assert saved_spans(project_root, DOC) == [("entity", "Central Electoral")]
        await pilot.press("comma")
        assert saved_spans(project_root, DOC) == [("entity", "the Central Electoral")]
        await pilot.press("full_stop")
        assert saved_spans(project_root, DOC) == [("entity", "Central Electoral")]
        await pilot.press("x")
        assert saved_spans(project_root, DOC) == []
        await pilot.press("3", "delete")
        assert saved_spans(project_root, DOC) == []

    run(project_root, scenario)


def test_tab_and_shift_tab_walk_the_spans(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        session = screen_of(app).session
        await search(pilot, "Vashti")
        await pilot.press("3")
        await search(pilot, "Halloran")
        await pilot.press("3", "g", "tab")
        assert session.current_span().text == "Vashti"  # type: ignore[union-attr]
        await pilot.press("tab")
        assert session.current_span().text == "Halloran"  # type: ignore[union-attr]
        await pilot.press("shift+tab")
        assert session.current_span().text == "Vashti"  # type: ignore[union-attr]
        assert app.focused is app.screen.query_one(ArticleView)

    run(project_root, scenario)


def test_link_picker_links_nearest_speaker_and_unlink(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await search(pilot, "Halloran said")
        await pilot.press("b", "b", "1")  # "Halloran" after moving back onto it
        await search(pilot, "The count has been slow because it has been careful")
        await pilot.press("2", "a")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, LinkPicker)
        assert picker.tails[0].text == "Halloran"
        await pilot.press("enter")
        await pilot.pause()
        record = saved_records(project_root)[DOC]
        spans = {s["id"]: s for s in record["spans"]}  # type: ignore[attr-defined]
        [relation] = record["relations"]  # type: ignore[misc]
        assert spans[relation["head"]]["label"] == "claim"
        assert spans[relation["tail"]]["text"] == "Halloran"
        assert "←Halloran" in status_text(app)
        await pilot.press("A")
        await pilot.pause()
        assert saved_records(project_root)[DOC]["relations"] == []

    run(project_root, scenario)


def test_link_to_new_speaker_from_selection(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "a clear mandate for change")
        await pilot.press("2", "a")
        await pilot.pause()
        await pilot.press("end", "enter")  # the last option: new speaker from selection
        await pilot.pause()
        await search(pilot, "Vashti, who")
        # moving clears the search selection; b skips the comma
        await pilot.press("b", "b", "1")
        await pilot.pause()
        record = saved_records(project_root)[DOC]
        spans = {s["id"]: s for s in record["spans"]}  # type: ignore[attr-defined]
        [relation] = record["relations"]  # type: ignore[misc]
        assert spans[relation["tail"]]["text"] == "Vashti"
        assert spans[relation["head"]]["text"] == "a clear mandate for change"

    run(project_root, scenario)


def test_undo_redo_across_tag_delete_link(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Halloran")
        await pilot.press("1")
        await search(pilot, "The count has been slow")
        await pilot.press("2", "a")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("x")
        assert saved_spans(project_root, DOC) == [("speaker", "Halloran")]
        await pilot.press("u")
        record = saved_records(project_root)[DOC]
        assert len(record["relations"]) == 1  # type: ignore[arg-type]
        await pilot.press("ctrl+z", "ctrl+z")
        assert saved_spans(project_root, DOC) == [("speaker", "Halloran")]
        await pilot.press("u")
        assert saved_spans(project_root, DOC) == []
        await pilot.press("ctrl+r", "ctrl+y", "ctrl+r")
        assert len(saved_records(project_root)[DOC]["relations"]) == 1  # type: ignore[arg-type]
        await pilot.press("ctrl+y")
        assert saved_spans(project_root, DOC) == [("speaker", "Halloran")]

    run(project_root, scenario)


def test_document_keys_and_status_changes(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        screen = screen_of(app)
        ids = screen.doc_ids
        await pilot.press("right_square_bracket")
        assert screen.session.document.id == ids[1]
        await pilot.press("left_square_bracket")
        assert screen.session.document.id == ids[0]
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert saved_records(project_root)[ids[0]]["status"] == "done"
        assert screen.session.document.id == ids[1]
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert saved_records(project_root)[ids[1]]["status"] == "skipped"
        assert screen.session.document.id == ids[2]
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"[b]quotes[/b] garbled", "enter")
        await pilot.pause()
        record = saved_records(project_root)[ids[2]]
        assert (record["status"], record["note"]) == ("flagged", "[b]quotes[/b] garbled")
        assert "2/13" not in status_text(app) and "3/13" in status_text(app)

    run(project_root, scenario)


def test_document_list_filters_and_fuzzy_search(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        doc_list = app.screen
        assert isinstance(doc_list, DocumentList)
        assert "1/13 done" in str(doc_list.query_one("#progress").render())
        await pilot.press("tab")  # "todo": everything not done
        assert DOC not in [row.doc_id for row in doc_list._shown]
        assert len(doc_list._shown) == 12
        await pilot.press("shift+tab")
        await pilot.press(*"gnva")  # fuzzy: world/summit-geneva
        await pilot.pause()
        assert doc_list._shown[0].doc_id == "world/summit-geneva"
        await pilot.press("enter")
        await pilot.pause()
        assert screen_of(app).session.document.id == "world/summit-geneva"

    run(project_root, scenario)


def test_help_palette_panel_and_quit(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("s")
        assert app.screen.query_one(SidePanel).has_class("-hidden")
        await pilot.press("s")
        assert not app.screen.query_one(SidePanel).has_class("-hidden")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Next document")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert screen_of(app).session.document.id == screen_of(app).doc_ids[1]
        await pilot.press("3", "w")  # a record (the entity), then the cursor moves on
        where.append((screen_of(app).doc_ids[1], screen_of(app).session.cursor))
        await pilot.press("q")
        await pilot.pause()

    where: list[tuple[str, int]] = []
    app = run(project_root, scenario)
    assert app.return_code == 0
    # Quitting saved where the cursor was.
    second, cursor = where[0]
    assert saved_records(project_root)[second]["cursor"] == cursor


def test_restart_restores_document_cursor_spans_and_time(project_root: Path) -> None:
    clock = FakeClock()

    async def first(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Okafor-Brandt")
        clock.now += 30
        await pilot.press("1")
        clock.now += 500  # idle: not counted
        await pilot.press("w")
        clock.now += 10
        await pilot.press("ctrl+q")

    run(project_root, first, doc_id=None, clock=clock)
    record = saved_records(project_root)[DOC]
    assert record["seconds_spent"] == 40.0
    cursor = record["cursor"]

    async def second(pilot: Pilot[None], app: AnnotateApp) -> None:
        session = screen_of(app).session
        assert session.document.id == DOC
        assert session.cursor == cursor
        assert [s.text for s in session.spans] == ["Okafor-Brandt"]
        view = app.screen.query_one(ArticleView)
        assert view.cursor == cursor

    run(project_root, second, doc_id=None)


def test_changed_text_opens_read_only_with_banner(project_root: Path) -> None:
    async def tag(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("1")

    run(project_root, tag, doc_id="world/ceasefire-kell")
    path = project_root / "documents" / "world" / "ceasefire-kell.txt"
    path.write_text("Edited. " + path.read_text(encoding="utf-8"), encoding="utf-8")
    before = (project_root / "annotations" / "tester.jsonl").read_bytes()

    async def check(pilot: Pilot[None], app: AnnotateApp) -> None:
        banner = app.screen.query_one("#banner")
        assert banner.display
        assert "READ-ONLY" in str(banner.render())
        assert len(app.screen.query_one(ArticleView)._spans) == 0
        await pilot.press("w", "1", "x")
        await pilot.pause()
        assert "read-only" in status_text(app)

    run(project_root, check, doc_id="world/ceasefire-kell")
    assert (project_root / "annotations" / "tester.jsonl").read_bytes() == before


def test_keys_are_remappable_in_the_config(project_root: Path) -> None:
    config = project_root / "annotator.toml"
    text = config.read_text(encoding="utf-8") if config.exists() else ""
    config.write_text(text + '\n[keys]\nnext_word = "e"\ntag_speaker = "9"\n', encoding="utf-8")

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        session = screen_of(app).session
        await pilot.press("e")
        assert session.cursor == session.text.index("ALDER")
        await pilot.press("w")
        assert session.cursor == session.text.index("ALDER")
        await pilot.press("9")
        assert saved_spans(project_root, DOC) == [("speaker", "ALDER")]

    run(project_root, scenario)


def test_search_escape_closes_the_box_and_n_N_cycle(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        session = screen_of(app).session
        text = session.text
        await search(pilot, "percent")
        first = text.index("percent")
        assert session.selection() == (first, first + 7)
        await pilot.press("n")
        second = text.index("percent", first + 1)
        assert session.selection() == (second, second + 7)
        await pilot.press("N")
        assert session.selection() == (first, first + 7)
        await pilot.press("slash", "x", "q")  # typed into the search line, not run as keys
        assert status_text(app).startswith("/xq")
        assert app.return_code is None
        await pilot.press("escape")
        assert not status_text(app).startswith("/")
        assert session.selection() == (first, first + 7)
        await pilot.press("slash", "backspace", "backspace", "backspace", *"count", "enter")
        assert session.selection() == (text.index("counted"), text.index("counted") + 7)

    run(project_root, scenario)


def test_keys_typed_while_the_list_searches_make_one_search(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranking 100,000 documents takes a good part of a second: the keys typed meanwhile are
    searched for together, once, not one search each behind the other."""
    searches: list[str] = []
    original = DocumentList._refresh_rows

    def counted(self: DocumentList) -> None:
        searches.append(self.query_one(Input).value)
        original(self)

    monkeypatch.setattr(DocumentList, "_refresh_rows", counted)

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("ctrl+o")
        await pilot.pause()
        doc_list = app.screen
        assert isinstance(doc_list, DocumentList)
        field = doc_list.query_one(Input)
        for text in ("g", "gn", "gnv", "gnva"):  # four changes before the list runs again
            field.value = text
        await pilot.pause()
        assert searches == ["gnva"]
        assert doc_list._shown[0].doc_id == "world/summit-geneva"
        await pilot.press("end", "backspace")
        await pilot.pause()
        assert searches == ["gnva", "gnv"]

    run(project_root, scenario)
