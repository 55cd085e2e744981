"""The session's deltas: what each save hands the store, and that an edit costs what it touches."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_session import CONFIG, OPERATIONS, TEXTS, apply, make

from annotator.model import delta as delta_module
from annotator.model.records import AnnotationRecord, Document, Relation, Span
from annotator.model.session import EditingSession
from annotator.model.span_index import SpanIndex
from annotator.model.text import text_sha256


def _as_sets(record: AnnotationRecord) -> tuple[set[Span], set[Relation]]:
    return set(record.spans), set(record.relations)


@settings(max_examples=150, deadline=None)
@given(TEXTS, OPERATIONS, st.integers(1, 4))
def test_deltas_folded_onto_the_saved_record_give_the_current_record(
    text: str, operations: list[tuple[str, int, str]], every: int
) -> None:
    """Saving every few operations (as the screen saves every edit), each delta applied to the
    record saved before gives the session's record: same spans and relations, nothing lost."""
    session = make(text)
    saved = session.to_record()
    session.take_delta()
    for number, (name, value, label) in enumerate(operations):
        apply(session, name, value, label)
        if number % every == 0:
            record = session.to_record()
            saved = delta_module.apply(saved, session.take_delta())
            assert _as_sets(saved) == _as_sets(record)
    record = session.to_record()
    saved = delta_module.apply(saved, session.take_delta())
    assert _as_sets(saved) == _as_sets(record)
    assert session.take_delta().is_empty()


def test_each_edit_delta_names_only_what_it_changed() -> None:
    session = make()
    session.next_word()  # "Minister"
    session.tag("entity")
    first = session.take_delta()
    assert [(s.text, s.label) for s in first.spans_set] == [("Minister", "entity")]
    assert first.spans_removed == () and first.relations_set == ()
    span_id = first.spans_set[0].id
    session.move_edge("end", +1)  # "Minister Ana": the same id, replaced
    moved = session.take_delta()
    assert [(s.id, s.text) for s in moved.spans_set] == [(span_id, "Minister Ana")]
    assert moved.spans_removed == ()
    session.select(moved.spans_set[0].start, moved.spans_set[0].end)
    session.tag("entity")  # the same extent and label again removes it
    assert session.take_delta() == delta_module.RecordDelta(spans_removed=(span_id,))
    session.undo()
    assert [s.id for s in session.take_delta().spans_set] == [span_id]
    # Tag and untag between two saves: nothing to write.
    session.doc_end()
    session.tag("event")
    session.tag("event")
    assert session.take_delta().is_empty()


def test_link_and_removing_a_linked_span_give_relation_deltas() -> None:
    session = make()
    session.tag("speaker")  # "Prime"
    session.move_to(TEXT_CLAIM)
    session.tag("claim")
    session.take_delta()
    claim = session.current_span()
    speaker = session.spans[0]
    assert claim is not None
    session.link(claim.id, speaker.id, "attributed_to")
    linked = session.take_delta()
    assert [(r.head, r.tail) for r in linked.relations_set] == [(claim.id, speaker.id)]
    relation_id = linked.relations_set[0].id
    session.jump_to(speaker)
    session.delete_span()
    removed = session.take_delta()
    assert removed.spans_removed == (speaker.id,)
    assert removed.relations_removed == (relation_id,)


TEXT_CLAIM = make().text.index("ceasefire")


class CountingIndex(SpanIndex[Span]):
    """Counts the spans its queries hand back (the work an edit does in the index)."""

    returned = 0

    def overlapping(self, start: int, end: int) -> list[Span]:
        found = super().overlapping(start, end)
        CountingIndex.returned += len(found)
        return found


def _big_session(count: int) -> EditingSession:
    word = "word "
    text = word * count
    spans = [
        Span(id=f"s{n + 1}", start=n * 5, end=n * 5 + 4, label="entity", text="word")
        for n in range(count)
    ]
    relations = [
        Relation(id=f"r{count + n + 1}", label="attributed_to", head=f"s{n + 1}", tail=f"s{n + 2}")
        for n in range(0, count - 1, 2)
    ]
    record = AnnotationRecord(
        doc_id="big",
        annotator="tester",
        text_sha256=text_sha256(text),
        spans=spans,
        relations=relations,
    )
    return EditingSession(Document(id="big", text=text), CONFIG, "tester", record)


def test_an_edit_on_a_100k_span_session_touches_a_few_spans() -> None:
    """Tagging, untagging and undoing on 100,000 spans: the delta holds one span, the index
    queries return a handful, and no new id is searched for over every id."""
    session = _big_session(100_000)
    index = CountingIndex(session.spans, presorted=True)
    session._index = index
    session.move_to(50_000 * 5 + 1)
    CountingIndex.returned = 0
    assert session.tag("speaker") is not None
    delta = session.take_delta()
    assert delta.size() == 1 and delta.spans_set[0].label == "speaker"
    assert delta.spans_set[0].id not in {f"s{n}" for n in range(1, 150_001)}
    assert session.delete_span() is not None  # the speaker span: innermost, current
    assert session.take_delta().size() == 1
    session.move_to(60_000 * 5)  # s60001, which heads a relation
    assert session.delete_span() is not None
    removed = session.take_delta()
    assert removed.spans_removed == ("s60001",) and len(removed.relations_removed) == 1
    assert session.undo() is not None
    assert session.take_delta().size() == 2
    assert CountingIndex.returned < 20


@settings(max_examples=50, deadline=None)
@given(st.permutations(range(12)))
def test_spans_loaded_in_any_order_come_out_in_reading_order(order: list[int]) -> None:
    text = "alpha beta gamma delta"
    extents = [(0, 5), (0, 10), (6, 10), (6, 16), (11, 16), (17, 22)]
    spans = [
        Span(id=f"s{n}", start=start, end=end, label=label, text=text[start:end])
        for n, ((start, end), label) in enumerate(
            (extent, label) for extent in extents for label in ("claim", "entity")
        )
    ]
    record = AnnotationRecord(
        doc_id="d",
        annotator="tester",
        text_sha256=text_sha256(text),
        spans=[spans[index] for index in order],
    )
    session = EditingSession(Document(id="d", text=text), CONFIG, "tester", record)
    expected = sorted(spans, key=lambda s: (s.start, -s.end, s.label, s.id))
    assert session.spans == expected
    assert [s.id for s in session.spans_at(7)] == ["s4", "s5", "s2", "s3", "s6", "s7"]
