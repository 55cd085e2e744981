"""Patch format 2: a gold record's review decision saved as a small patch line.

A delta that describes the rejected spans and the provenance of a gold record lets the store
append only the decision, not the book's whole provenance. The folded record must still be
exactly the record saved (equal, and written back byte for byte by a compaction), patch lines
that need none of it must stay format 1 (readable by the previous release), and a malformed
format 2 line must be an error naming its file, line and field.
"""

from __future__ import annotations

import os
from bisect import bisect_left, insort
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.model.delta import RecordDelta, apply, diff, span_order
from annotator.model.errors import AnnotatorError
from annotator.model.records import (
    AnnotationRecord,
    LinkEnd,
    RejectedRelation,
    Relation,
    Span,
    SpanProvenance,
    Status,
)
from annotator.model.text import text_sha256
from annotator.store.annotations import AnnotationFile, encode_record
from annotator.store.index_cache import IndexCache

from .helpers import patch_line_of
from .test_store_patches import TEXT, WORDS, file_lines, run_validate, word, write_project


def entry(decision: str = "accepted", *names: str) -> SpanProvenance:
    return SpanProvenance(annotators=list(names or ("ann", "bob")), decision=decision)


def gold_record(count: int = 300, *, rejected: bool = True) -> AnnotationRecord:
    """A gold record of ``TEXT``: a span on every third word, one in five of the words between
    them rejected, a provenance entry per span."""
    spans = [
        word(index, "speaker" if index % 6 else "claim", f"g{index}")
        for index in range(0, 3 * count, 3)
    ]
    return AnnotationRecord(
        doc_id="big",
        annotator="alice",
        text_sha256=text_sha256(TEXT),
        spans=spans,
        relations=[
            Relation(id=f"r{index}", label="attributed_to", head=f"g{index}", tail=f"g{index + 3}")
            for index in range(0, 60, 6)
        ],
        cursor=0,
        provenance={span.id: entry("unanimous") for span in spans},
        rejected=[word(index, "claim", f"x{index}") for index in range(1, 3 * count, 15)]
        if rejected
        else None,
    )


def appended(path: Path, before: int) -> bytes:
    return path.read_bytes()[before:]


# -- the folded record is what was saved, whatever the sequence of decisions -------------------

KINDS = [
    "accept",  # a new span, its provenance entry, the rejected version of it dropped
    "reject",  # a span out (its relations and provenance entry too), a rejected span in
    "redecide",  # a provenance entry replaced in place
    "move",  # a provenance entry removed and set again: it goes last
    "unreject",
    "link",
    "clear_rejected",  # rejected becomes [] (or None)
    "clear_provenance",  # provenance becomes {} (or None)
    "undescribed",  # an accept whose delta does not describe rejected and provenance
    "status",
]
decisions = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(min_value=0, max_value=WORDS - 1)),
    min_size=1,
    max_size=20,
)


