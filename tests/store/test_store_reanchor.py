"""Document drift: validate reports it; reanchor moves what it can place and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.model.config import ProjectConfig
from annotator.model.records import Relation
from annotator.model.validate import check_record
from annotator.store.annotations import AnnotationFile
from annotator.store.reanchor import Unplaced, place_span, reanchor_record

from .helpers import ARTICLE, article_record, make_project, make_record, span

EDITED = "UPDATED 14:02 — " + ARTICLE.replace("on Tuesday", "late on Tuesday")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def drifted_project(root: Path, *records: tuple[str, list[str]]) -> Path:
    """A project whose document ``a1`` changed after the given annotators annotated it."""
    make_project(root, {"a1": ARTICLE})
    for annotator, needles in records:
        spans = [span(ARTICLE, needle, "entity", f"s{n}") for n, needle in enumerate(needles)]
        with AnnotationFile(
            root / "annotations" / f"{annotator}.jsonl", annotator, writable=True
        ) as f:
            f.save(make_record(ARTICLE, annotator=annotator, spans=spans))
    (root / "documents" / "a1.txt").write_text(EDITED, encoding="utf-8")
    return root


def test_place_span_moves_by_the_edit() -> None:
    speaker = span(ARTICLE, "Ana Ruiz", "speaker", "s1")
    assert place_span(speaker, EDITED) == EDITED.index("Ana Ruiz")
    assert place_span(speaker, ARTICLE) == speaker.start


def test_place_span_refuses_ambiguous_and_missing_and_far() -> None:
    text = "the talks; " * 3
    ambiguous = span(text, "the talks", "event", "s1")
    moved = "x" + text
    assert isinstance(place_span(ambiguous, moved), Unplaced)
    gone = span(ARTICLE, "Tomas Berg", "speaker", "s1")
    result = place_span(gone, ARTICLE.replace("Tomas Berg", "T. Berg"))
    assert isinstance(result, Unplaced) and "not found" in result.reason
    far = "." * 5000 + ARTICLE
    assert isinstance(place_span(gone, far, window=1000), Unplaced)
    assert place_span(gone, far, window=6000) == far.index("Tomas Berg")


def test_reanchored_record_validates_and_keeps_ids_and_relations() -> None:
    record = article_record()
    new, moved, unplaced = reanchor_record(record, EDITED)
    assert new is not None and unplaced == [] and moved == 3
    assert check_record(new, EDITED, ProjectConfig()) == []
    assert [s.id for s in new.spans] == [s.id for s in record.spans]
    assert [s.text for s in new.spans] == [s.text for s in record.spans]
    assert new.relations == [Relation(id="r1", label="attributed_to", head="s2", tail="s1")]


def test_validate_reports_drift_then_reanchor_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = drifted_project(tmp_path / "p", ("alice", ["Ana Ruiz", "GENEVA"]))
    code, out, _ = run(capsys, "validate", str(project))
    alice = project / "annotations" / "alice.jsonl"
    assert code == 1
    assert out.startswith(f"{alice}:1: text_sha256: document 'a1' changed since it was annotated")

    before = alice.read_bytes()
    code, out, err = run(capsys, "reanchor", str(project), "--dry-run")
    assert code == 0
    assert out == f"{alice}:1: document 'a1': re-anchored (2 of 2 span(s) moved)\n"
    assert "would re-anchor 1" in err
    assert alice.read_bytes() == before

    code, out, err = run(capsys, "reanchor", str(project))
    assert code == 0 and "re-anchored 1, left unchanged 0" in err
    assert run(capsys, "validate", str(project))[0] == 0
    record = AnnotationFile(alice, "alice").get("a1")
    assert record is not None
    assert [(s.start, s.text) for s in record.spans] == [
        (EDITED.index("Ana Ruiz"), "Ana Ruiz"),
        (EDITED.index("GENEVA"), "GENEVA"),
    ]
    # nothing left to do
    code, _, err = run(capsys, "reanchor", str(project))
    assert code == 0 and "0 record(s)" in err


def test_a_record_with_an_unplaceable_span_is_left_untouched_and_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = drifted_project(
        tmp_path / "p", ("alice", ["Ana Ruiz", "the"]), ("bob", ["Tomas Berg"])
    )
    alice = project / "annotations" / "alice.jsonl"
    before = alice.read_bytes()
    code, out, err = run(capsys, "reanchor", str(project))
    assert code == 1
    assert out.splitlines() == [
        f"{alice}:1: document 'a1': left unchanged: 1 span(s) could not be placed",
        f"    span 's1' 'the' at {ARTICLE.index('the')}: text found more than once within 1000 "
        "characters",
        f"{project / 'annotations' / 'bob.jsonl'}:1: document 'a1': re-anchored (1 of 1 span(s) "
        "moved)",
    ]
    assert "re-anchored 1, left unchanged 1" in err
    assert alice.read_bytes() == before
    code, out, _ = run(capsys, "validate", str(project))
    assert code == 1 and len(out.splitlines()) == 1 and "alice.jsonl:1: text_sha256" in out


def test_reanchor_one_annotator_and_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = drifted_project(tmp_path / "p", ("alice", ["GENEVA"]), ("bob", ["GENEVA"]))
    bob = project / "annotations" / "bob.jsonl"
    before = bob.read_bytes()
    assert run(capsys, "reanchor", str(project), "--annotator", "alice")[0] == 0
    assert bob.read_bytes() == before
    code, _, err = run(capsys, "reanchor", str(project), "--annotator", "nobody")
    assert code == 1 and "no annotation file for 'nobody'" in err
    assert not (project / "annotations" / "nobody.jsonl").exists()
    # bob is annotating right now: his file is not touched, and the message says why
    with AnnotationFile(bob, "bob", writable=True):
        code, _, err = run(capsys, "reanchor", str(project))
    assert code == 1 and "already open for writing" in err
    assert bob.read_bytes() == before


def test_reanchor_refuses_a_file_it_cannot_fully_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = drifted_project(tmp_path / "p", ("alice", ["GENEVA"]))
    alice = project / "annotations" / "alice.jsonl"
    alice.write_bytes(alice.read_bytes() + b"{oops\n")
    before = alice.read_bytes()
    code, _, err = run(capsys, "reanchor", str(project))
    assert code == 1 and f"{alice}:" in err and "will not be written" in err
    assert alice.read_bytes() == before


REPEATED = (
    "Talks in Geneva opened on Monday. Minister Ana Ribeiro said Geneva was chosen because "
    "Ribeiro had asked for it, and Ventrell agreed. Ventrell left Geneva on Tuesday.\n"
)


def test_a_name_repeated_nearby_is_placed_by_its_neighbours() -> None:
    """A line added at the top shifts every span alike: a name that occurs several times near
    its old place goes where its neighbours' shift puts it, instead of being left out."""
    spans = [
        span(REPEATED, "Talks in Geneva", "event", "s1"),
        span(REPEATED, "Geneva", "entity", "s2", occurrence=1),
        span(REPEATED, "Ribeiro", "entity", "s3", occurrence=1),
        span(REPEATED, "Ventrell", "speaker", "s4", occurrence=1),
    ]
    record = make_record(REPEATED, spans=spans)
    edited = "UPDATED: " + REPEATED
    new, moved, unplaced = reanchor_record(record, edited)
    assert unplaced == [] and new is not None and moved == 4
    assert [(s.start, s.end) for s in new.spans] == [(s.start + 9, s.end + 9) for s in spans]
    assert all(edited[s.start : s.end] == s.text for s in new.spans)


