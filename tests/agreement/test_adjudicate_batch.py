"""`adjudicate --auto` on many documents: gold records saved in batches, progress reported, the
merge's quickly built spans the same as validated ones, and a disk fault mid-run reported."""

from __future__ import annotations

import errno
import gc
import itertools
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from annotator.agreement import adjudicate, report
from annotator.agreement.adjudicate import (
    auto_adjudicate,
    merge_gold,
    new_provenance,
    new_relation,
    new_span,
)
from annotator.agreement.light import LightRecord
from annotator.cli import main
from annotator.model.records import AnnotationRecord, Relation, Span, SpanProvenance, Status
from annotator.model.text import text_sha256
from annotator.store.annotations import AnnotationFile, encode_record
from annotator.store.project import Project

from .helpers import build_project, record
from .test_span_cases import AIDES, CLAIM, EVENT, SPEAKER, TEXT

DOCUMENTS = 130
UNANNOTATED = {f"doc{index:03}" for index in range(0, DOCUMENTS, 10)}


def many_documents(root: Path) -> Path:
    """130 documents; two annotators agree on a few spans in all but every tenth."""
    documents = {f"doc{index:03}": TEXT for index in range(DOCUMENTS)}
    annotated = {doc_id: [SPEAKER, CLAIM] for doc_id in documents if doc_id not in UNANNOTATED}
    build_project(
        root,
        documents,
        {
            "alice": {doc_id: [*spans, EVENT] for doc_id, spans in annotated.items()},
            "bob": annotated,
        },
    )
    return root


def gold_lines(root: Path) -> list[str]:
    text = (root / "annotations" / "gold.jsonl").read_text(encoding="utf-8")
    return [re.sub(r'"updated_at":"[^"]*"', '"updated_at":"-"', line) for line in text.splitlines()]


def test_progress_goes_up_in_steps_of_at_most_about_fifty_and_reaches_the_total(
    tmp_path: Path,
) -> None:
    root = many_documents(tmp_path / "p")
    calls: list[tuple[int, int]] = []
    summary = auto_adjudicate(
        Project(root), progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1] == (DOCUMENTS, DOCUMENTS)
    assert {total for _, total in calls} == {DOCUMENTS}
    done = [0] + [done for done, _ in calls]
    assert done == sorted(done)
    assert max(after - before for before, after in itertools.pairwise(done)) <= 51
    assert len(summary.outcomes) == DOCUMENTS - len(UNANNOTATED)
    assert len(gold_lines(root)) == DOCUMENTS - len(UNANNOTATED)


def test_fault_mid_run_keeps_the_saved_batches_says_how_many_and_a_rerun_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = many_documents(tmp_path / "p")
    clean = tmp_path / "clean"
    shutil.copytree(root, clean)
    assert main(["adjudicate", str(clean), "--auto"]) == 0
    gold = root / "annotations" / "gold.jsonl"
    monkeypatch.setattr(AnnotationFile, "SAVE_MANY_BATCH_BYTES", 1)  # a batch per record
    writes = 0
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        nonlocal writes
        try:
            target = os.readlink(f"/proc/self/fd/{fd}") == str(gold)
        except OSError:
            target = False
        if target:
            writes += 1
            if writes >= 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    capsys.readouterr()
    assert main(["adjudicate", str(root), "--auto"]) == 1
    error = capsys.readouterr().err.strip()
    assert error == (
        f"annotator: error: {gold}: could not save: {os.strerror(errno.ENOSPC)} "
        "(2 gold record(s) of this run were saved before it; run again to finish)"
    )
    assert gc.isenabled()
    monkeypatch.undo()
    assert gold_lines(root) == gold_lines(clean)[:2]  # the two acknowledged, readable
    assert main(["adjudicate", str(root), "--auto"]) == 0
    assert gold_lines(root) == gold_lines(clean)