def decide(
    record: AnnotationRecord, kind: str, number: int, step: int
) -> tuple[AnnotationRecord, RecordDelta]:
    """``record`` after one review decision, and the delta describing it (the way a review
    would build both: sorted lists, provenance updated as a dict)."""
    spans = list(record.spans)
    relations = list(record.relations)
    rejected = None if record.rejected is None else list(record.rejected)
    provenance = None if record.provenance is None else dict(record.provenance)
    update: dict[str, object] = {"cursor": number, "seconds_spent": step * 1.25}
    delta = RecordDelta(rejected_set=(), provenance_set=())
    if kind in ("accept", "undescribed"):
        span = word(number, "entity", f"a{step}")
        spans.insert(bisect_left(spans, span_order(span), key=span_order), span)
        new = entry("accepted")
        provenance = {} if provenance is None else provenance
        provenance[span.id] = new
        rejected = [] if rejected is None else rejected
        dropped = tuple(item.id for item in rejected if item.start == span.start)
        rejected = [item for item in rejected if item.id not in dropped]
        if kind == "accept":
            delta = RecordDelta(
                spans_set=(span,),
                rejected_set=(),
                rejected_removed=dropped,
                provenance_set=((span.id, new),),
            )
        else:
            delta = RecordDelta(spans_set=(span,))
    elif kind == "reject" and spans:
        gone = spans[number % len(spans)]
        spans.remove(gone)
        dangling = tuple(r.id for r in relations if gone.id in (r.head, r.tail))
        relations = [r for r in relations if r.id not in dangling]
        had_entry = provenance is not None and gone.id in provenance
        if provenance is not None:
            provenance.pop(gone.id, None)
        rejected = [] if rejected is None else rejected
        out = gone.model_copy(update={"id": f"x-{step}"})
        insort(rejected, out, key=lambda item: (item.start, item.end, item.label))
        delta = RecordDelta(
            spans_removed=(gone.id,),
            relations_removed=dangling,
            rejected_set=(out,),
            provenance_set=(),
            provenance_removed=(gone.id,) if had_entry else (),
        )
    elif kind in ("redecide", "move") and provenance:
        key = list(provenance)[number % len(provenance)]
        new = entry("edited", "carol")
        if kind == "move":
            del provenance[key]
        provenance[key] = new
        delta = RecordDelta(
            rejected_set=(),
            provenance_set=((key, new),),
            provenance_removed=(key,) if kind == "move" else (),
        )
    elif kind == "unreject" and rejected:
        gone_id = rejected.pop(number % len(rejected)).id
        delta = RecordDelta(rejected_set=(), rejected_removed=(gone_id,), provenance_set=())
    elif kind == "link" and len(spans) > 1:
        head, tail = spans[number % len(spans)], spans[(number + 7) % len(spans)]
        link = Relation(id=f"l{step}", label="attributed_to", head=head.id, tail=tail.id)
        relations.append(link)
        delta = RecordDelta(relations_set=(link,), rejected_set=(), provenance_set=())
    elif kind == "clear_rejected":
        removed = tuple(item.id for item in rejected or ())
        rejected = None if number % 2 else []
        delta = RecordDelta(rejected_set=(), rejected_removed=removed, provenance_set=())
    elif kind == "clear_provenance":
        removed = tuple(provenance or ())
        provenance = None if number % 2 else {}
        delta = RecordDelta(rejected_set=(), provenance_set=(), provenance_removed=removed)
    elif kind == "status":
        update["status"] = Status.done if number % 2 else Status.flagged
        update["note"] = f"note {step}"
    update.update(spans=spans, relations=relations, rejected=rejected, provenance=provenance)
    return record.model_copy(update=update), delta


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(decisions, st.booleans())
def test_folded_gold_record_equals_what_was_saved(
    tmp_path_factory: pytest.TempPathFactory, sequence: list[tuple[str, int]], bare: bool
) -> None:
    path = tmp_path_factory.mktemp("gold") / "alice.jsonl"
    record = gold_record(rejected=not bare)
    formats: set[object] = set()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.PATCH_MIN_BYTES = 4096  # the record is ~60 KB: patch it from the start
        annotations.save(record)
        for step, (kind, number) in enumerate(sequence):
            before = path.stat().st_size
            record, delta = decide(record, kind, number, step)
            annotations.save(record, delta)
            formats.add(orjson.loads(appended(path, before)).get("patch"))
            assert annotations.get("big") == record
            if step % 4 == 3:  # another process sees the folded record too
                assert AnnotationFile(path, "alice").get("big") == record
        reader = AnnotationFile(path, "alice")
        assert [saved for _line, saved in reader.iter_records()] == [record]
        assert reader.problems == []
        assert annotations.read_line(annotations.entries["big"]) == encode_record(record)[:-1]
        annotations.compact()
        assert path.read_bytes() == encode_record(record)
        # patching goes on after the compaction, on the folded record
        record, delta = decide(record, "accept", 11, 99)
        annotations.save(record, delta)
        assert file_lines(path)[-1]["patch"] == 2
    assert path.read_bytes() == encode_record(record)
    assert AnnotationFile(path, "alice").get("big") == record
    assert formats <= {None, 1, 2}


def test_every_decision_kind_is_a_patch_line(tmp_path: Path) -> None:
    """The decisions of the property test really are saved as patch lines (format 2 when they
    describe a change of rejected or provenance), none of them whole."""
    path = tmp_path / "alice.jsonl"
    record = gold_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.PATCH_MIN_BYTES = 4096
        annotations.PATCH_MAX_SHARE = 1.0  # the undescribed decision carries provenance whole
        annotations.save(record)
        for step, kind in enumerate(KINDS):
            record, delta = decide(record, kind, 5 * step + 1, step)
            annotations.save(record, delta)
        versions = [line.get("patch") for line in file_lines(path)]
        assert versions == [None, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2]
        # the undescribed decision wrote rejected and provenance whole, as format 1 does
        assert {"provenance", "rejected"} <= file_lines(path)[9].keys()
        assert annotations.get("big") == record


