"""Gold records edited freely and rejections remembered: the session, the merge, validation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from textual.command import CommandList
from textual.widgets import ProgressBar, Static

from annotator.agreement.adjudicate import merge_gold
from annotator.agreement.light import LightRecord
from annotator.agreement.review_project import ReviewProject
from annotator.cli import main
from annotator.model.config import ProjectConfig
from annotator.model.records import AnnotationRecord, Document, Span, SpanProvenance
from annotator.model.session import EditingSession
from annotator.model.text import text_sha256
from annotator.model.validate import check_record
from annotator.store.project import Project
from annotator.tui.review.app import DocumentScreen, ReviewApp
from annotator.tui.review.edit import GoldEditScreen

from .helpers import build_project, record
from .test_span_cases import AIDES, CLAIM, EVENT, SHORT_CLAIM, SPEAKER, TEXT

CONFIG = ProjectConfig()
DOCUMENT = Document(id="d1", text=TEXT)


def span(key: tuple[int, int, str], span_id: str) -> Span:
    start, end, label = key
    return Span(id=span_id, start=start, end=end, label=label, text=TEXT[start:end])


def gold(**update: Any) -> AnnotationRecord:
    fields: dict[str, Any] = {
        "doc_id": "d1",
        "annotator": "gold",
        "text_sha256": text_sha256(TEXT),
        "spans": [span(SPEAKER, "g1"), span(SHORT_CLAIM, "g2")],
        "provenance": {
            "g1": SpanProvenance(annotators=["alice", "bob"], decision="unanimous"),
            "g2": SpanProvenance(annotators=["bob"], decision="accepted"),
        },
    }
    fields.update(update)
    return AnnotationRecord(**fields)


def keyed(record: AnnotationRecord) -> dict[tuple[int, int, str], SpanProvenance]:
    provenance = record.provenance or {}
    return {(s.start, s.end, s.label): provenance[s.id] for s in record.spans}


# -- the editing session ------------------------------------------------------------------------


def test_session_marks_added_and_changed_gold_spans_edited() -> None:
    session = EditingSession(DOCUMENT, CONFIG, "gold", gold())
    session.move_to(TEXT.index("aides"))
    saved = session.tag("speaker")
    assert saved is not None
    assert keyed(saved)[AIDES] == SpanProvenance(annotators=[], decision="edited")
    # Moving the end of the accepted claim makes it edited; the speaker keeps its provenance.
    session.jump_to(session.span("g2"))  # type: ignore[arg-type]
    saved = session.move_edge("end", +1)
    assert saved is not None
    provenance = keyed(saved)
    assert provenance[SPEAKER].decision == "unanimous"
    moved = next(s for s in saved.spans if s.id == "g2")
    assert moved.text == "the ceasefire will hold through"
    assert provenance[(moved.start, moved.end, "claim")].decision == "edited"
    # Undo brings back the claim as it was, with its provenance as it was.
    saved = session.undo()
    assert saved is not None and keyed(saved)[SHORT_CLAIM].decision == "accepted"
    # Deleting a span drops its provenance entry.
    session.jump_to(session.span("g1"))  # type: ignore[arg-type]
    saved = session.delete_span()
    assert saved is not None and saved.provenance is not None and "g1" not in saved.provenance


def test_gold_annotator_without_a_record_gets_provenance_others_do_not() -> None:
    session = EditingSession(DOCUMENT, CONFIG, "gold")
    saved = session.tag("speaker")
    assert saved is not None and saved.provenance is not None
    assert [p.decision for p in saved.provenance.values()] == ["edited"]
    plain = EditingSession(DOCUMENT, CONFIG, "alice")
    saved = plain.tag("speaker")
    assert saved is not None and saved.provenance is None
    line = orjson.loads(orjson.dumps(saved.model_dump(mode="json", exclude_none=True)))
    assert "provenance" not in line and "rejected" not in line


def test_session_keeps_rejections_until_the_span_is_drawn_again() -> None:
    rejected = [span(EVENT, "x1"), span(AIDES, "x2")]
    session = EditingSession(DOCUMENT, CONFIG, "gold", gold(rejected=rejected))
    session.move_to(TEXT.index("Minister"))
    saved = session.tag("entity")
    assert saved is not None and saved.rejected == rejected
    session.move_to(TEXT.index("aides"))
    saved = session.tag("speaker")  # the adjudicator changes their mind about "aides"
    assert saved is not None and saved.rejected == [rejected[0]]


# -- the automatic merge and validation ---------------------------------------------------------


def light(name: str, keys: list[tuple[int, int, str]]) -> LightRecord:
    spans = [(f"s{index}", start, end, label) for index, (start, end, label) in enumerate(keys)]
    return LightRecord("d1", name, text_sha256(TEXT), spans, [])


def test_auto_merge_does_not_bring_back_a_rejected_span() -> None:
    votes = {"alice": light("alice", [SPEAKER, EVENT]), "bob": light("bob", [SPEAKER, EVENT])}
    existing = gold(spans=[span(SPEAKER, "g1")], rejected=[span(EVENT, "x1")])
    existing = existing.model_copy(update={"provenance": {"g1": existing.provenance["g1"]}})  # type: ignore[index]
    merged, outcome = merge_gold("d1", TEXT, votes, existing, "gold")
    assert merged is None and outcome.action == "unchanged"
    without, _ = merge_gold("d1", TEXT, votes, existing.model_copy(update={"rejected": None}), "g")
    assert without is not None and EVENT in keyed(without)


def test_validate_checks_the_text_of_rejected_spans() -> None:
    bad = Span(id="x1", start=0, end=7, label="event", text="Foreign")
    moved = bad.model_copy(update={"start": 1, "end": 8})
    problems = check_record(gold(rejected=[bad, moved]), TEXT, CONFIG, file="gold.jsonl", line=3)
    assert [problem.field for problem in problems] == ["rejected[1].text"]


# -- the review screens -------------------------------------------------------------------------


def make_project(tmp_path: Path) -> Project:
    annotations = {
        "alice": {"d1": record("alice", "d1", TEXT, [SPEAKER, CLAIM, EVENT])},
        "bob": {"d1": record("bob", "d1", TEXT, [SPEAKER, SHORT_CLAIM, AIDES])},
    }
    return build_project(tmp_path / "p", {"d1": TEXT}, annotations)


def saved_gold(project: Project) -> AnnotationRecord:
    found = Project(project.root).annotations("gold").get("d1")
    assert found is not None
    return found


def test_rejection_is_saved_and_survives_auto_and_reopening(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    asyncio.run(_reject_event(project))
    assert [(s.start, s.end, s.label) for s in saved_gold(project).rejected or []] == [EVENT]
    assert main(["adjudicate", str(project.root), "--auto", "--min-votes", "1"]) == 0
    after = saved_gold(project)
    assert EVENT not in keyed(after) and AIDES in keyed(after)
    assert main(["validate", str(project.root)]) == 0
    asyncio.run(_reopen_shows_rejected(project))


async def _reject_event(project: Project) -> None:
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        while screen.document.candidates[screen.current or 0].key != EVENT:
            await pilot.press("n")
        await pilot.press("x")


async def _reopen_shows_rejected(project: Project) -> None:
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        index = screen.document.index_of(EVENT)
        assert index is not None and screen.document.state(index) == "rejected"


def test_edit_key_opens_gold_on_the_annotate_screen_and_back(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    asyncio.run(_edit_freely(project))
    saved = saved_gold(project)
    provenance = keyed(saved)
    assert provenance[SPEAKER].decision == "unanimous"
    # The adjudicator tagged bob's "aides" speaker on the annotate screen: edited, and the
    # review screen filled in that bob had exactly that span.
    assert provenance[AIDES] == SpanProvenance(annotators=["bob"], decision="edited")
    assert main(["validate", str(project.root)]) == 0


async def _edit_freely(project: Project) -> None:
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        review = app.screen
        assert isinstance(review, DocumentScreen)
        while review.document.candidates[review.current or 0].key != AIDES:
            await pilot.press("n")
        await pilot.press("e")
        await pilot.pause()
        edit = app.screen
        assert isinstance(edit, GoldEditScreen)
        assert edit.session.cursor == AIDES[0]  # the cursor starts on the current candidate
        await pilot.press("1")  # tag the word under the cursor as speaker (the first label)
        await pilot.press("]")  # stays on this document
        assert edit.session.document.id == "d1"
        await pilot.press("q")
        await pilot.pause()
        back_on_review = app.screen is review
        assert back_on_review
        index = review.document.index_of(AIDES)
        assert index is not None and review.document.state(index) == "gold"
        assert review.current == index
        assert "✎" in str(review.query_one("#compare").render())


# -- from the annotate application --------------------------------------------------------------


def test_annotate_app_opens_review_from_the_command_palette(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    asyncio.run(_review_from_annotate(project))
    assert [(s.start, s.end, s.label) for s in saved_gold(project).rejected or []] == [EVENT]


def palette_options(app: Any) -> list[Any]:
    found = app.screen.query(CommandList)
    if not found:
        return []
    results = found.first()
    return [results.get_option_at_index(i) for i in range(results.option_count)]


@asynccontextmanager
async def annotating(
    project: Project, annotator: str, size: tuple[int, int] = (120, 40)
) -> AsyncIterator[tuple[Any, Any]]:
    """The annotate app on document d1 as ``annotator``, headless: ``(app, pilot)``."""
    from annotator.tui.app import AnnotateApp

    annotations = project.annotations(annotator, writable=True)
    app = AnnotateApp(project, annotations, "d1")
    try:
        async with app.run_test(size=size) as pilot:
            yield app, pilot
    finally:
        annotations.close()


async def _review_from_annotate(project: Project) -> None:
    from annotator.tui.review.app import EmbeddedSummaryScreen

    async with annotating(project, "gold") as (app, pilot):  # the adjudicator annotating gold
        annotate = app.screen
        await _open_review_from_annotate(app, pilot)
        for _ in range(200):  # the agreement is computed in a thread: wait for the overview
            if isinstance(app.screen, EmbeddedSummaryScreen):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, EmbeddedSummaryScreen)
        await pilot.press("enter")  # open d1
        document = app.screen
        assert isinstance(document, DocumentScreen)
        while document.document.candidates[document.current or 0].key != EVENT:
            await pilot.press("n")
        await pilot.press("x", "escape", "q")
        await pilot.pause()
        back_on_annotate = app.screen is annotate
        assert back_on_annotate
        # The annotate screen shows gold as the review left it: the agreed speaker.
        spans = [(s.start, s.end, s.label) for s in app.annotate_screen.session.spans]
        assert spans == [SPEAKER]
        # ... and its status line says so: the record is saved, not "new" (QA C16).
        assert app.annotate_screen.save_state == "saved"
        assert app.annotate_screen._status_word() == "in progress"
        await pilot.press("q")


async def _open_review_from_annotate(app: Any, pilot: Any) -> None:
    await pilot.press("ctrl+p", *"review agr")
    for _ in range(100):  # the palette searches in the background: wait for the hit
        await pilot.pause(0.02)
        if any("Review agreement" in str(option.prompt) for option in palette_options(app)):
            break
    await pilot.press("enter")


def test_review_loading_shows_progress_and_escape_goes_back_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big project takes seconds to compute: the annotate screen is not frozen meanwhile,
    the progress shows, and Escape goes back to annotating and stops the computation (the
    gold file it would have opened stays free: review opens again)."""
    from annotator.tui.review import commands
    from annotator.tui.review.loading import AgreementLoading

    project = make_project(tmp_path)
    release = threading.Event()
    reports: list[int] = []
    real = ReviewProject  # what the review commands call, replaced below

    def slow(*args: Any, progress: Any, **kwargs: Any) -> Any:
        for done in range(1000):  # reports until the test lets it finish (or it is cancelled)
            progress(done, 1000)
            reports.append(done)
            if release.wait(0.01):
                break
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(commands, "ReviewProject", slow)

    async def scenario() -> None:
        from annotator.tui.review.app import EmbeddedSummaryScreen

        async with annotating(project, "alice", (80, 24)) as (app, pilot):
            annotate = app.screen
            await _open_review_from_annotate(app, pilot)
            for _ in range(100):
                await pilot.pause(0.02)
                if isinstance(app.screen, AgreementLoading) and len(reports) > 3:
                    break
            loading = app.screen
            assert isinstance(loading, AgreementLoading)
            bar = loading.query_one(ProgressBar)
            assert bar.total == 1000 and 0 < (bar.progress or 0) < 1000
            count = str(loading.query_one("#loading-count", Static).render())
            assert count == f"{int(bar.progress or 0)} of 1,000 documents"
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is annotate
            stopped_at = len(reports)
            await pilot.pause(0.1)
            assert len(reports) <= stopped_at + 1  # the computation stopped
            # again, and this time it finishes: the overview opens
            release.set()
            await _open_review_from_annotate(app, pilot)
            for _ in range(200):
                if isinstance(app.screen, EmbeddedSummaryScreen):
                    break
                await pilot.pause(0.02)
            assert isinstance(app.screen, EmbeddedSummaryScreen)
            await pilot.press("q")
            await pilot.pause()
            assert app.screen is annotate

    asyncio.run(scenario())


