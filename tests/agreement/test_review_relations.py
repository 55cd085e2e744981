"""Review of relations (QA F15) and of flag notes (QA F31): a claim two annotators attribute to
two different speakers is a disagreement the reviewer decides, never both links in gold; an
annotator's flag note is shown on the document screen."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from line_count import lines_run
from rich.cells import cell_len
from textual.widgets import DataTable, Static

from annotator.agreement.review import ReviewDocument
from annotator.agreement.review_project import ReviewProject
from annotator.cli import main as cli_main
from annotator.model.records import Status
from annotator.store.project import Project
from annotator.tui.review.app import DocumentScreen, ReviewApp, SummaryScreen

from .helpers import build_project, record

TEXT = (
    "Commission chairman Viktor Halloran spoke first. Irena Vashti replied. "
    "“The count has been slow because it has been careful,” the official said."
)


def at(needle: str, label: str) -> tuple[int, int, str]:
    start = TEXT.index(needle)
    return (start, start + len(needle), label)


HALLORAN = at("Viktor Halloran", "speaker")
VASHTI = at("Irena Vashti", "speaker")
CLAIM = at("The count has been slow because it has been careful", "claim")
SPANS = [HALLORAN, VASHTI, CLAIM]
TO_HALLORAN = ("attributed_to", 2, 0)
TO_VASHTI = ("attributed_to", 2, 1)
NOTE = "Need a guideline: does a quote of a hacked page count as a claim?"


def make_project(
    tmp_path: Path, alice: list[Any], bob: list[Any], *, bob_spans: list[Any] | None = None
) -> Project:
    bob_record = record("bob", "doc", TEXT, SPANS if bob_spans is None else bob_spans, bob)
    return build_project(
        tmp_path / "p",
        {"doc": TEXT},
        {
            "alice": {"doc": record("alice", "doc", TEXT, SPANS, alice)},
            "bob": {"doc": bob_record},
        },
    )


def links(document: ReviewDocument) -> list[tuple[str, tuple[int, int, str], tuple[int, int, str]]]:
    """The gold relations as (label, head key, tail key)."""
    spans = {span.id: (span.start, span.end, span.label) for span in document.record.spans}
    return [(r.label, spans[r.head], spans[r.tail]) for r in document.record.relations]


def row_of(document: ReviewDocument, tail: tuple[int, int, str]) -> int:
    row = document.relation_index(("attributed_to", CLAIM, tail))
    assert row is not None
    return row


def test_two_speakers_for_one_claim_are_a_disagreement_and_gold_gets_only_the_accepted_one(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path, [TO_HALLORAN], [TO_VASHTI])
    review = ReviewProject(project)
    document = review.open_document("doc")
    assert document is not None
    # Opened: the spans agree, the links do not; gold has neither link.
    assert links(document) == []
    to_halloran, to_vashti = row_of(document, HALLORAN), row_of(document, VASHTI)
    assert list(document.disagreements) == [to_halloran, to_vashti]
    assert document.decided == 0
    assert document.state(to_halloran) == document.state(to_vashti) == "open"
    assert document.next_open(None) == to_halloran

    document.accept(to_vashti)
    assert links(document) == [("attributed_to", CLAIM, VASHTI)]
    assert document.state(to_halloran) == "rejected" and document.state(to_vashti) == "gold"
    assert document.decided == 2 and document.next_open(None) is None
    review.save(document)

    # A later decision that takes Halloran out of gold and puts him back does not bring the
    # rejected link with him.
    halloran = document.index_of(HALLORAN)
    assert halloran is not None
    document.reject(halloran)
    document.accept(halloran)
    assert links(document) == [("attributed_to", CLAIM, VASHTI)]
    review.save(document)
    review.close()

    # Reopened: the same gold, and the decision still reads as made.
    again = ReviewProject(Project(project.root))
    reopened = again.open_document("doc")
    assert reopened is not None
    assert links(reopened) == [("attributed_to", CLAIM, VASHTI)]
    assert reopened.decided == 2
    assert reopened.state(row_of(reopened, HALLORAN)) == "rejected"
    again.close()


def test_rejecting_the_accepted_link_leaves_the_claim_without_a_speaker(tmp_path: Path) -> None:
    """As with spans: accepting one version rejected the other, and rejecting the accepted one
    afterwards does not bring the other back."""
    project = make_project(tmp_path, [TO_HALLORAN], [TO_VASHTI])
    review = ReviewProject(project)
    document = review.open_document("doc")
    assert document is not None
    document.accept(row_of(document, HALLORAN))
    assert links(document) == [("attributed_to", CLAIM, HALLORAN)]
    document.reject(row_of(document, HALLORAN))
    assert links(document) == []
    assert document.state(row_of(document, HALLORAN)) == "rejected"
    assert document.state(row_of(document, VASHTI)) == "rejected"
    assert document.decided == 2
    document.reject(document.index_of(CLAIM) or 0)  # and no later decision brings one back
    document.accept(document.index_of(CLAIM) or 0)
    assert links(document) == []
    review.close()


def test_a_link_one_of_two_annotators_drew_stays_open_until_decided(tmp_path: Path) -> None:
    """Only alice linked the claim; bob marked both spans and no link (QA C14). With two
    annotators that is a disagreement like a span one of them marked: not put into gold on
    opening, not counted as decided, open until the reviewer accepts or rejects it; and
    ``adjudicate --auto`` leaves it out too, even with ``--min-votes 1``."""
    project = make_project(tmp_path, [TO_HALLORAN], [])
    review = ReviewProject(project)
    document = review.open_document("doc")
    assert document is not None
    assert links(document) == []
    row = row_of(document, HALLORAN)
    assert list(document.disagreements) == [row]
    assert document.state(row) == "open" and document.decided == 0
    assert document.next_open(None) == row
    document.accept(row)
    assert links(document) == [("attributed_to", CLAIM, HALLORAN)]
    assert document.decided == 1
    document.reject(row)
    assert links(document) == []
    speaker = document.index_of(HALLORAN)
    assert speaker is not None
    document.reject(speaker)
    document.accept(speaker)  # its end back in gold: the rejected link stays out
    assert links(document) == []
    review.close()


def test_links_everyone_drew_are_agreed_and_one_annotators_two_speakers_do_not_compete(
    tmp_path: Path,
) -> None:
    """alice gave the claim both speakers, bob only Halloran: alice says the claim has both,
    so the two links are judged apart (Halloran agreed and in gold; Vashti, which bob did not
    draw, open for the reviewer)."""
    project = make_project(tmp_path, [TO_HALLORAN, TO_VASHTI], [TO_HALLORAN])
    review = ReviewProject(project)
    document = review.open_document("doc")
    assert document is not None
    assert all(not relation.competitors for relation in document.relations)
    assert links(document) == [("attributed_to", CLAIM, HALLORAN)]
    assert list(document.disagreements) == [row_of(document, VASHTI)]  # bob did not draw it
    assert document.state(row_of(document, VASHTI)) == "open"
    review.close()


def test_accepting_a_link_whose_speaker_is_not_in_gold_accepts_the_speaker_too(
    tmp_path: Path,
) -> None:
    """bob marked the speaker as "Halloran" (not alice's "Viktor Halloran"): the links
    compete; accepting bob's puts his speaker span into gold (alice's version rejected)."""
    short = at("Halloran", "speaker")
    project = make_project(tmp_path, [TO_HALLORAN], [TO_HALLORAN], bob_spans=[short, VASHTI, CLAIM])
    review = ReviewProject(project)
    document = review.open_document("doc")
    assert document is not None
    assert links(document) == []
    brought = document.accept(row_of(document, short))
    assert brought == [short]
    assert links(document) == [("attributed_to", CLAIM, short)]
    assert HALLORAN in document.rejected
    assert document.state(row_of(document, HALLORAN)) == "rejected"
    review.close()


def test_the_document_screen_shows_link_rows_and_flag_notes_at_80x24(tmp_path: Path) -> None:
    project = make_project(tmp_path, [TO_HALLORAN], [TO_VASHTI])
    with project.annotations("bob", writable=True) as bob_file:
        flagged = bob_file.get("doc")
        assert flagged is not None
        bob_file.save(flagged.model_copy(update={"status": Status.flagged, "note": NOTE}))

    async def main() -> None:
        app = ReviewApp(Project(project.root))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            summary = app.screen
            assert isinstance(summary, SummaryScreen)
            table = summary.query_one("#documents", DataTable)
            # The spans agree fully, the links do not: the overview does not hide it.
            await pilot.press("f")  # disagreeing only
            assert [key.value for key in table.rows] == ["doc"]
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DocumentScreen)
            notes = str(screen.query_one("#doc-notes", Static).render())
            assert notes.startswith("bob: flagged — “Need a guideline")
            assert notes.endswith("count as a claim?”")
            for key, speaker in (
                (None, "Viktor Halloran"),
                ("n", "Irena Vashti"),
                ("N", "Viktor Halloran"),
            ):
                if key is not None:  # opened on the first open disagreement: the first link
                    await pilot.press(key)
                    await pilot.pause()
                lines = str(screen.query_one("#compare", Static).render()).splitlines()
                current = [line for line in lines if line.startswith("▶")]
                assert len(current) == 1 and " link " in current[0]
                assert "claim “The count h" in current[0] and current[0].endswith(f"→ {speaker}")
                assert all(cell_len(line) <= 78 for line in lines), lines
            status = str(screen.query_one("#doc-status", Static).render())
            assert "0/2 disagreement(s) decided" in status
            await pilot.press("a")
            await pilot.pause()
            status = str(screen.query_one("#doc-status", Static).render())
            assert "2/2 disagreement(s) decided" in status and "1 relation(s)" in status
            # The note is one line (cut in its middle), not wrapped over the article.
            assert screen.query_one("#doc-notes", Static).size.height == 1

    asyncio.run(main())
    with Project(project.root).annotations("gold") as gold_file:
        saved = gold_file.get("doc")
    assert saved is not None
    spans = {span.id: (span.start, span.end, span.label) for span in saved.spans}
    assert [(spans[r.head], spans[r.tail]) for r in saved.relations] == [(CLAIM, HALLORAN)]


def test_a_link_decision_among_thousands_of_link_disagreements_does_not_walk_them_all() -> None:
    """3,000 claims, each attributed to speaker A by alice and to speaker B by bob: deciding
    one link, or one claim, runs a few hundred lines of Python, not some per link."""

    from annotator.agreement.light import LightRecord
    from annotator.model.text import text_sha256

    claims = 3000
    text = "A B " + " ".join(f"c{n:05d}" for n in range(claims))
    digest = text_sha256(text)
    spans = [("a", 0, 1, "speaker"), ("b", 2, 3, "speaker")] + [
        (f"c{n}", 4 + n * 7, 4 + n * 7 + 6, "claim") for n in range(claims)
    ]
    records = {
        name: LightRecord(
            "d",
            name,
            digest,
            spans,
            [(f"r{n}", "attributed_to", f"c{n}", tail) for n in range(claims)],
        )
        for name, tail in (("alice", "a"), ("bob", "b"))
    }
    document = ReviewDocument("d", text, records, None, "gold")
    assert len(document.disagreements) == 2 * claims and document.decided == 0
    first = document.next_open(None)
    assert first is not None
    document.accept(first)  # the first decision may read what it keeps
    assert document.decided == 2

    link = document.next_open(first)
    assert link is not None
    claim = document.index_of((4 + 7 * 10, 4 + 7 * 10 + 6, "claim"))
    assert claim is not None
    decided: int | None = None
    following: int | None = None

    def decide() -> None:
        nonlocal decided, following
        document.accept(link)
        document.reject(claim)  # its two links are decided with it (an end rejected)
        decided = document.decided
        following = document.next_open(link)

    lines = lines_run(decide)
    assert lines < 1_500, lines
    assert decided == 6 and following is not None
    assert len(document.record.relations) == 2


def test_adjudicate_auto_leaves_out_a_link_one_of_two_annotators_drew(tmp_path: Path) -> None:
    """The same rule as the review (QA C14): bob has both ends and no link, so even
    ``--min-votes 1`` does not put alice's link into gold; a link both drew goes in."""
    project = make_project(tmp_path, [TO_HALLORAN], [])
    assert cli_main(["adjudicate", str(project.root), "--auto", "--min-votes", "1"]) == 0
    gold = Project(project.root).annotations("gold").get("doc")
    assert gold is not None and gold.relations == []
    both = make_project(tmp_path / "both", [TO_HALLORAN], [TO_HALLORAN])
    assert cli_main(["adjudicate", str(both.root), "--auto"]) == 0
    gold = Project(both.root).annotations("gold").get("doc")
    assert gold is not None and len(gold.relations) == 1


