"""A gold record on the annotate screen: provenance and rejected versions follow every edit,
undo and redo, and each save's delta says what changed in them (so the store can write a
small patch line for a book-length gold record)."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from line_count import lines_run
from test_session import CONFIG, TEXT, apply

from annotator.model import session as session_module
from annotator.model.records import AnnotationRecord, Document, Span, SpanProvenance
from annotator.model.session import EditingSession
from annotator.model.text import text_sha256
from annotator.store.annotations import AnnotationFile

EDITED = SpanProvenance(annotators=[], decision="edited")
WORDS = [(match.start(), match.end()) for match in re.finditer(r"\w+", TEXT)]
LABELS = CONFIG.label_names


def _span(span_id: str, start: int, end: int, label: str) -> Span:
    return Span(id=span_id, start=start, end=end, label=label, text=TEXT[start:end])


def _gold_record(
    picks: list[tuple[int, int, bool]], rejected_picks: list[tuple[int, int]]
) -> AnnotationRecord:
    spans: dict[tuple[int, int, str], Span] = {}
    provenance: dict[str, SpanProvenance] = {}
    for number, (word, label, with_entry) in enumerate(picks):
        start, end = WORDS[word % len(WORDS)]
        key = (start, end, LABELS[label % len(LABELS)])
        if key in spans:
            continue
        spans[key] = _span(f"g{number}", *key)
        if with_entry:
            provenance[f"g{number}"] = SpanProvenance(annotators=["alice"], decision="accepted")
    rejected = []
    for number, (word, label) in enumerate(rejected_picks):
        start, end = WORDS[word % len(WORDS)]
        rejected.append(_span(f"x{number}", start, end, LABELS[label % len(LABELS)]))
    return AnnotationRecord(
        doc_id="d1",
        annotator=CONFIG.gold_annotator,
        text_sha256=text_sha256(TEXT),
        spans=sorted(spans.values(), key=lambda span: (span.start, -span.end, span.label)),
        provenance=provenance,
        rejected=rejected or None,
    )


def _gold_session(record: AnnotationRecord, *, snapshots: bool = True) -> EditingSession:
    document = Document(id="d1", text=TEXT)
    return EditingSession(document, CONFIG, CONFIG.gold_annotator, record, snapshots=snapshots)


def _expected(
    session: EditingSession, original: AnnotationRecord
) -> tuple[dict[str, SpanProvenance], list[Span] | None]:
    """What the record must hold, said plainly: a span loaded from the record keeps its entry
    (if it had one), any other span is ``edited``; a rejected version is left out while a span
    with its extent and label is drawn."""
    loaded = {span.id: span for span in original.spans}
    entries = original.provenance or {}
    provenance: dict[str, SpanProvenance] = {}
    for span in session.spans:
        if loaded.get(span.id) is span:
            if span.id in entries:
                provenance[span.id] = entries[span.id]
        else:
            provenance[span.id] = EDITED
    drawn = {(span.start, span.end, span.label) for span in session.spans}
    kept = [
        span for span in original.rejected or [] if (span.start, span.end, span.label) not in drawn
    ]
    return provenance, kept or None


# The first few words and two labels, so that edits often meet loaded spans and rejected
# versions (a tag lands on the word under the cursor).
PICKS = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 1), st.booleans()), min_size=1, max_size=10
)
REJECTED = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1)), max_size=6)
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["word", "back", "start", "tag", "delete", "grow", "shrink", "tab", "undo", "redo"]
        ),
        st.integers(0, 80),
        st.sampled_from(LABELS[:2]),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(PICKS, REJECTED, OPERATIONS, st.integers(1, 3))
def test_gold_provenance_and_rejections_follow_edits_undo_and_redo(
    picks: list[tuple[int, int, bool]],
    rejected_picks: list[tuple[int, int]],
    operations: list[tuple[str, int, str]],
    every: int,
) -> None:
    original = _gold_record(picks, rejected_picks)
    session = _gold_session(original)
    saved_provenance = dict(original.provenance or {})
    saved_rejected = {span.id: span for span in original.rejected or []}
    places = {span.id: place for place, span in enumerate(original.rejected or [])}
    for number, (name, value, label) in enumerate(operations):
        apply(session, name, value, label)
        record = session.to_record()
        provenance, rejected = _expected(session, original)
        assert record.provenance == provenance
        assert record.rejected == rejected
        if number % every:
            continue
        # Folding the delta onto what was saved before gives what the record holds now.
        delta = session.take_delta()
        assert delta.provenance_set is not None
        assert (delta.rejected_set is None) == (original.rejected is None)
        for span_id in delta.provenance_removed:
            del saved_provenance[span_id]
        saved_provenance.update(delta.provenance_set)
        assert saved_provenance == provenance
        # ... in the record's order, as the store folds a patch line (a dict update).
        assert list(saved_provenance) == list(record.provenance or {})
        for span_id in delta.rejected_removed:
            del saved_rejected[span_id]
        for span in delta.rejected_set or ():
            assert span.id not in saved_rejected
            saved_rejected[span.id] = span
        in_order = sorted(saved_rejected.values(), key=lambda span: places[span.id])
        assert (in_order or None) == rejected
        # The delta's rejected versions are the very objects of the record's list.
        listed = set(map(id, record.rejected or []))
        assert all(id(span) in listed for span in delta.rejected_set or ())


def test_a_gold_edit_delta_names_only_the_entries_it_changed() -> None:
    original = _gold_record([(index, 0, True) for index in range(20)], [(3, 1)])
    session = _gold_session(original)
    assert session.take_delta().provenance_set == ()
    start, end = WORDS[3]
    session.select(start, end)
    session.tag(LABELS[1])  # drawn where the rejected version is: it leaves the record
    delta = session.take_delta()
    (new_span,) = delta.spans_set
    assert delta.provenance_set == ((new_span.id, EDITED),)
    assert delta.provenance_removed == ()
    assert delta.rejected_set == () and delta.rejected_removed == ("x0",)
    session.undo()  # and comes back with the undo
    delta = session.take_delta()
    assert delta.provenance_removed == (new_span.id,) and delta.provenance_set == ()
    assert [span.id for span in delta.rejected_set or ()] == ["x0"]
    session.select(*WORDS[5])
    session.tag(LABELS[0])  # the same word and label as g5: removed, with its entry
    delta = session.take_delta()
    assert delta.spans_removed == ("g5",) and delta.provenance_removed == ("g5",)


def test_an_annotator_session_describes_no_provenance() -> None:
    session = EditingSession(Document(id="d1", text=TEXT), CONFIG, "alice")
    session.tag(LABELS[0])
    delta = session.take_delta()
    assert delta.provenance_set is None and delta.rejected_set is None


def test_an_edit_of_a_big_gold_record_costs_what_it_touches() -> None:
    """A gold record of 20,000 spans, each with its provenance, and 2,000 rejected versions:
    tagging where a version was rejected, saving, undoing, deleting run a few hundred lines
    of the session, not a pass over the spans or the provenance."""
    count = 20_000
    text = "word " * count
    spans = [
        Span(id=f"g{n}", start=n * 5, end=n * 5 + 4, label="entity", text="word")
        for n in range(count)
    ]
    record = AnnotationRecord(
        doc_id="big",
        annotator=CONFIG.gold_annotator,
        text_sha256=text_sha256(text),
        spans=spans,
        provenance={span.id: SpanProvenance(annotators=["alice"]) for span in spans},
        rejected=[
            Span(id=f"x{n}", start=n * 50, end=n * 50 + 4, label="event", text="word")
            for n in range(count // 10)
        ],
    )
    session = EditingSession(Document(id="big", text=text), CONFIG, CONFIG.gold_annotator, record)
    session.take_delta()

    def edit() -> None:
        session.move_to(5_000 * 50 + 1)
        session.tag("event")  # drawn where x5000... was rejected
        session.to_record()
        session.take_delta()
        session.undo()
        session.to_record()
        session.take_delta()
        session.move_to(7_001 * 5)
        session.delete_span()  # g7001 and its provenance entry
        session.to_record()
        delta = session.take_delta()
        assert delta.spans_removed == ("g7001",) and delta.provenance_removed == ("g7001",)

    assert lines_run(edit, in_file=session_module.__file__) < 2_000
    assert len(session.to_record().rejected or []) == count // 10
    assert len(session.to_record().provenance or {}) == count - 1


def test_entries_set_again_are_described_in_the_order_the_record_has_them() -> None:
    """Move a loaded span (its entry goes last), tag a new one, move the first again: the
    record lists the new span's entry before the moved one's, and so must the delta, or the
    folded patch would list them the other way round."""
    original = _gold_record([(index, 0, True) for index in range(6)], [])
    session = _gold_session(original)
    session.take_delta()
    session.move_to(WORDS[1][0])
    assert session.move_edge("end", +1) is not None  # g1 grows: its entry goes last
    session.move_to(WORDS[5][0])
    session.tag(LABELS[1])  # a new span, its entry after g1's
    new_id = session.current_id
    session.move_to(WORDS[1][0])
    assert session.move_edge("end", -1) is not None  # g1 shrinks: its entry goes last again
    record = session.to_record()
    assert list(record.provenance or {}) == ["g0", "g2", "g3", "g4", "g5", new_id, "g1"]
    delta = session.take_delta()
    assert delta.provenance_removed == ("g1",)
    assert [span_id for span_id, _ in delta.provenance_set or ()] == [new_id, "g1"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(PICKS, REJECTED, OPERATIONS)
def test_gold_edits_saved_as_the_screen_saves_them_read_back_as_the_record(
    tmp_path_factory: pytest.TempPathFactory,
    picks: list[tuple[int, int, bool]],
    rejected_picks: list[tuple[int, int]],
    operations: list[tuple[str, int, str]],
) -> None:
    """Each edit saved with its delta (as the annotate screen does) is a patch line, never the
    whole record, and reading the file back gives the session's record, in its order."""
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    original = _gold_record(picks, rejected_picks)
    with AnnotationFile(path, CONFIG.gold_annotator, writable=True) as annotations:
        annotations.PATCH_MIN_BYTES = 256  # a short record: patch it from the first edit
        annotations.PATCH_MAX_SHARE = 1e9
        annotations.save(original)
        session = _gold_session(original, snapshots=False)
        for name, value, label in operations:
            size = path.stat().st_size
            apply(session, name, value, label)
            annotations.save(session.to_record(), session.take_delta())
            if path.stat().st_size > size:
                line = orjson.loads(path.read_bytes()[size:])
                assert line.get("patch") in (1, 2), "saved whole"
        record = session.to_record()
        annotations.save(record, session.take_delta())  # as on leaving the document
    reader = AnnotationFile(path, CONFIG.gold_annotator)
    saved = reader.get("d1")
    assert saved == record
    assert list(saved.provenance or {}) == list(record.provenance or {})
    assert reader.problems == []


def test_a_tag_on_a_gold_record_is_saved_as_its_change(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    original = _gold_record([(index, 0, True) for index in range(8)], [(9, 1), (10, 1)])
    with AnnotationFile(path, CONFIG.gold_annotator, writable=True) as annotations:
        annotations.PATCH_MIN_BYTES = 256  # a short record: patch it all the same
        annotations.PATCH_MAX_SHARE = 1e9
        annotations.save(original)
        session = _gold_session(original)
        session.select(*WORDS[9])
        record = session.tag(LABELS[1])  # where x0 was rejected
        assert record is not None
        size = path.stat().st_size
        annotations.save(record, session.take_delta())
        line = orjson.loads(path.read_bytes()[size:])
    assert line["patch"] == 2
    assert "provenance" not in line and "rejected" not in line  # not carried whole
    assert list(line["provenance_set"]) == [session.current_id]
    assert line["rejected_removed"] == ["x0"]
    assert AnnotationFile(path, CONFIG.gold_annotator).get("d1") == record
