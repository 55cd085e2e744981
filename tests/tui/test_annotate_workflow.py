"""The annotate screen's answers in the keyboard workflow (QA session 7, report D): browsing
writes nothing, punctuation is not a word, the moved edge is shown, a flag's note stays in
sight, a pending link is visible, documents keys say what they did."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from annotator.model.delta import RecordDelta
from annotator.model.records import AnnotationRecord, Status
from annotator.tui.app import AnnotateApp
from annotator.tui.dialogs import LinkPicker
from annotator.tui.side_panel import SidePanel

from .conftest import FakeClock, saved_records, saved_spans, screen_of
from .test_annotate_keys import run, search, status_text

HARBOUR = "zz-harbour"
HARBOUR_TEXT = (
    "PORT HALVERN, Jan 1 — The council voted on the market.\n\n"
    '"We cannot ask people to shop under a cloud of doubt about whether the roof might '
    'fall," Okonkwo-Brandt said.\n\n'
    'Tomas Vell called the vote "painful but overdue." The market opens in May.\n'
)
WIRE = "zz-wire"
WIRE_TEXT = 'BRUSSELS — The commissioner for trade, Elin Maar, said tariffs "will not rise."\n'


@pytest.fixture
def project(project_root: Path) -> Path:
    (project_root / "documents" / f"{HARBOUR}.txt").write_text(HARBOUR_TEXT, encoding="utf-8")
    (project_root / "documents" / f"{WIRE}.txt").write_text(WIRE_TEXT, encoding="utf-8")
    return project_root


def rows_of_status(app: AnnotateApp) -> list[str]:
    return status_text(app).splitlines()


def test_browsing_a_new_document_writes_no_record_and_it_stays_new(project: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        screen = screen_of(app)
        await pilot.press("j", "j", "w", "w")
        await search(pilot, "market")
        await pilot.press("n", "right_square_bracket")
        await pilot.pause()
        assert screen.session.document.id == WIRE
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert "new" in status_text(app).split()
        assert screen.saver.status(HARBOUR) is None
        await pilot.press("q")
        await pilot.pause()

    run(project, scenario, doc_id=HARBOUR)
    assert HARBOUR not in saved_records(project)
    assert WIRE not in saved_records(project)


def test_ctrl_d_writes_one_line_with_all_the_time_spent(project: Path) -> None:
    clock = FakeClock()
    saves: list[tuple[str, str, float]] = []

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        saver = screen_of(app).saver
        save = saver.save

        def counted(record: AnnotationRecord, delta: RecordDelta | None = None) -> bool:
            saves.append((record.doc_id, record.status.value, record.seconds_spent))
            return save(record, delta)

        saver.save = counted  # type: ignore[method-assign]
        await pilot.press("w", "w", "3")
        clock.now += 5
        await pilot.press("w")
        clock.now += 7
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert screen_of(app).session.document.id != HARBOUR
        await pilot.press("q")
        await pilot.pause()

    run(project, scenario, doc_id=HARBOUR, clock=clock)
    # The tag, then done with every second in it; not a second line for the same document.
    assert saves == [(HARBOUR, "in_progress", 0.0), (HARBOUR, "done", 12.0)]
    record = saved_records(project)[HARBOUR]
    assert (record["status"], record["seconds_spent"]) == ("done", 12.0)


def test_a_label_key_on_a_comma_or_dash_makes_no_span_and_w_skips_them(project: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        session = screen_of(app).session
        await pilot.press("w", "w")  # PORT -> HALVERN -> Jan (not the comma)
        assert session.cursor == HARBOUR_TEXT.index("Jan")
        await pilot.press("h", "h", "3")  # on the comma
        await pilot.pause()
        assert saved_spans(project, HARBOUR) == []
        assert "no word under the cursor" in status_text(app)
        await pilot.press("w", "w", "w")  # Jan, 1, The: the dash is skipped
        assert session.cursor == HARBOUR_TEXT.index("The")
        await pilot.press("h", "h", "v", "3")  # the dash, selected: tagged
        await pilot.pause()
        assert saved_spans(project, HARBOUR) == [("entity", "—")]

    run(project, scenario, doc_id=HARBOUR)


def test_shrinking_a_span_end_shows_the_end_on_the_status_line(project: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, '"We')
        await pilot.press("v", "right_curly_bracket", "2")
        await pilot.pause()
        await pilot.press("less_than_sign", "less_than_sign", "less_than_sign")
        await pilot.pause()
        assert saved_spans(project, HARBOUR)[0][1].endswith('might fall,"')
        line = rows_of_status(app)[-1]
        assert 'might fall,"”' in line and "saved" in line
        assert '"We cannot' in line  # at 120 columns the head fits too
        await pilot.press("full_stop")
        await pilot.pause()
        assert "claim “We cannot ask" in rows_of_status(app)[-1]

    run(project, scenario, doc_id=HARBOUR)


def test_at_80_columns_the_label_under_the_cursor_is_whole_or_absent(project: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, '"We')
        await pilot.press("v", "right_curly_bracket", "2")
        await pilot.pause()
        line = rows_of_status(app)[-1]
        assert "saved" in line
        assert "clai…" not in line and "cla…" not in line and "cl…" not in line
        await pilot.press("less_than_sign")
        await pilot.pause()
        line = rows_of_status(app)[-1]
        assert "said”" in line and "saved" in line  # the end moved: the end is shown

    run(project, scenario, doc_id=HARBOUR, size=(80, 24))


def test_done_on_a_flagged_document_asks_first_and_the_note_is_in_sight(project: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        screen = screen_of(app)
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press(*"ask lead", "enter")
        await pilot.pause()
        title = str(app.screen.query_one("#title").render())
        assert "flagged" in title and "ask lead" in title
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert screen.session.document.id == HARBOUR
        assert saved_records(project)[HARBOUR]["status"] == "flagged"
        assert "mark done anyway? press ctrl+d again" in status_text(app)
        await pilot.press("w", "ctrl+k")  # another key in between: ctrl+k asks again
        await pilot.pause()
        assert screen.session.document.id == HARBOUR
        assert "skip anyway? press ctrl+k again" in status_text(app)
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert saved_records(project)[HARBOUR]["status"] == "skipped"
        assert f"skipped {HARBOUR} · opened {WIRE}" in status_text(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert "ask lead" in str(app.screen.query_one("#title").render())

    run(project, scenario, doc_id=HARBOUR)


def test_done_and_skip_say_what_they_did_and_the_last_document_is_a_status_message(
    project: Path,
) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        screen = screen_of(app)
        last = screen.doc_ids[-1]
        screen.open_document(last)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert "this is the last document" in status_text(app)
        assert not app._notifications
        screen.open_document(screen.doc_ids[0])
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert "this is the first document" in status_text(app)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert f"done {screen.doc_ids[0]} · opened {screen.doc_ids[1]}" in status_text(app)
        assert saved_records(project)[screen.doc_ids[0]]["status"] == Status.done.value

    run(project, scenario, doc_id=None)


def test_a_pending_link_is_shown_until_it_is_made_or_escape_cancels_it(project: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        screen = screen_of(app)
        await search(pilot, '"We')
        await pilot.press("v", "right_curly_bracket", "2")
        await pilot.press("less_than_sign", "less_than_sign", "less_than_sign", "a")
        await pilot.pause()
        assert isinstance(app.screen, LinkPicker)
        assert str(app.screen.prompts[-1]) == "+ new speaker (select it next)"  # none selected
        await pilot.press("end", "enter")
        await pilot.pause()
        await pilot.press("w", "w")
        await pilot.pause()
        rows = rows_of_status(app)
        assert len(rows) == 2 and "linking claim" in rows[0] and "speaker (1)" in rows[0]
        assert "escape: cancel the link" in rows[0]
        await pilot.press("escape")
        await pilot.pause()
        rows = rows_of_status(app)
        assert len(rows) == 1 and "link cancelled" in rows[0]
        assert screen.session.pending_link is None
        # Again, and this time the speaker is tagged: linked, and the line goes.
        await pilot.press("shift+tab", "a")
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        await search(pilot, "Okonkwo-Brandt")
        await pilot.press("1")
        await pilot.pause()
        rows = rows_of_status(app)
        assert len(rows) == 1 and "linked to its claim" in rows[0]
        [relation] = saved_records(project)[HARBOUR]["relations"]  # type: ignore[misc]
        spans = {s["id"]: s["text"] for s in saved_records(project)[HARBOUR]["spans"]}  # type: ignore[attr-defined]
        assert spans[relation["tail"]] == "Okonkwo-Brandt"
        # A link waiting when the document is left is cancelled: no line on coming back.
        await pilot.press("shift+tab", "a")
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        assert len(rows_of_status(app)) == 2
        await pilot.press("right_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert len(rows_of_status(app)) == 1 and screen.session.pending_link is None

    run(project, scenario, doc_id=HARBOUR)


def test_tab_and_link_on_a_changed_document_say_read_only(project: Path) -> None:
    async def tag(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("w", "w", "w", "1")

    run(project, tag, doc_id=HARBOUR)
    cursor = saved_records(project)[HARBOUR]["cursor"]
    path = project / "documents" / f"{HARBOUR}.txt"
    path.write_text(HARBOUR_TEXT.replace("market.", "fish-market."), encoding="utf-8")

    async def check(pilot: Pilot[None], app: AnnotateApp) -> None:
        await pilot.press("tab")
        await pilot.pause()
        assert "read-only: the document changed" in status_text(app)
        assert screen_of(app).session.cursor == cursor  # not moved to a hidden span
        await pilot.press("w", "w", "w", "a")
        await pilot.pause()
        assert "read-only: the document changed" in status_text(app)

    run(project, check, doc_id=HARBOUR)


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_walkthrough_makes_a_correct_annotation(project_root: Path) -> None:
    walkthrough = README.read_text(encoding="utf-8")
    for line in ("/Halloran⏎ n 1", "/“Every⏎ v } 2", "a ⏎"):
        assert f"#   {line} " in walkthrough

    texts: list[str] = []

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        texts.append(screen_of(app).session.text)
        await search(pilot, "Halloran")
        await pilot.press("n", "1")
        await search(pilot, "“Every")
        await pilot.press("v", "right_curly_bracket", "2", "a")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    run(project_root, scenario, doc_id="merovia-runoff")
    record = saved_records(project_root)["merovia-runoff"]
    spans = {span["id"]: span for span in record["spans"]}  # type: ignore[attr-defined]
    [relation] = record["relations"]  # type: ignore[misc]
    claim, speaker = spans[relation["head"]], spans[relation["tail"]]
    assert (speaker["label"], speaker["text"]) == ("speaker", "Halloran")
    assert speaker["start"] == texts[0].index("Halloran said")  # the quote's own speaker
    assert claim["label"] == "claim"
    assert claim["text"].startswith("“Every ballot box") and claim["text"].endswith("parties.”")
    assert "said" not in claim["text"]


def test_the_side_panel_shows_no_stale_guideline_row_after_the_status_grew_and_shrank(
    project: Path,
) -> None:
    def rows(panel: SidePanel) -> list[str]:
        return [panel.render_line(y).text for y in range(panel.size.height)]

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        panel = app.screen.query_one(SidePanel)
        await pilot.press("3", "w", "w")
        await search(pilot, "market")  # the search line takes a row while it is open
        await pilot.press("ctrl+k")
        await pilot.pause()
        shown = rows(panel)
        panel.styles_changed()  # forget every row drawn: what a fresh panel draws
        assert shown == rows(panel)
        assert sum("Put the cursor on a span" in row for row in shown) == 1

    run(project, scenario, doc_id=HARBOUR)


def test_a_on_a_speaker_lists_the_claims_nearest_first_and_a_digit_picks_one(
    project: Path,
) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        screen = screen_of(app)
        await search(pilot, '"We')
        await pilot.press("v", "right_curly_bracket", "2")  # claim 1 (paragraph 2)
        await search(pilot, '"painful')
        await pilot.press("W", "W", "W", "2")  # claim 2: "painful but overdue."
        await search(pilot, "Tomas Vell")
        await pilot.press("1")  # the speaker, before claim 2, after claim 1
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, LinkPicker) and picker.reverse
        shown = [str(prompt) for prompt in picker.prompts]
        assert len(shown) == 2  # the claims only: no "+ new" row from a speaker
        assert shown[0].startswith('↑ claim "We cannot ask')  # ends 2 characters before
        assert shown[1] == '↓ claim "painful but overdue."'  # starts 17 after
        await pilot.press("2")  # the second row, by its digit
        await pilot.pause()
        assert app.screen is screen
        assert "linked to this speaker" in status_text(app)
        await pilot.press("a")
        await pilot.pause()
        assert "✓ linked now" in str(app.screen.prompts[1])  # type: ignore[attr-defined]
        await pilot.press("1")
        await pilot.pause()

    run(project, scenario, doc_id=HARBOUR)
    record = saved_records(project)[HARBOUR]
    spans = {span["id"]: span["text"] for span in record["spans"]}  # type: ignore[attr-defined]
    links = sorted((spans[r["head"]], spans[r["tail"]]) for r in record["relations"])  # type: ignore[attr-defined]
    assert links == [
        (
            '"We cannot ask people to shop under a cloud of doubt about whether the roof might '
            'fall," Okonkwo-Brandt said.',
            "Tomas Vell",
        ),
        ('"painful but overdue."', "Tomas Vell"),
    ]


def test_a_digit_picks_a_row_of_the_link_picker_from_a_claim(project: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Okonkwo-Brandt")
        await pilot.press("1")
        await search(pilot, "Tomas Vell")
        await pilot.press("1")
        await search(pilot, '"painful')
        await pilot.press("W", "W", "W", "2", "a")
        await pilot.pause()
        assert isinstance(app.screen, LinkPicker) and not app.screen.reverse
        assert [str(prompt) for prompt in app.screen.prompts][:2] == [
            "↑ speaker Tomas Vell",
            "↑ speaker Okonkwo-Brandt",
        ]
        await pilot.press("2")
        await pilot.pause()
        assert "linked to speaker “Okonkwo-Brandt”" in status_text(app)

    run(project, scenario, doc_id=HARBOUR)