# -- format 1 stays format 1 ---------------------------------------------------------------


def format_1_line(record: AnnotationRecord, span: Span, after: str) -> bytes:
    """The patch line format 1 writes for a record whose only change is ``span`` added."""
    value: dict[str, object] = {"patch": 1}
    value.update(record.model_dump(mode="json", exclude_none=True, exclude={"spans", "relations"}))
    value.update(
        spans_set=[span.model_dump(mode="json")],
        spans_after=[after],
        span_count=len(record.spans),
        relation_count=len(record.relations),
    )
    return orjson.dumps(value) + b"\n"


@pytest.mark.parametrize(
    "delta_parts",
    [
        {},  # rejected and provenance not described: written whole, as before
        {"rejected_set": (), "provenance_set": ()},  # described, but the record has neither
    ],
)
def test_deltas_without_gold_changes_write_format_1_lines(
    tmp_path: Path, delta_parts: dict[str, tuple[object, ...]]
) -> None:
    path = tmp_path / "alice.jsonl"
    record = gold_record(rejected=False).model_copy(update={"provenance": None})
    if not delta_parts:
        record = gold_record()  # a gold record: its fields whole in the format 1 line
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.PATCH_MIN_BYTES = 4096
        annotations.PATCH_MAX_SHARE = 1.0  # provenance whole in a format 1 line
        annotations.save(record)
        span = word(4, "entity", "new")
        delta = RecordDelta(spans_set=(span,), **delta_parts)  # type: ignore[arg-type]
        record = apply(record, delta)
        record.spans.sort(key=span_order)
        before = path.stat().st_size
        annotations.save(record, delta)
        assert appended(path, before) == format_1_line(record, span, "g3")
        assert annotations.get("big") == record


# -- what a decision costs -----------------------------------------------------------------


def book_gold(count: int) -> AnnotationRecord:
    """A gold record of ``count`` spans and as many provenance entries (offsets past ``TEXT``
    do not matter to the store)."""
    spans = [
        Span(id=f"g{index}", start=7 * index, end=7 * index + 6, label="claim", text="w00000")
        for index in range(count)
    ]
    return AnnotationRecord(
        doc_id="book",
        annotator="alice",
        text_sha256=text_sha256(TEXT),
        spans=spans,
        provenance={span.id: entry("unanimous") for span in spans},
        rejected=[
            Span(id=f"x{index}", start=7 * index, end=7 * index + 3, label="claim", text="w00")
            for index in range(0, count, 50)
        ],
    )


def review_decision(record: AnnotationRecord, at: int) -> tuple[AnnotationRecord, RecordDelta]:
    """Accept a candidate competing with span ``g{at}``: the new span in, the competing one
    out and rejected, the provenance entries updated."""
    old = record.spans[at]
    new = Span(id=f"n{at}", start=old.start, end=old.end - 1, label="claim", text="w0000")
    spans = [span for span in record.spans if span is not old]
    spans.insert(bisect_left(spans, span_order(new), key=span_order), new)
    out = old.model_copy(update={"id": f"y{at}"})
    rejected = list(record.rejected or [])
    insort(rejected, out, key=lambda item: (item.start, item.end, item.label))
    accepted = entry("accepted")
    provenance = dict(record.provenance or {})
    del provenance[old.id]
    provenance[new.id] = accepted
    delta = RecordDelta(
        spans_set=(new,),
        spans_removed=(old.id,),
        rejected_set=(out,),
        provenance_set=((new.id, accepted),),
        provenance_removed=(old.id,),
    )
    changed = record.model_copy(
        update={"spans": spans, "rejected": rejected, "provenance": provenance, "cursor": old.start}
    )
    return changed, delta


