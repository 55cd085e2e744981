"""The review TUI driven headless: navigation, accept/reject, and the gold records it saves."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from annotator.agreement.review_project import ReviewProject
from annotator.store.project import Project
from annotator.tui.review.app import DocumentScreen, ReviewApp, SummaryScreen

from .helpers import build_project, record
from .test_span_cases import AIDES, CLAIM, EVENT, SHORT_CLAIM, SPEAKER, TEXT

LINK = [("attributed_to", 1, 0)]
TRICKY = "Officials said [citation needed] and [@click=app.quit]x[/] appeared in the text."


def make_project(tmp_path: Path) -> Project:
    tricky_span = (TRICKY.index("[citation"), TRICKY.index("[citation") + 17, "claim")
    annotations = {
        "alice": {
            "d1": record("alice", "d1", TEXT, [SPEAKER, CLAIM, EVENT], LINK),
            "tricky": [tricky_span],
        },
        "bob": {
            "d1": record("bob", "d1", TEXT, [SPEAKER, SHORT_CLAIM, AIDES], LINK),
            "tricky": [tricky_span],
        },
    }
    return build_project(tmp_path / "p", {"d1": TEXT, "tricky": TRICKY}, annotations)


def gold(project: Project) -> Any:
    return Project(project.root).annotations("gold").get("d1")


def test_documents_are_listed_lowest_agreement_first_and_filtered(tmp_path: Path) -> None:
    asyncio.run(_documents_are_listed_lowest_agreement_first_and_filtered(tmp_path))


async def _documents_are_listed_lowest_agreement_first_and_filtered(tmp_path: Path) -> None:
    app = ReviewApp(make_project(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        table = app.screen.query_one("#documents", DataTable)
        assert [key.value for key in table.rows] == ["d1", "tricky"]
        await pilot.press("f")  # disagreeing only: "tricky" agrees fully
        assert [key.value for key in table.rows] == ["d1"]
        await pilot.press("f", "f", "slash", *"tri", "enter")
        assert [key.value for key in table.rows] == ["tricky"]


def test_walk_accept_reject_saves_gold_with_provenance(tmp_path: Path) -> None:
    asyncio.run(_walk_accept_reject_saves_gold_with_provenance(tmp_path))


async def _walk_accept_reject_saves_gold_with_provenance(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")  # open d1, the lowest
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        document = screen.document
        # Opening saves the agreed spans as unanimous.
        saved = gold(project)
        assert [(s.start, s.end, s.label) for s in saved.spans] == [SPEAKER]
        assert saved.provenance[saved.spans[0].id].decision == "unanimous"
        # Candidates in text order: speaker (agreed), short claim, claim, event, aides.
        first = screen.current
        assert first is not None and document.candidates[first].key == SHORT_CLAIM
        await pilot.press("n")
        assert document.candidates[screen.current or 0].key == CLAIM
        await pilot.press("N", "N")  # wraps around from the first disagreement to the last
        assert document.candidates[screen.current or 0].key == AIDES
        await pilot.press("n", "n")
        assert document.candidates[screen.current or 0].key == CLAIM
        await pilot.press("a")  # accept alice's long claim; moves to the next open one
        assert document.candidates[screen.current or 0].key == EVENT
        await pilot.press("x")  # reject the event only alice marked
        await pilot.pause()
    saved = gold(project)
    keys = {(s.start, s.end, s.label): saved.provenance[s.id] for s in saved.spans}
    assert set(keys) == {SPEAKER, CLAIM}
    assert keys[CLAIM].decision == "accepted" and keys[CLAIM].annotators == ["alice"]
    assert keys[SPEAKER].decision == "unanimous"
    # The claim made it, so the link both annotators drew (to the agreed speaker) did too.
    (relation,) = saved.relations
    ids = {(s.start, s.end, s.label): s.id for s in saved.spans}
    assert (relation.head, relation.tail) == (ids[CLAIM], ids[SPEAKER])


def test_accepting_one_version_drops_the_competing_one(tmp_path: Path) -> None:
    asyncio.run(_accepting_one_version_drops_the_competing_one(tmp_path))


async def _accepting_one_version_drops_the_competing_one(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.press("n", "a")  # the long claim into gold; the event becomes current
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        await pilot.press("N", "N")
        assert screen.document.candidates[screen.current or 0].key == SHORT_CLAIM
        await pilot.press("a")  # the adjudicator changes their mind: the short one wins
        await pilot.press("d", "d")  # done (asked again: disagreements are still open)
        await pilot.press("escape")
        assert isinstance(app.screen, SummaryScreen)
    saved = gold(project)
    claims = [(s.start, s.end) for s in saved.spans if s.label == "claim"]
    assert claims == [SHORT_CLAIM[:2]]
    assert saved.status.value == "done"


def test_review_screen_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app = ReviewApp(make_project(tmp_path))
    assert snap_compare(app, terminal_size=(100, 30))


def test_document_screen_snapshot_keeps_markup_as_text(snap_compare: Any, tmp_path: Path) -> None:
    app = ReviewApp(make_project(tmp_path))

    async def open_tricky(pilot: Any) -> None:
        await pilot.press("slash", *"tricky", "enter", "enter")
        await pilot.pause()

    assert snap_compare(app, run_before=open_tricky, terminal_size=(100, 30))


class CountingList(list[Any]):
    """A list that counts the passes made over it."""

    passes = 0

    def __iter__(self) -> Any:
        CountingList.passes += 1
        return super().__iter__()


def test_a_review_key_reads_the_gold_spans_once_not_once_per_candidate(tmp_path: Path) -> None:
    """On a book (100,000 candidates) each key asked every candidate's state, and each state
    went through every gold span again: minutes a key, found on a 1 MB article (4-8 s)."""
    words = [f"w{n}" for n in range(400)]
    text = " ".join(words)
    starts = [text.index(f"w{n} ") if n < 399 else text.rindex("w399") for n in range(400)]
    spans = [(start, start + len(f"w{n}"), "entity") for n, start in enumerate(starts)]
    annotations = {
        "alice": {"big": spans},
        "bob": {"big": [span for n, span in enumerate(spans) if n % 4]},  # 100 disagreements
    }
    project = build_project(tmp_path / "p", {"big": text}, annotations)
    review = ReviewProject(project)
    document = review.open_document("big")
    assert document is not None and len(document.disagreements) == 100
    counted = CountingList(document.record.spans)
    document.record = document.record.model_copy(update={"spans": counted})
    CountingList.passes = 0
    states = [document.state(index) for index in range(len(document.candidates))]
    decisions = [document.decision(index) for index in document.disagreements]
    assert states.count("gold") == 300 and states.count("open") == 100
    assert decisions == [None] * 100
    assert CountingList.passes == 1  # the gold keys made once for this record
    assert [document.index_of(c.key) for c in document.candidates] == list(range(400))
    found = document.next_disagreement(None)
    walked = []
    while found is not None and found not in walked:
        walked.append(found)
        found = document.next_disagreement(found)
    assert walked == list(document.disagreements)
    assert document.next_disagreement(walked[0], -1) == walked[-1]  # wraps
    assert document.next_disagreement(walked[1], -1) == walked[0]
    review.close()


def test_the_table_lists_the_lowest_documents_and_finds_the_others_by_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100,000 table rows took Textual 13 s to show and 7 s at each filter key: the table
    lists the lowest agreement first up to a limit, and says how to find the rest."""
    monkeypatch.setattr(SummaryScreen, "ROW_LIMIT", 1)

    async def main() -> None:
        app = ReviewApp(make_project(tmp_path))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, SummaryScreen)
            table = screen.query_one("#documents", DataTable)
            assert [key.value for key in table.rows] == ["d1"]  # the lowest of the two
            status = str(screen.query_one("#review-status", Static).render())
            assert "2 of 2 compared document(s), the 1 lowest listed (/ finds any by id)" in status
            await pilot.press("slash", *"tri", "enter")
            await pilot.pause()
            assert [key.value for key in table.rows] == ["tricky"]
            status = str(screen.query_one("#review-status", Static).render())
            assert (
                "1 of 2 compared document(s), by span/link F1" in status and "lowest" not in status
            )

    asyncio.run(main())


