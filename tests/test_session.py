"""The editing session without a screen: moves, selection, tagging, links, undo, invariants."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.model.config import ProjectConfig
from annotator.model.graphemes import grapheme_end, grapheme_start, is_boundary
from annotator.model.records import AnnotationRecord, Document, Span, Status
from annotator.model.session import ActiveTime, EditingSession
from annotator.model.text import text_sha256
from annotator.model.validate import check_record

TEXT = (
    "Prime Minister Ana Kell said the ceasefire would hold.\n\n"
    "“We will not retreat,” the general told reporters in Geneva.\n\n"
    "Talks resume on Monday 👩‍👩‍👧 in 東京."
)
CONFIG = ProjectConfig()


def make(text: str = TEXT, record: AnnotationRecord | None = None) -> EditingSession:
    return EditingSession(Document(id="d1", text=text), CONFIG, "tester", record)


def test_tag_word_under_cursor_makes_it_current_and_keeps_cursor() -> None:
    session = make()
    session.next_word()  # "Minister"
    record = session.tag("entity")
    assert record is not None
    assert [(s.text, s.label) for s in record.spans] == [("Minister", "entity")]
    assert session.current_span() is not None
    assert session.current_span().text == "Minister"  # type: ignore[union-attr]
    assert session.cursor == TEXT.index("Minister")


def test_same_label_again_removes_identical_span_but_other_label_adds() -> None:
    session = make()
    session.tag("speaker")
    session.tag("entity")
    assert sorted(s.label for s in session.spans) == ["entity", "speaker"]
    record = session.tag("speaker")
    assert record is not None
    assert [s.label for s in record.spans] == ["entity"]


def test_shift_selection_snaps_to_words_and_char_mode_does_not() -> None:
    session = make()
    session.right()
    session.right(extend=True)  # "ri" inside "Prime"
    assert session.selection() == (0, 5)
    session.toggle_snap()
    assert session.selection() == (1, 3)


def test_visual_mode_then_word_moves_select_phrase() -> None:
    session = make()
    session.start_visual()
    session.next_word()
    assert session.selection() == (0, len("Prime Minister"))
    session.tag("speaker")
    assert session.spans[0].text == "Prime Minister"
    assert session.selection() is None


def test_search_selects_match_then_tag() -> None:
    session = make()
    assert session.search("general")
    assert session.selection() == (TEXT.index("general"), TEXT.index("general") + 7)
    session.tag("speaker")
    assert session.spans[0].text == "general"
    assert session.search("e")
    assert session.search("zzz") is False


def test_search_next_and_previous_wrap() -> None:
    session = make()
    first = TEXT.index("the")
    second = TEXT.index("the", first + 1)
    session.search("the")
    assert session.anchor == first
    session.search()
    assert session.anchor == second
    session.search(backwards=True)
    assert session.anchor == first


def test_delete_removes_innermost_and_its_links() -> None:
    session = make()
    session.start_visual()
    for _ in range(3):
        session.next_word()
    session.tag("claim")  # Prime Minister Ana Kell
    session.doc_start()
    session.tag("speaker")  # Prime
    claim = next(s for s in session.spans if s.label == "claim")
    speaker = next(s for s in session.spans if s.label == "speaker")
    session.link(claim.id, speaker.id, "attributed_to")
    assert len(session.relations) == 1
    session.doc_start()
    session.current_id = None
    record = session.delete_span()
    assert record is not None
    assert [s.label for s in record.spans] == ["claim"]
    assert record.relations == []


def test_grow_and_shrink_edges_by_word() -> None:
    session = make()
    session.next_word()
    session.tag("speaker")  # Minister
    session.move_edge("end", +1)
    assert session.current_span().text == "Minister Ana"  # type: ignore[union-attr]
    session.move_edge("start", -1)
    assert session.current_span().text == "Prime Minister Ana"  # type: ignore[union-attr]
    session.move_edge("start", +1)
    session.move_edge("end", -1)
    assert session.current_span().text == "Minister"  # type: ignore[union-attr]
    assert session.move_edge("end", -1) is None


def test_tab_cycles_spans_in_reading_order() -> None:
    session = make()
    session.search("general")
    session.tag("speaker")
    session.doc_start()
    session.tag("entity")
    session.doc_start()
    session.current_id = None
    session.doc_end()
    assert session.step_span(+1) is not None
    assert session.current_span().text == "Prime"  # type: ignore[union-attr]
    session.step_span(+1)
    assert session.current_span().text == "general"  # type: ignore[union-attr]
    session.step_span(-1)
    assert session.current_span().text == "Prime"  # type: ignore[union-attr]


def test_link_candidates_nearest_first_and_new_tail_from_pending() -> None:
    session = make()
    session.search("Ana Kell")
    session.tag("speaker")
    session.search("general")
    session.tag("speaker")
    session.search("We will not retreat")
    session.tag("claim")
    found = session.link_candidates()
    assert found is not None
    head, relation, tails = found
    assert relation.name == "attributed_to"
    assert [t.text for t in tails] == ["general", "Ana Kell"]
    session.begin_new_tail(head.id, relation.name)
    session.search("reporters")
    record = session.tag("speaker")
    assert record is not None
    assert len(record.relations) == 1
    assert session.span(record.relations[0].tail).text == "reporters"  # type: ignore[union-attr]
    assert record.relations[0].head == head.id
    session.jump_to(head)
    assert session.unlink() is not None
    assert session.relations == []


def test_undo_redo_across_tag_delete_link() -> None:
    session = make()
    session.tag("speaker")
    session.search("ceasefire")
    session.tag("claim")
    claim = session.current_span()
    assert claim is not None
    session.link(claim.id, session.spans[0].id, "attributed_to")
    session.delete_span()
    after = session.to_record()
    for _ in range(4):
        assert session.undo() is not None
    assert session.spans == [] and session.relations == []
    assert session.undo() is None
    for _ in range(4):
        session.redo()
    assert session.to_record().spans == after.spans
    assert session.to_record().relations == after.relations


def test_stale_record_opens_read_only() -> None:
    record = AnnotationRecord(doc_id="d1", annotator="tester", text_sha256="0" * 64)
    session = make(record=record)
    assert session.read_only and session.stale
    assert session.tag("speaker") is None
    assert "changed" in session.message


def test_cursor_restored_from_record() -> None:
    record = AnnotationRecord(
        doc_id="d1", annotator="tester", text_sha256=text_sha256(TEXT), cursor=20
    )
    assert make(record=record).cursor == 20


def test_never_splits_a_grapheme() -> None:
    session = make()
    family = TEXT.index("👩")
    session.move_to(family + 2)
    assert session.cursor == family
    session.right()
    assert session.cursor == TEXT.index(" in 東京")
    session.toggle_snap()
    session.move_to(family)
    assert session.tag("event") is not None
    span = session.spans[0]
    assert span.text == "👩‍👩‍👧"


def test_active_time_ignores_idle_gaps() -> None:
    timer = ActiveTime()
    for now in (0.0, 10.0, 20.0, 200.0, 230.0):
        timer.touch(now)
    assert timer.total == 50.0


def test_status_and_note() -> None:
    session = make()
    record = session.set_status(Status.flagged, "odd quote marks")
    assert record is not None
    assert (record.status, record.note) == (Status.flagged, "odd quote marks")


# -- property tests ---------------------------------------------------------------------------

TEXTS = st.text(
    alphabet=st.sampled_from([*"ab c.\n\t,é", "\u0301", "👍", "\u200d", "🇫", "🇷", "東"]),
    max_size=60,
)
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "left",
                "right",
                "word",
                "back",
                "para",
                "upara",
                "start",
                "end",
                "visual",
                "shift",
                "clear",
                "snap",
                "tag",
                "delete",
                "grow",
                "shrink",
                "gstart",
                "sstart",
                "tab",
                "stab",
                "link",
                "newtail",
                "unlink",
                "undo",
                "redo",
                "move",
                "status",
                "search",
            ]
        ),
        st.integers(0, 80),
        st.sampled_from(CONFIG.label_names),
    ),
    max_size=40,
)


def check_invariants(session: EditingSession) -> None:
    text = session.text
    record = session.to_record()
    assert check_record(record, text, CONFIG) == []
    for span in session.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.text == text[span.start : span.end]
        assert is_boundary(text, span.start) and is_boundary(text, span.end)
    ids = {span.id for span in session.spans}
    assert all(r.head in ids and r.tail in ids for r in session.relations)
    assert 0 <= session.cursor <= max(len(text) - 1, 0)
    assert is_boundary(text, session.cursor)
    selection = session.selection()
    if selection is not None:
        assert is_boundary(text, selection[0]) and is_boundary(text, selection[1])


def apply(session: EditingSession, name: str, number: int, label: str) -> None:
    actions = {
        "left": session.left,
        "right": session.right,
        "word": session.next_word,
        "back": session.prev_word,
        "para": session.next_paragraph,
        "upara": session.prev_paragraph,
        "start": session.doc_start,
        "end": session.doc_end,
    }
    if name in actions:
        actions[name]()
    elif name == "visual":
        session.start_visual()
    elif name == "shift":
        session.right(extend=True)
    elif name == "clear":
        session.clear_selection()
    elif name == "snap":
        session.toggle_snap()
    elif name == "tag":
        session.tag(label)
    elif name == "delete":
        session.delete_span()
    elif name in ("grow", "shrink", "gstart", "sstart"):
        edge = "end" if name in ("grow", "shrink") else "start"
        session.move_edge(edge, +1 if name in ("grow", "sstart") else -1)
    elif name in ("tab", "stab"):
        session.step_span(+1 if name == "tab" else -1)
    elif name == "link":
        found = session.link_candidates()
        if found and found[2]:
            head, relation, tails = found
            session.link(head.id, tails[number % len(tails)].id, relation.name)
    elif name == "newtail":
        found = session.link_candidates()
        if found:
            session.begin_new_tail(found[0].id, found[1].name)
    elif name == "unlink":
        session.unlink()
    elif name == "undo":
        session.undo()
    elif name == "redo":
        session.redo()
    elif name == "move":
        session.move_to(number)
    elif name == "status":
        session.set_status(list(Status)[number % len(Status)])
    elif name == "search":
        session.search(session.text[number % max(len(session.text), 1) :][:2] or "a")


@settings(max_examples=150, deadline=None)
@given(TEXTS, OPERATIONS)
def test_random_operations_keep_invariants_and_undo_redo_is_identity(
    text: str, operations: list[tuple[str, int, str]]
) -> None:
    session = make(text)
    initial = (session.spans[:], session.relations[:], session.status)
    for name, number, label in operations:
        apply(session, name, number, label)
        check_invariants(session)
    final = (session.spans[:], session.relations[:], session.status)
    undone = 0
    while session.undo() is not None:
        undone += 1
        check_invariants(session)
    assert (session.spans, session.relations, session.status) == initial
    for _ in range(undone):
        assert session.redo() is not None
        check_invariants(session)
    assert (session.spans, session.relations, session.status) == final


@given(TEXTS, st.integers(0, 70))
def test_grapheme_helpers_agree(text: str, index: int) -> None:
    start = grapheme_start(text, index)
    end = grapheme_end(text, index)
    assert is_boundary(text, start)
    assert start <= min(index, len(text))
    if index < len(text):
        assert start <= index < end and is_boundary(text, end)


def test_saved_span_type_roundtrip() -> None:
    session = make()
    session.tag("speaker")
    record = AnnotationRecord.model_validate_json(session.to_record().model_dump_json())
    assert record.spans == [Span(id="s1", start=0, end=5, label="speaker", text="Prime")]


def test_link_options_with_a_limit_give_the_nearest_tails_and_how_many_there_are() -> None:
    text = " ".join(f"Name{n} said." for n in range(9)) + " The port reopens."
    session = make(text)
    for n in range(9):
        session.search(f"Name{n} ")
        session.tag("speaker")
    session.search("The port reopens")
    session.tag("claim")
    every = session.link_options()
    assert every is not None
    head, [(relation, tails, total)] = every
    assert head.text == "The port reopens"
    assert total == len(tails) == 9
    nearest = session.link_options(4)
    assert nearest is not None
    _, [limited] = nearest
    assert limited.relation is relation and limited.total == 9
    assert limited.tails == tails[:4]
    assert [tail.text for tail in limited.tails] == ["Name8", "Name7", "Name6", "Name5"]


def test_link_from_a_speaker_inside_its_quote_links_the_quote() -> None:
    """``a`` with the cursor on a speaker nested in a claim: the speaker cannot head a link,
    the claim around it can, and the speaker under the cursor is its nearest tail."""
    text = "“We will not retreat,” General Okafor said, “not one step.”"
    session = make(text)
    session.select(0, text.index(" said"))
    session.tag("claim")
    claim = session.current_span()
    start = text.index("General")
    session.select(start, start + len("General Okafor"))
    session.tag("speaker")  # inside the claim, and current
    speaker = session.current_span()
    assert claim is not None and speaker is not None and speaker.label == "speaker"
    session.move_to(start + 3)
    found = session.link_candidates()
    assert found is not None
    head, relation, tails = found
    assert head.id == claim.id and relation.name == "attributed_to"
    assert tails[0].id == speaker.id
    session.move_to(text.index("not one"))  # no span here
    assert session.link_candidates() is None and "put the cursor on a span" in session.message


def test_tagging_inside_a_span_of_the_same_label_says_so() -> None:
    session = make()
    start = TEXT.index("Ana Kell")
    session.select(start, start + len("Ana Kell"))
    session.tag("entity")
    session.move_to(start + 5)  # "Kell", inside the entity
    session.tag("entity")
    assert session.message == "entity “Kell”, inside another entity (u undoes)"
    session.select(0, len("Prime Minister"))
    session.tag("entity")
    assert session.message == "entity “Prime Minister”"