def test_review_that_cannot_start_says_why_and_stays_on_the_annotate_screen(
    tmp_path: Path,
) -> None:
    only_alice = {"alice": {"d1": record("alice", "d1", TEXT, [SPEAKER])}}
    project = build_project(tmp_path / "p", {"d1": TEXT}, only_alice)

    async def scenario() -> None:
        async with annotating(project, "alice") as (app, pilot):
            annotate = app.screen
            await _open_review_from_annotate(app, pilot)
            for _ in range(100):
                await pilot.pause(0.02)
                if app.screen is annotate and app._notifications:
                    break
            assert app.screen is annotate
            messages = [notification.message for notification in app._notifications]
            assert any("review needs at least two annotators" in m for m in messages)

    asyncio.run(scenario())


def test_accepting_a_version_rejects_its_competitors_and_reopening_resumes(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    asyncio.run(_accept_claim(project))
    saved = saved_gold(project)
    assert [(s.start, s.end, s.label) for s in saved.rejected or []] == [SHORT_CLAIM]
    asyncio.run(_reopen_resumes(project))


async def _accept_claim(project: Project) -> None:
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        while screen.document.candidates[screen.current or 0].key != CLAIM:
            await pilot.press("n")
        await pilot.press("a")


async def _reopen_resumes(project: Project) -> None:
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        # Candidates: speaker (agreed), short claim (rejected), claim (accepted), event, aides.
        assert screen.document.candidates[screen.current or 0].key == EVENT


def test_overview_fits_80_columns_and_shows_the_gold_status_after_a_document(
    tmp_path: Path,
) -> None:
    asyncio.run(_overview_at_80(make_project(tmp_path)))


async def _overview_at_80(project: Project) -> None:
    from textual.widgets import DataTable

    app = ReviewApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "d", "d", "escape")  # d twice: disagreements are open
        await pilot.pause()
        table = app.screen.query_one("#documents", DataTable)
        assert table.virtual_size.width <= 80
        first_row = table.render_line(1).text
        assert first_row.split()[0] == "d1" and first_row.rstrip().endswith("done")