def test_recompute_reads_the_files_again_in_the_background_and_escape_keeps_the_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``r`` recomputes in a thread under a progress modal: the new figures replace the old
    ones when it is done; Escape during it leaves the overview exactly as it was."""
    from annotator.tui.review.loading import AgreementLoading

    project = make_project(tmp_path)
    app = ReviewApp(project)
    release = threading.Event()
    real = ReviewProject.recomputed

    def held(self: ReviewProject, progress: Any = None) -> Any:
        while not release.wait(0.01):  # reports until the test lets it go on (or cancels it)
            progress(0, 2)
        return real(self, progress)

    def exact_f1() -> Any:
        return app.review.report.to_json()["overall"]["span_f1_exact"]

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            summary = app.screen
            before = exact_f1()
            # bob now agrees with alice on d1
            with Project(project.root).annotations("bob", writable=True) as bob:
                bob.save(record("bob", "d1", TEXT, [SPEAKER, CLAIM, EVENT], LINK))
            monkeypatch.setattr(ReviewProject, "recomputed", held)
            await pilot.press("r")
            await pilot.pause(0.05)
            assert isinstance(app.screen, AgreementLoading)
            await pilot.press("escape")
            await pilot.pause(0.05)
            assert app.screen is summary and exact_f1() == before
            release.set()
            await pilot.press("r")
            for _ in range(200):
                await pilot.pause(0.02)
                if app.screen is summary:
                    break
            assert app.screen is summary
            assert before < 1.0 and exact_f1() == 1.0
            status = str(summary.query_one("#review-status", Static).render())
            assert "2 of 2 compared" in status

    asyncio.run(scenario())


def test_the_pair_matrix_of_four_annotators_fits_80_columns_without_wrapping(
    tmp_path: Path,
) -> None:
    names = ["alice", "bob", "carol", "dominique"]
    project = build_project(
        tmp_path / "p",
        {"d1": TEXT},
        {
            name: {"d1": [SPEAKER] if index % 2 else [SPEAKER, EVENT]}
            for index, name in enumerate(names)
        },
    )

    async def scenario() -> None:
        app = ReviewApp(project)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            pairs = app.screen.query_one("#pairs", Static)
            text = str(pairs.render())
            lines = text.splitlines()
            assert len(lines) == 2 + len(names)
            assert pairs.size.height == len(text.split("\n"))  # no line wrapped into two
            assert max(map(len, lines)) <= pairs.content_size.width
            assert lines[2].split() == ["alice", "—", "0.667", "1.000", "0.667"]
            assert lines[5].split()[0] == "dominiqu"

    asyncio.run(scenario())


def test_six_annotators_at_80_columns_cut_the_pair_matrix_and_keep_the_gold_column(
    tmp_path: Path,
) -> None:
    """QA C17: the pair matrix leaves out the columns that do not fit ("…"), never wraps
    into the rows below; the annotators column says how many, so the gold column stays."""
    names = ["alice", "bob", "carol", "dave", "erin", "frank"]
    annotations = {name: {"d1": record(name, "d1", TEXT, [SPEAKER, CLAIM])} for name in names}
    project = build_project(tmp_path / "p", {"d1": TEXT}, annotations)

    async def run() -> None:
        app = ReviewApp(project)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            pairs = app.screen.query_one("#pairs", Static)
            lines = [strip.text for strip in pairs.render_lines(pairs.region.reset_offset)]
            header = next(line for line in lines if "alice" in line and "bob" in line)
            assert header.rstrip().endswith("…") and "frank" not in header
            frank = next(line for line in lines if line.lstrip().startswith("frank"))
            assert frank.split()[1:] == ["1.000"] * len(header.split())  # the columns shown
            assert all(line.strip() for line in lines[1 : 2 + len(names)])  # one line each
            table = app.screen.query_one("#documents", DataTable)
            assert table.virtual_size.width <= 80
            row = table.render_line(1).text
            assert "6 annotators" in row and row.rstrip().endswith("—")

    asyncio.run(run())
