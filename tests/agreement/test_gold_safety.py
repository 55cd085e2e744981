"""Gold is never written where it does not belong: a gold record of an older text (QA C5), a
``gold_annotator`` naming someone's own work (QA C19)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Static

from annotator.agreement.adjudicate import merge_gold
from annotator.agreement.light import LightRecord
from annotator.agreement.review_project import ReviewProject
from annotator.cli import main
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, SpanProvenance
from annotator.store.project import Project, personal_gold
from annotator.tui.review.app import DocumentScreen, ReviewApp
from annotator.tui.review.edit import GoldEditScreen

from .helpers import build_project, record
from .test_span_cases import AIDES, CLAIM, EVENT, NAME, SHORT_CLAIM, SPEAKER, TEXT

OLD_TEXT = "UPDATED: " + TEXT


def stale_gold_project(tmp_path: Path) -> Project:
    """alice and bob annotated the current text; gold was made on the text before an edit."""
    old = record("gold", "d1", OLD_TEXT, [(SPEAKER[0] + 9, SPEAKER[1] + 9, "speaker")])
    old = old.model_copy(
        update={"provenance": {"s0": SpanProvenance(annotators=["alice"], decision="accepted")}}
    )
    annotations: dict[str, dict[str, object]] = {
        "alice": {"d1": record("alice", "d1", TEXT, [SPEAKER, CLAIM, EVENT])},
        "bob": {"d1": record("bob", "d1", TEXT, [SPEAKER, SHORT_CLAIM, AIDES])},
        "gold": {"d1": old},
    }
    return build_project(tmp_path / "p", {"d1": TEXT}, annotations)  # type: ignore[arg-type]


def gold_bytes(project: Project) -> bytes:
    return project.annotation_path("gold").read_bytes()


def test_a_stale_gold_record_is_shown_read_only_and_never_written(tmp_path: Path) -> None:
    project = stale_gold_project(tmp_path)
    before = gold_bytes(project)
    asyncio.run(_stale_review(project))
    assert gold_bytes(project) == before  # no decision, no "done", nothing saved on opening


async def _stale_review(project: Project) -> None:
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        document = screen.document
        status = str(screen.query_one("#doc-status", Static).render())
        assert "the gold record of d1 was made on an older text" in status
        assert "run `annotator reanchor --annotator gold`" in status
        # The stale spans (9 characters off) are not shown as gold.
        assert document.gold_keys() == {}
        assert all(document.state(index) == "open" for index in range(document.rows))
        for key in ("a", "x", "d", "e"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen  # "e" does not open the stale record for editing
        assert document.gold_keys() == {}


def test_the_review_document_refuses_decisions_on_a_stale_record(tmp_path: Path) -> None:
    project = stale_gold_project(tmp_path)
    review = ReviewProject(project)
    try:
        document = review.open_document("d1")
        assert document is not None and document.read_only is not None
        assert not document.changed
        for decide in (document.accept, document.reject):
            with pytest.raises(AnnotatorError, match="older text"):
                decide(0)
        with pytest.raises(AnnotatorError, match="older text"):
            document.set_done(True)
        with pytest.raises(AnnotatorError, match="older text"):
            review.save(document)
    finally:
        review.close()


# -- gold_annotator naming an annotator's own file (C19) -----------------------------------------


def carol_as_gold(tmp_path: Path) -> Project:
    annotations = {
        "alice": {"d1": [SPEAKER, CLAIM], "d2": [SPEAKER]},
        "bob": {"d1": [SPEAKER, CLAIM], "d2": [SPEAKER]},
        "carol": {"d1": [SPEAKER]},
    }
    project = build_project(tmp_path / "p", {"d1": TEXT, "d2": TEXT}, annotations)
    config = project.root / "annotator.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'gold_annotator = "gold"', 'gold_annotator = "carol"'
        ),
        encoding="utf-8",
    )
    project = Project(project.root)
    assert project.config.gold_annotator == "carol"
    return project


def test_adjudicate_review_and_validate_refuse_a_gold_annotator_with_own_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = carol_as_gold(tmp_path)
    before = project.annotation_path("carol").read_bytes()
    for command in (["adjudicate", str(project.root), "--auto"], ["validate", str(project.root)]):
        capsys.readouterr()
        assert main(command) == 1
        err = capsys.readouterr()
        lines = [line for line in (err.out + err.err).splitlines() if "gold_annotator" in line]
        assert len(lines) == 1, lines
        assert "annotator.toml" in lines[0] and "'carol'" in lines[0]
        assert "no provenance" in lines[0]
    with pytest.raises(AnnotatorError, match="gold_annotator 'carol'"):
        ReviewProject(project)
    assert project.annotation_path("carol").read_bytes() == before


def test_a_real_gold_file_passes_the_check(tmp_path: Path) -> None:
    project = carol_as_gold(tmp_path)
    config = project.root / "annotator.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"carol"', '"gold"'), encoding="utf-8"
    )
    assert main(["adjudicate", str(project.root), "--auto"]) == 0
    assert personal_gold(Project(project.root)) is None
    assert main(["validate", str(project.root)]) == 0


def test_the_check_reads_a_bounded_sample_of_records(tmp_path: Path) -> None:
    """Cheap at every start: at most 8 records of a large gold file are looked at."""
    project = build_project(tmp_path / "p", {"d1": TEXT}, {})
    with project.annotations("gold", writable=True) as gold_file:
        gold_file.save_many(
            AnnotationRecord(
                doc_id=f"doc{number}",
                annotator="gold",
                text_sha256="0" * 64,
                provenance={},
            )
            for number in range(300)
        )
    read: list[str] = []
    with project.annotations("gold") as gold_file:
        original = gold_file.read_line

        def counting(entry):  # type: ignore[no-untyped-def]
            read.append(entry.doc_id)
            return original(entry)

        gold_file.read_line = counting  # type: ignore[method-assign]
        assert personal_gold(project, gold_file) is None
    assert 2 <= len(read) <= 8 and "doc0" in read and "doc299" in read


def test_adjudicate_never_updates_a_gold_record_without_provenance() -> None:
    """The sample may miss one record: the merge leaves such a record alone all the same."""
    mine = record("gold", "d1", TEXT, [EVENT])  # no provenance: a person's own record
    records = {
        name: LightRecord.of(record(name, "d1", TEXT, [SPEAKER, CLAIM])) for name in ("a", "b")
    }
    merged, outcome = merge_gold("d1", TEXT, records, mine, "gold")
    assert merged is None and outcome.action == "skipped" and "no provenance" in outcome.reason


# -- a span deleted on the gold edit screen is a rejection (C20) ---------------------------------


def agreed_claim_project(tmp_path: Path) -> Project:
    annotations = {
        "alice": {"d1": record("alice", "d1", TEXT, [SPEAKER, CLAIM])},
        "bob": {"d1": record("bob", "d1", TEXT, [NAME, CLAIM])},
    }
    return build_project(tmp_path / "p", {"d1": TEXT}, annotations)


def test_a_span_deleted_on_the_gold_edit_screen_is_rejected_and_never_comes_back(
    tmp_path: Path,
) -> None:
    project = agreed_claim_project(tmp_path)
    asyncio.run(_delete_claim_on_the_edit_screen(project))
    saved = Project(project.root).annotations("gold").get("d1")
    assert saved is not None
    assert CLAIM not in {(s.start, s.end, s.label) for s in saved.spans}
    assert [(s.start, s.end, s.label) for s in saved.rejected or []] == [CLAIM]
    assert main(["adjudicate", str(project.root), "--auto"]) == 0
    again = Project(project.root).annotations("gold").get("d1")
    assert again is not None and CLAIM not in {(s.start, s.end, s.label) for s in again.spans}
    assert main(["validate", str(project.root)]) == 0
    asyncio.run(_reopened_shows_the_claim_rejected(project))


async def _delete_claim_on_the_edit_screen(project: Project) -> None:
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, DocumentScreen)
        index = review.document.index_of(CLAIM)
        assert index is not None and review.document.state(index) == "gold"  # unanimous
        review.current = index
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, GoldEditScreen)
        await pilot.press("x")  # delete the span under the cursor: the claim
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is review
        assert review.document.state(index) == "rejected"
        compare = str(review.query_one("#compare", Static).render())
        claim_line = next(line for line in compare.splitlines() if "the ceasefire" in line)
        assert "✗" in claim_line


async def _reopened_shows_the_claim_rejected(project: Project) -> None:
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        index = screen.document.index_of(CLAIM)
        assert index is not None and screen.document.state(index) == "rejected"
