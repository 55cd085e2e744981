"""`annotator adjudicate --auto`: unanimous/majority spans into gold, never over a person's work."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.model.records import Span, SpanProvenance, Status
from annotator.store.project import Project

from .helpers import build_project, record
from .test_span_cases import AIDES, CLAIM, EVENT, SHORT_CLAIM, SPEAKER, TEXT

LINK = [("attributed_to", 1, 0)]


def three_annotators(tmp_path: Path) -> Path:
    annotations = {
        "alice": {"d1": record("alice", "d1", TEXT, [SPEAKER, CLAIM, EVENT], LINK)},
        "bob": {"d1": record("bob", "d1", TEXT, [SPEAKER, CLAIM, AIDES], LINK)},
        "carol": {"d1": record("carol", "d1", TEXT, [SPEAKER, SHORT_CLAIM, EVENT])},
    }
    build_project(tmp_path / "p", {"d1": TEXT, "d2": "Not annotated."}, annotations)
    return tmp_path / "p"


def gold_record(root: Path):  # type: ignore[no-untyped-def]
    return Project(root).annotations("gold").get("d1")


def test_unanimous_spans_only_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = three_annotators(tmp_path)
    assert main(["adjudicate", str(root), "--auto"]) == 0
    gold = gold_record(root)
    assert [(s.start, s.end, s.label) for s in gold.spans] == [SPEAKER]
    (provenance,) = gold.provenance.values()
    assert provenance == SpanProvenance(annotators=["alice", "bob", "carol"], decision="unanimous")
    assert gold.relations == []  # the claim end did not make it
    assert gold.annotator == "gold" and gold.status is Status.in_progress
    assert "1 new" in capsys.readouterr().err


def test_majority_with_min_votes_and_relations_whose_ends_made_it(tmp_path: Path) -> None:
    root = three_annotators(tmp_path)
    assert main(["adjudicate", str(root), "--auto", "--min-votes", "2"]) == 0
    gold = gold_record(root)
    keys = [(s.start, s.end, s.label) for s in gold.spans]
    assert keys == sorted([SPEAKER, CLAIM, EVENT])
    decisions = {(s.start, s.end, s.label): gold.provenance[s.id].decision for s in gold.spans}
    assert decisions[SPEAKER] == "unanimous"
    assert decisions[CLAIM] == "majority"
    assert gold.provenance[next(s.id for s in gold.spans if s.label == "event")].annotators == [
        "alice",
        "carol",
    ]
    (relation,) = gold.relations
    ids = {(s.start, s.end, s.label): s.id for s in gold.spans}
    assert (relation.head, relation.tail) == (ids[CLAIM], ids[SPEAKER])


def test_rerun_keeps_the_adjudicators_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = three_annotators(tmp_path)
    main(["adjudicate", str(root), "--auto", "--min-votes", "2"])
    project = Project(root)
    gold = project.annotations("gold").get("d1")
    claim = next(s for s in gold.spans if s.label == "claim")
    # The adjudicator shortens the claim (edited) and accepts "aides" (one vote only).
    start = TEXT.index("the ceasefire will hold")
    edited = Span(
        id=claim.id, start=start, end=start + 23, label="claim", text=TEXT[start : start + 23]
    )
    aides = Span(id="h1", start=AIDES[0], end=AIDES[1], label="speaker", text="aides")
    provenance = dict(gold.provenance)
    provenance[claim.id] = SpanProvenance(annotators=["carol"], decision="edited")
    provenance["h1"] = SpanProvenance(annotators=["bob"], decision="accepted")
    changed = gold.model_copy(
        update={
            "spans": [s for s in gold.spans if s.id != claim.id] + [edited, aides],
            "provenance": provenance,
        }
    )
    with project.annotations("gold", writable=True) as file:
        file.save(changed)
    capsys.readouterr()
    # Unanimous only now: event and the full claim lose their votes, the edit and accept stay.
    assert main(["adjudicate", str(root), "--auto"]) == 0
    after = Project(root).annotations("gold").get("d1")
    keys = {(s.start, s.end, s.label): after.provenance[s.id].decision for s in after.spans}
    assert keys == {
        SPEAKER: "unanimous",
        (start, start + 23, "claim"): "edited",
        AIDES: "accepted",
    }
    output = capsys.readouterr()
    assert "d1: updated" in output.out and "1 automatic span(s)" in output.out
    # With --min-votes 2 again the full claim does not come back over the edited one.
    main(["adjudicate", str(root), "--auto", "--min-votes", "2"])
    labels = [s.label for s in Project(root).annotations("gold").get("d1").spans]
    assert labels.count("claim") == 1


def test_done_gold_records_are_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = three_annotators(tmp_path)
    main(["adjudicate", str(root), "--auto"])
    project = Project(root)
    gold = project.annotations("gold").get("d1")
    with project.annotations("gold", writable=True) as file:
        file.save(gold.model_copy(update={"status": Status.done, "spans": [], "provenance": {}}))
    capsys.readouterr()
    main(["adjudicate", str(root), "--auto", "--min-votes", "1"])
    assert Project(root).annotations("gold").get("d1").spans == []
    assert "left alone: gold record is marked done" in capsys.readouterr().out


def test_second_identical_run_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = three_annotators(tmp_path)
    main(["adjudicate", str(root), "--auto"])
    lines = (root / "annotations" / "gold.jsonl").read_bytes()
    main(["adjudicate", str(root), "--auto"])
    assert (root / "annotations" / "gold.jsonl").read_bytes() == lines
    assert "1 unchanged" in capsys.readouterr().err


def test_gold_is_not_a_voter(tmp_path: Path) -> None:
    root = three_annotators(tmp_path)
    assert main(["adjudicate", str(root), "--auto", "--annotators", "alice,gold"]) == 1


def test_min_votes_above_a_documents_annotators_leaves_it_alone_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """d1 was done by three annotators, d2 by two (QA C11): --min-votes 3 keeps d2's gold as
    it is (its unanimous spans too), and says so per document and in the total line."""
    annotations = {
        "alice": {"d1": [SPEAKER, CLAIM], "d2": [SPEAKER, CLAIM]},
        "bob": {"d1": [SPEAKER, CLAIM], "d2": [SPEAKER, CLAIM]},
        "carol": {"d1": [SPEAKER]},
    }
    root = tmp_path / "p"
    build_project(root, {"d1": TEXT, "d2": TEXT}, annotations)
    assert main(["adjudicate", str(root), "--auto", "--min-votes", "2"]) == 0
    before = Project(root).annotations("gold").get("d2")
    assert before is not None and len(before.spans) == 2
    capsys.readouterr()
    for dry in ([], ["--dry-run"]):
        assert main(["adjudicate", str(root), "--auto", "--min-votes", "3", *dry]) == 0
        captured = capsys.readouterr()
        verb = "would leave" if dry else "left"
        assert f"d2: {verb} alone: only 2 annotator(s), --min-votes 3" in captured.out
        assert "1 left alone (1 done by fewer than 3 annotators)" in captured.err
    after = Project(root).annotations("gold").get("d2")
    assert after is not None and after.spans == before.spans
    d1 = Project(root).annotations("gold").get("d1")
    assert d1 is not None and [(s.start, s.end, s.label) for s in d1.spans] == [SPEAKER]


def test_links_added_and_removed_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA C2: a run whose effect is on links says so, per document and in the total line,
    in a dry run too."""
    annotations = {
        "alice": {"d1": record("alice", "d1", TEXT, [SPEAKER, CLAIM], LINK)},
        "bob": {"d1": record("bob", "d1", TEXT, [SPEAKER, CLAIM], LINK)},
    }
    root = tmp_path / "p"
    build_project(root, {"d1": TEXT}, annotations)
    assert main(["adjudicate", str(root), "--auto", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "d1: would create: 2 span(s) added, 1 link(s) added" in captured.out
    assert "(2 span(s) added, 0 kept, 0 removed; 1 link(s) added, 0 removed)" in captured.err
    assert main(["adjudicate", str(root), "--auto"]) == 0
    capsys.readouterr()
    # bob takes the claim back: the automatic claim and its link leave gold.
    with Project(root).annotations("bob", writable=True) as bob:
        bob.save(record("bob", "d1", TEXT, [SPEAKER]))
    assert main(["adjudicate", str(root), "--auto"]) == 0
    captured = capsys.readouterr()
    assert "1 automatic span(s) no longer agreed on, removed, 1 link(s) removed" in captured.out
    assert "; 0 link(s) added, 1 removed)" in captured.err