def test_reanchor_moves_rejected_spans_with_their_text() -> None:
    from annotator.store.reanchor import reanchor_record

    rejected = [span(EVENT, "x1")]
    moved_text = "Update: " + TEXT
    record, _moved, unplaced = reanchor_record(gold(rejected=rejected), moved_text)
    assert record is not None and not unplaced
    (placed,) = record.rejected or []
    assert (placed.start, placed.text) == (EVENT[0] + 8, "ceasefire")
    assert check_record(record, moved_text, CONFIG) == []


def test_reanchor_moves_rejected_links_with_their_ends_and_validate_checks_them() -> None:
    from annotator.model.records import LinkEnd, RejectedRelation
    from annotator.store.reanchor import reanchor_record

    def end(key: tuple[int, int, str], text: str) -> LinkEnd:
        return LinkEnd(start=key[0], end=key[1], label=key[2], text=text[key[0] : key[1]])

    link = RejectedRelation(label="attributed_to", head=end(CLAIM, TEXT), tail=end(SPEAKER, TEXT))
    stale = gold().model_copy(update={"rejected_relations": [link]})
    moved_text = "Update: " + TEXT
    record, _moved, unplaced = reanchor_record(stale, moved_text)
    assert record is not None and not unplaced
    (placed,) = record.rejected_relations or []
    assert (placed.head.start, placed.tail.start) == (CLAIM[0] + 8, SPEAKER[0] + 8)
    assert check_record(record, moved_text, CONFIG) == []
    wrong = stale.model_copy(
        update={"rejected_relations": [link], "text_sha256": text_sha256(moved_text)}
    )
    problems = check_record(wrong, moved_text, CONFIG)
    assert {
        "rejected_relations[0].head.text",
        "rejected_relations[0].tail.text",
    } <= {problem.field for problem in problems}