def test_batched_run_writes_what_one_save_per_record_writes(tmp_path: Path) -> None:
    root = many_documents(tmp_path / "p")
    project = Project(root)
    auto_adjudicate(project)
    batched = gold_lines(root)
    (root / "annotations" / "gold.jsonl").unlink()
    by_one = tmp_path / "one.jsonl"
    with AnnotationFile(by_one, "gold", writable=True) as one_by_one:
        for doc_id in sorted(set(project.corpus.ids()) - UNANNOTATED):
            records = {
                name: LightRecord.of(Project(root).annotations(name).get(doc_id))  # type: ignore[arg-type]
                for name in ("alice", "bob")
            }
            record, _ = merge_gold(doc_id, TEXT, records, None, "gold")
            assert record is not None
            one_by_one.save(record)
    expected = [
        re.sub(r'"updated_at":"[^"]*"', '"updated_at":"-"', line)
        for line in by_one.read_text(encoding="utf-8").splitlines()
    ]
    assert batched == expected


def test_spans_provenance_and_relations_built_unchecked_equal_the_validated_ones() -> None:
    start, end, label = CLAIM
    span = new_span("g1", CLAIM, TEXT)
    validated = Span(id="g1", start=start, end=end, label=label, text=TEXT[start:end])
    assert span == validated
    assert span.model_fields_set == validated.model_fields_set
    assert span.model_dump() == validated.model_dump()
    assert span.__pydantic_extra__ is None and span.__pydantic_private__ is None
    provenance = new_provenance(["alice", "bob"], "majority", True)
    assert provenance == SpanProvenance(annotators=["alice", "bob"], decision="majority")
    assert provenance.model_fields_set == {"annotators", "decision"}
    relation = new_relation("gr1", "attributed_to", "g1", "g2")
    assert relation == Relation(id="gr1", label="attributed_to", head="g1", tail="g2")
    assert relation.model_fields_set == set(Relation.model_fields)
    with pytest.raises(ValidationError):
        new_relation("gr1", "", "g1", "g2")  # not plainly valid: the model decides


def test_a_voted_span_past_the_end_of_the_text_is_refused_as_before() -> None:
    past = (len(TEXT) - 2, len(TEXT) + 3, "event")
    spans = [("s0", *past)]
    records = {
        name: LightRecord("d1", name, text_sha256(TEXT), list(spans), []) for name in ("a", "b")
    }
    with pytest.raises(ValidationError, match="text has 2 characters but the span covers 5"):
        merge_gold("d1", TEXT, records, None, "gold")


def test_merged_record_encodes_like_a_validated_copy() -> None:
    records = {
        name: LightRecord(
            "d1",
            name,
            text_sha256(TEXT),
            [("s0", *SPEAKER), ("s1", *CLAIM)],
            [("r0", "attributed_to", "s1", "s0")],
        )
        for name in ("alice", "bob")
    }
    record, _ = merge_gold("d1", TEXT, records, None, "gold")
    assert record is not None and len(record.spans) == 2 and len(record.relations) == 1
    validated = type(record).model_validate_json(encode_record(record))
    assert validated == record
    assert encode_record(validated) == encode_record(record)


# -- worker processes ---------------------------------------------------------------------------


def reviewed_project(root: Path) -> Path:
    """``many_documents`` after a first merge and an adjudicator's work on a few gold records:
    one marked done, one with a person's span and a rejected version, one edited."""
    many_documents(root)
    auto_adjudicate(Project(root), min_votes=1, workers=1)
    project = Project(root)
    for name in ("alice", "bob"):  # a document annotated since: its gold record is created
        with project.annotations(name, writable=True) as file:
            file.save(record(name, "doc010", TEXT, [SPEAKER]))
    with project.annotations("gold", writable=True) as gold:
        done = gold.get("doc001")
        person = gold.get("doc002")
        edited = gold.get("doc003")
        assert done is not None and person is not None and edited is not None
        gold.save(done.model_copy(update={"status": Status.done}))
        start, end, label = AIDES
        mine = Span(id="h1", start=start, end=end, label=label, text=TEXT[start:end])
        rejected = Span(id="x1", start=EVENT[0], end=EVENT[1], label="event", text="ceasefire")
        gold.save(
            person.model_copy(
                update={
                    "spans": [*person.spans, mine],
                    "provenance": {
                        **(person.provenance or {}),
                        "h1": SpanProvenance(annotators=["bob"], decision="accepted"),
                    },
                    "rejected": [rejected],
                }
            )
        )
        first = edited.spans[0]
        gold.save(
            edited.model_copy(
                update={
                    "provenance": {
                        **(edited.provenance or {}),
                        first.id: SpanProvenance(annotators=["alice"], decision="edited"),
                    }
                }
            )
        )
    return root