def test_a_review_decision_on_a_large_gold_record_appends_under_2_kb(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    record = book_gold(10_000)
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        full = path.stat().st_size
        assert full > 1_000_000
        for at in (10, 5000, 9990):
            record, delta = review_decision(record, at)
            before = path.stat().st_size
            annotations.save(record, delta)
            line = appended(path, before)
            assert len(line) < 2048, len(line)
            assert orjson.loads(line)["patch"] == 2
        assert annotations.get("book") == record
        # the same decision with a delta that does not describe the gold fields: whole record
        record, delta = review_decision(record, 42)
        before = path.stat().st_size
        annotations.save(
            record, RecordDelta(spans_set=delta.spans_set, spans_removed=delta.spans_removed)
        )
        assert path.stat().st_size - before > full // 2
        assert annotations.get("book") == record


# -- the store checks a described delta, and falls back to a whole record -------------------


@pytest.mark.parametrize(
    "wrong",
    [
        "rejected_removed_absent",
        "rejected_count",
        "rejected_not_in_record",
        "provenance_removed_absent",
        "provenance_count",
        "provenance_other_object",
        "provenance_new_key_not_last",
    ],
)
def test_a_gold_delta_that_does_not_fit_writes_the_whole_record(tmp_path: Path, wrong: str) -> None:
    path = tmp_path / "alice.jsonl"
    record = gold_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.PATCH_MIN_BYTES = 4096
        annotations.save(record)
        changed, delta = review_decision(record, 7)
        provenance = dict(changed.provenance or {})
        if wrong == "rejected_removed_absent":
            delta = replace(delta, rejected_removed=("nope",))
        elif wrong == "rejected_count":
            delta = replace(delta, rejected_set=())
        elif wrong == "rejected_not_in_record":
            twin = (delta.rejected_set or ())[0].model_copy()
            delta = replace(delta, rejected_set=(twin,))
        elif wrong == "provenance_removed_absent":
            removed = (*delta.provenance_removed, "nope")
            delta = replace(delta, provenance_removed=removed)
        elif wrong == "provenance_count":
            delta = replace(delta, provenance_removed=())
        elif wrong == "provenance_other_object":
            twin_entry = entry("accepted")  # equal, but not the record's object
            delta = replace(delta, provenance_set=(("n7", twin_entry),))
        else:  # the new entry in the middle of the dict, where a dict update cannot put it
            moved = {"n7": provenance.pop("n7"), **provenance}
            changed = changed.model_copy(update={"provenance": moved})
        annotations.save(changed, delta)
        assert [line.get("patch") for line in file_lines(path)] == [None, None]
        assert annotations.get("big") == changed
        # the next decision fits again
        later, delta = review_decision(changed, 20)
        annotations.save(later, delta)
        assert [line.get("patch") for line in file_lines(path)] == [None, None, 2]
        assert AnnotationFile(path, "alice").get("big") == later


def test_after_a_failed_gold_save_the_next_save_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "alice.jsonl"
    record = gold_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.PATCH_MIN_BYTES = 4096
        annotations.save(record)
        record, first = review_decision(record, 3)
        real_fsync = os.fsync

        def refuse(fd: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", refuse)
        with pytest.raises(AnnotatorError):
            annotations.save(record, first)
        monkeypatch.setattr(os, "fsync", real_fsync)
        # the caller passes only the newest decision: the store must not trust it alone
        record, second = review_decision(record, 30)
        annotations.save(record, second)
        record, third = review_decision(record, 60)
        annotations.save(record, third)
        assert [line.get("patch") for line in file_lines(path)] == [None, None, 2]
        assert AnnotationFile(path, "alice").get("big") == record


def test_gold_patch_lines_through_the_cache_and_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    record = gold_record()
    annotations = AnnotationFile(path, "alice", writable=True)
    annotations.PATCH_MIN_BYTES = 4096
    annotations.save(record)
    kept = record
    for at in (2, 40):
        kept, delta = review_decision(kept, at)
        annotations.save(kept, delta)
    torn_record, delta = review_decision(kept, 90)
    annotations.save(torn_record, delta)
    data = path.read_bytes()
    cache = IndexCache(tmp_path / "cache")
    assert AnnotationFile(path, "alice", cache=cache).get("big") == torn_record
    assert AnnotationFile(path, "alice", cache=cache).get("big") == torn_record  # cached
    annotations.close()
    last = data.rindex(b"\n", 0, len(data) - 1) + 1
    path.write_bytes(data[: last + 40])  # a crash in the middle of the last patch line
    reader = AnnotationFile(path, "alice", cache=cache)
    assert reader.problems == [] and [warning.line for warning in reader.warnings] == [4]
    assert reader.get("big") == kept
    with AnnotationFile(path, "alice", writable=True) as writer:
        assert writer.get("big") == kept
    assert path.read_bytes() == encode_record(kept)


def test_diff_describes_gold_fields_and_apply_folds_them() -> None:
    record = gold_record()
    changed, _delta = review_decision(record, 5)
    changed, _delta = decide(changed, "move", 3, 1)
    # a provenance rebuilt in span order (the new entry in the middle): diff re-sets the tail
    reordered = changed.model_copy(
        update={
            "provenance": {span.id: (changed.provenance or {})[span.id] for span in changed.spans}
        }
    )
    for new in (changed, reordered):
        delta = diff(record, new, gold=True)
        folded = apply(record, delta).model_copy(
            update={"cursor": new.cursor, "seconds_spent": new.seconds_spent}
        )  # (apply leaves scalar fields as they are)
        assert folded == new and list(folded.provenance or {}) == list(new.provenance or {})
        assert folded.rejected == new.rejected
    assert diff(record, changed).rejected_set is None


# -- a malformed format 2 line is an error naming file, line and field ----------------------


def gold_patch_line(**fields: object) -> bytes:
    return patch_line_of(gold_record(), 2, **fields)


GOOD_REJECT = word(4, "claim", "x-new").model_dump()
REJECTED = len(gold_record().rejected or ())


def test_validate_accepts_good_format_2_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = gold_patch_line(
        rejected_set=[GOOD_REJECT],
        rejected_after=["x1"],
        rejected_removed=["x16"],
        provenance_set={"g3": {"annotators": ["bob"], "decision": "accepted"}},
        provenance_removed=["g0"],
        provenance_count=299,
    )
    path = write_project(tmp_path / "p", [encode_record(gold_record()), good])
    assert run_validate(tmp_path / "p", capsys) == (0, "")
    folded = AnnotationFile(path, "alice").get("big")
    assert folded is not None and folded.rejected is not None and folded.provenance is not None
    assert [span.id for span in folded.rejected[:3]] == ["x1", "x-new", "x31"]
    assert list(folded.provenance)[:2] == ["g3", "g6"]
    assert folded.provenance["g3"].decision == "accepted"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"patch": 1}, "rejected_count: needs patch format 2 (this line says 1)"),
        ({"patch": 3}, "patch: unknown patch format 3"),
        ({"rejected_removed": ["nope"]}, "rejected_removed[0]: removes 'nope'"),
        ({"rejected_count": 3}, "rejected_count: says the record has 3 rejected"),
        (
            {
                "rejected_set": [GOOD_REJECT],
                "rejected_after": ["gone"],
                "rejected_count": REJECTED + 1,
            },
            "rejected_after[0]: places 'x-new' after 'gone'",
        ),
        (
            {"rejected_set": [GOOD_REJECT], "rejected_count": REJECTED + 1},
            "rejected_after: expected a list of ids as long as rejected_set",
        ),
        (
            {"rejected_set": [GOOD_REJECT], "rejected_after": [None], "rejected_count": None},
            "rejected_count: missing",
        ),
        (
            {"rejected_set": [{**GOOD_REJECT, "end": 1}], "rejected_after": [None]},
            "rejected_set[0]: end (1) must be greater",
        ),
        ({"rejected_removed": "x1"}, "rejected_removed: expected a list of ids"),
        ({"rejected": []}, "rejected: a patch carries rejected whole or its change"),
        ({"provenance_set": ["g3"]}, "provenance_set: expected an object"),
        ({"provenance_removed": ["nope"]}, "provenance_removed[0]: removes 'nope'"),
        ({"provenance_count": 7}, "provenance_count: says the record has 7 provenance entries"),
        (
            {"provenance_set": {"g3": {"decision": 5}}},
            "provenance_set.g3.decision",
        ),
        ({"provenance_removed": ["g0"], "provenance_count": None}, "provenance_count: missing"),
        ({"provenance": {}}, "provenance: a patch carries provenance whole or its change"),
    ],
)
def test_validate_names_the_bad_format_2_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, object],
    expected: str,
) -> None:
    if fields.get("rejected_set") and "rejected_count" not in fields:
        fields = {**fields, "rejected_count": REJECTED + 1}
    path = write_project(tmp_path / "p", [encode_record(gold_record()), gold_patch_line(**fields)])
    code, out = run_validate(tmp_path / "p", capsys)
    assert code == 1
    assert f"{path}:2: {expected}" in out, out
    if fields.get("patch") != 3:  # (a line of an unknown format is not folded at all)
        with pytest.raises(AnnotatorError) as raised:
            AnnotationFile(path, "alice").get("big")
        assert raised.value.line == 2