def test_unplaced_spans_are_dropped_only_when_asked_with_their_relations() -> None:
    spans = [
        span(REPEATED, "Ana Ribeiro", "speaker", "s1"),
        span(REPEATED, "Talks in Geneva", "event", "s2"),
        span(REPEATED, "Ventrell agreed", "claim", "s3"),
    ]
    relations = [Relation(id="r1", label="attributed_to", head="s3", tail="s1")]
    record = make_record(REPEATED, spans=spans, relations=relations)
    edited = "UPDATED: " + REPEATED.replace("Ana Ribeiro", "Ana M. Ribeiro")
    new, _, unplaced = reanchor_record(record, edited)
    assert new is None and [item.span.id for item in unplaced] == ["s1"]
    new, _, unplaced = reanchor_record(record, edited, drop_unplaced=True)
    assert new is not None and [item.span.id for item in unplaced] == ["s1"]
    assert [s.id for s in new.spans] == ["s2", "s3"] and new.relations == []
    assert check_record(new, edited, ProjectConfig()) == []


def test_reanchor_drop_unplaced_keeps_what_it_can_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA F27: a title line added and one name edited; without the option the record stays
    read-only, with it every other span is kept and the edited one listed as dropped."""
    root = tmp_path / "p"
    make_project(root, {"a1": REPEATED})
    spans = [
        span(REPEATED, "Talks in Geneva", "event", "s0"),
        span(REPEATED, "Ana Ribeiro", "speaker", "s1"),
        span(REPEATED, "Geneva", "entity", "s2", occurrence=1),
        span(REPEATED, "Ventrell", "speaker", "s3", occurrence=1),
        span(REPEATED, "left Geneva on Tuesday", "event", "s4"),
    ]
    with AnnotationFile(root / "annotations" / "alice.jsonl", "alice", writable=True) as f:
        f.save(make_record(REPEATED, spans=spans))
    edited = "UPDATED: " + REPEATED.replace("Ana Ribeiro", "Ana M. Ribeiro")
    (root / "documents" / "a1.txt").write_text(edited, encoding="utf-8")
    code, out, err = run(capsys, "reanchor", str(root))
    assert code == 1 and "left unchanged: 1 span(s) could not be placed" in out
    code, out, err = run(capsys, "reanchor", str(root), "--drop-unplaced")
    assert code == 0
    assert "1 span(s) that could not be placed dropped:" in out and "'Ana Ribeiro'" in out
    assert "re-anchored 1, left unchanged 0; 1 span(s) that could not be placed dropped" in err
    record = AnnotationFile(root / "annotations" / "alice.jsonl", "alice").get("a1")
    assert record is not None
    assert [(s.id, edited[s.start : s.end]) for s in record.spans] == [
        ("s0", "Talks in Geneva"),
        ("s2", "Geneva"),
        ("s3", "Ventrell"),
        ("s4", "left Geneva on Tuesday"),
    ]
    assert check_record(record, edited, ProjectConfig()) == []