def test_with_three_annotators_two_of_them_carry_a_link(tmp_path: Path) -> None:
    """The majority rule of three annotators is kept: alice and bob linked the claim, carol
    marked both spans without the link; it goes into gold on opening, and by --auto."""
    root = tmp_path / "p3"
    build_project(
        root,
        {"doc": TEXT},
        {
            "alice": {"doc": record("alice", "doc", TEXT, SPANS, [TO_HALLORAN])},
            "bob": {"doc": record("bob", "doc", TEXT, SPANS, [TO_HALLORAN])},
            "carol": {"doc": record("carol", "doc", TEXT, SPANS, [])},
        },
    )
    review = ReviewProject(Project(root))
    document = review.open_document("doc")
    assert document is not None
    assert links(document) == [("attributed_to", CLAIM, HALLORAN)]
    review.close()
    (root / "annotations" / "gold.jsonl").unlink()
    assert cli_main(["adjudicate", str(root), "--auto", "--min-votes", "2"]) == 0
    gold = Project(root).annotations("gold").get("doc")
    assert gold is not None and len(gold.relations) == 1


def test_a_rejected_link_is_kept_after_reopening_and_never_comes_back(
    tmp_path: Path, capsys: Any
) -> None:
    """QA C1: both drew the link; the reviewer rejects it. The rejection is saved (the gold
    record's ``rejected_relations``), shown after reopening, not undone by an unrelated
    decision, by ``adjudicate --auto``, nor by a round trip through the gold edit screen."""
    commission = at("Commission", "entity")
    project = build_project(
        tmp_path / "p",
        {"doc": TEXT},
        {
            "alice": {"doc": record("alice", "doc", TEXT, [*SPANS, commission], [TO_HALLORAN])},
            "bob": {"doc": record("bob", "doc", TEXT, SPANS, [TO_HALLORAN])},
        },
    )
    review = ReviewProject(project)
    document = review.open_document("doc")
    assert document is not None
    assert links(document) == [("attributed_to", CLAIM, HALLORAN)]
    row = row_of(document, HALLORAN)
    document.reject(row)
    review.save(document)
    review.close()
    saved = Project(project.root).annotations("gold").get("doc")
    assert saved is not None and saved.relations == []
    (kept,) = saved.rejected_relations or []
    assert (kept.label, kept.head.start, kept.tail.start) == (
        "attributed_to",
        *CLAIM[:1],
        HALLORAN[0],
    )
    assert kept.head.text == TEXT[CLAIM[0] : CLAIM[1]]

    review = ReviewProject(Project(project.root))
    document = review.open_document("doc")
    assert document is not None
    assert document.state(row_of(document, HALLORAN)) == "rejected"
    document.accept(document.index_of(commission) or 0)  # a decision on another span
    review.save(document)
    assert links(document) == []
    review.close()
    assert cli_main(["adjudicate", str(project.root), "--auto", "--min-votes", "1"]) == 0
    after = Project(project.root).annotations("gold").get("doc")
    assert after is not None and after.relations == []
    assert after.rejected_relations == saved.rejected_relations
    assert cli_main(["validate", str(project.root)]) == 0
    asyncio.run(_link_rejection_survives_the_edit_screen(Project(project.root)))
    edited = Project(project.root).annotations("gold").get("doc")
    assert edited is not None and edited.rejected_relations == saved.rejected_relations


async def _link_rejection_survives_the_edit_screen(project: Project) -> None:
    app = ReviewApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        row = row_of(screen.document, HALLORAN)
        screen.current = row
        screen.refresh_view()
        compare = str(screen.query_one("#compare", Static).render())
        assert "✗" in next(line for line in compare.splitlines() if "link" in line)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("1")  # tag a word on the gold record: the session saves it
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is screen
        assert screen.document.state(row_of(screen.document, HALLORAN)) == "rejected"