def test_a_bad_rejected_span_is_named_on_the_line_it_comes_from(tmp_path: Path) -> None:
    """A rejected span that does not match the document is reported where it was written."""
    bad = {**GOOD_REJECT, "text": "wrong!"}
    lines = [
        encode_record(gold_record()),
        gold_patch_line(rejected_set=[bad], rejected_after=[None], rejected_count=REJECTED + 1),
        gold_patch_line(note="later", rejected_count=REJECTED + 1),
    ]
    path = write_project(tmp_path / "p", lines)
    code = run_validate_code(tmp_path / "p")
    assert code[0] == 1
    assert f"{path}:2: rejected[0].text" in code[1], code[1]


def run_validate_code(root: Path) -> tuple[int, str]:
    import contextlib
    import io

    from annotator.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["validate", str(root)])
    return code, out.getvalue()


def test_a_cache_written_for_another_patch_format_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A program that reads only format 1 must not take the index of a file that may hold
    format 2 lines from the cache: it rescans, and then names the line it cannot read."""
    import annotator.store.annotations as store
    from annotator.store.jsonl import RawLineStream

    path = tmp_path / "alice.jsonl"
    record = gold_record()
    writer = AnnotationFile(path, "alice", writable=True)
    writer.PATCH_MIN_BYTES = 4096
    writer.save(record)
    record, delta = review_decision(record, 4)
    writer.save(record, delta)
    cache = IndexCache(tmp_path / "cache")
    assert AnnotationFile(path, "alice", cache=cache).get("big") == record  # cached now
    scans: list[int] = []
    real_blocks = RawLineStream.blocks

    def counted(self: RawLineStream) -> object:
        scans.append(1)
        return real_blocks(self)

    monkeypatch.setattr(RawLineStream, "blocks", counted)
    assert AnnotationFile(path, "alice", cache=cache).get("big") == record
    assert scans == []  # the same program trusts its cache
    monkeypatch.setattr(store, "PATCH_VERSION", 1)  # an older program
    older = AnnotationFile(path, "alice", cache=cache)
    assert scans == [1]
    assert [(problem.line, problem.field) for problem in older.problems] == [(2, "patch")]
    writer.close()


# -- rejected relations (QA C1) -------------------------------------------------------------


def rejected_link(head: Span, tail: Span) -> RejectedRelation:
    def end(span: Span) -> LinkEnd:
        return LinkEnd(start=span.start, end=span.end, label=span.label, text=span.text)

    return RejectedRelation(label="attributed_to", head=end(head), tail=end(tail))


def test_rejected_relations_go_whole_in_a_format_2_patch_line_and_fold_back(
    tmp_path: Path,
) -> None:
    """A review's link rejection is kept: the short ``rejected_relations`` list goes whole in
    the patch line (format 2, as a format 1 reader must not take it), folds back into the
    record, and is written byte for byte by a compaction; a record without it is unchanged."""
    path = tmp_path / "alice.jsonl"
    record = gold_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.PATCH_MIN_BYTES = 4096
        annotations.save(record)
        relation = record.relations[0]
        spans = {span.id: span for span in record.spans}
        links = [rejected_link(spans[relation.tail], spans[relation.head])]
        record = record.model_copy(
            update={
                "relations": record.relations[1:],
                "rejected_relations": links,
            }
        )
        delta = RecordDelta(relations_removed=(relation.id,), rejected_set=(), provenance_set=())
        annotations.save(record, delta)
        lines = file_lines(path)
        assert lines[-1]["patch"] == 2
        assert lines[-1]["rejected_relations"] == [links[0].model_dump(mode="json")]
        assert annotations.get("big") == record
        annotations.compact()
    assert path.read_bytes() == encode_record(record)
    assert AnnotationFile(path, "alice").get("big") == record
    assert b"rejected_relations" not in encode_record(gold_record())


def test_a_format_1_line_with_rejected_relations_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = gold_record()
    spans = record.spans
    link = rejected_link(spans[1], spans[0]).model_dump(mode="json")
    line = patch_line_of(record, 1, rejected_relations=[link])
    path = write_project(tmp_path / "p", [encode_record(record), line])
    code, out = run_validate(tmp_path / "p", capsys)
    assert code == 1
    assert f"{path}:2: rejected_relations: needs patch format 2 (this line says 1)" in out, out