@pytest.mark.parametrize("min_votes", [None, 1])
def test_worker_processes_give_what_one_process_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, min_votes: int | None
) -> None:
    one = reviewed_project(tmp_path / "one")
    many = tmp_path / "many"
    shutil.copytree(one, many)
    monkeypatch.setattr(adjudicate, "CHUNK", 7)  # many slices, several per worker
    alone = auto_adjudicate(Project(one), min_votes=min_votes, workers=1)
    # The workers merge (each notes its process id) with the selection this process opened:
    # opening the project again in a worker would fail here.
    merged_by = tmp_path / "pids"
    real_merge = adjudicate.merge_gold

    def noting(*args: Any, **kwargs: Any) -> Any:
        with merged_by.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return real_merge(*args, **kwargs)

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker opened the project again")

    monkeypatch.setattr(adjudicate, "merge_gold", noting)
    monkeypatch.setattr(report, "Selection", refused)
    calls: list[tuple[int, int]] = []
    forked = auto_adjudicate(
        Project(many),
        min_votes=min_votes,
        workers=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert forked.outcomes == alone.outcomes
    pids = merged_by.read_text().split()
    assert len(pids) == len(alone.outcomes) and str(os.getpid()) not in pids
    actions = {outcome.action for outcome in alone.outcomes}
    assert actions >= {"created", "skipped", "updated"}
    assert gold_lines(many) == gold_lines(one)
    assert calls[-1] == (DOCUMENTS, DOCUMENTS)
    done = [0] + [done for done, _ in calls]
    assert done == sorted(done)
    assert gc.isenabled()


def test_plain_record_rebuilt_equals_the_record() -> None:
    gold = reviewed_project_record()
    rebuilt = adjudicate._rebuilt(adjudicate._plain(gold))
    assert rebuilt == gold
    assert rebuilt.model_fields_set == gold.model_fields_set
    assert rebuilt.provenance is not None and gold.provenance is not None
    for span_id, provenance in gold.provenance.items():
        assert rebuilt.provenance[span_id].model_fields_set == provenance.model_fields_set
    assert encode_record(rebuilt) == encode_record(gold)


def reviewed_project_record() -> AnnotationRecord:
    spans = [Span(id="g1", start=SPEAKER[0], end=SPEAKER[1], label="speaker", text=TEXT[:25])]
    return AnnotationRecord(
        doc_id="d1",
        annotator="gold",
        text_sha256=text_sha256(TEXT),
        spans=spans,
        relations=[Relation(id="gr1", label="attributed_to", head="g1", tail="g1")],
        provenance={
            "g1": SpanProvenance(annotators=["alice", "bob"], decision="edited"),
            "g2": SpanProvenance(annotators=["carol"]),  # its decision left to the default
        },
        rejected=[Span(id="x1", start=EVENT[0], end=EVENT[1], label="event", text="ceasefire")],
        status=Status.flagged,
        note="checked",
        cursor=4,
        seconds_spent=12.5,
    )


def test_a_worker_that_fails_leaves_the_error_to_this_process_after_saving_what_came_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = many_documents(tmp_path / "p")
    # the merge of doc051 fails (records that do not validate are refused before any merge,
    # see test_bad_input.py, so the failure is made here): a pydantic error, which does not
    # even cross between processes
    merge = adjudicate.merge_gold

    def failing(doc_id: str, *args: Any, **kwargs: Any) -> Any:
        if doc_id == "doc051":
            Span(id="s9", start=5, end=10, label="event", text="d.xy")
        return merge(doc_id, *args, **kwargs)

    monkeypatch.setattr(adjudicate, "merge_gold", failing)  # before the workers are forked
    monkeypatch.setattr(adjudicate, "CHUNK", 7)
    with pytest.raises(ValidationError, match="text has 4 characters but the span covers 5"):
        auto_adjudicate(Project(root), workers=2)
    assert gc.isenabled()
    saved = gold_lines(root)
    assert len(saved) == 45  # doc000 to doc050 less the six nobody annotated
