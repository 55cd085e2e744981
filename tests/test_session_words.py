"""Word motions over punctuation, tagging a word under the cursor, edge messages, pending links
and read-only answers (QA session 7: D5, D6, D10, D20, A6)."""

from __future__ import annotations

from annotator.model.config import ProjectConfig, TokenizerConfig
from annotator.model.records import AnnotationRecord, Document
from annotator.model.session import EditingSession, edge_excerpt

DATELINE = 'LONGVILLE, Jan 1 — The chair said the plan was "painful but overdue." Then, he left.'
QUOTE = (
    '"We cannot ask people to shop under a cloud of doubt about whether the roof might '
    'fall," Okonkwo-Brandt said.'
)
CONFIG = ProjectConfig()


def make(text: str = DATELINE, config: ProjectConfig = CONFIG) -> EditingSession:
    return EditingSession(Document(id="d1", text=text), config, "tester")


def words_visited(session: EditingSession, presses: int, *, back: bool = False) -> list[str]:
    seen = []
    for _ in range(presses):
        (session.prev_word if back else session.next_word)()
        word = session.word_at(session.cursor)
        assert word is not None
        seen.append(session.text[word[0] : word[1]])
    return seen


def test_w_and_b_skip_commas_dashes_and_quotes() -> None:
    session = make()
    assert words_visited(session, 9) == [
        "Jan",
        "1",
        "The",
        "chair",
        "said",
        "the",
        "plan",
        "was",
        "painful",
    ]
    assert words_visited(session, 3) == ["but", "overdue", "Then"]
    assert words_visited(session, 6, back=True) == [
        "overdue",
        "but",
        "painful",
        "was",
        "plan",
        "the",
    ]
    session.doc_start()
    session.next_word()
    session.prev_word()
    assert session.cursor == 0  # back over the comma to LONGVILLE


def test_a_label_key_on_punctuation_tags_nothing_but_a_selection_of_it_is_tagged() -> None:
    session = make()
    session.move_to(DATELINE.index(","))
    assert session.tag("entity") is None
    assert session.spans == []
    assert session.message.startswith("no word under the cursor")
    session.move_to(DATELINE.index("—"))
    assert session.tag("entity") is None
    session.move_to(DATELINE.index('"'))
    assert session.tag("claim") is None
    assert session.spans == []
    # Aimed at on purpose: a selection (v, shift, the mouse) of the comma is tagged.
    start = DATELINE.index(",")
    session.select(start, start + 1)
    record = session.tag("entity")
    assert record is not None
    assert [(span.text, span.label) for span in record.spans] == [(",", "entity")]
    # A word under the cursor is still tagged without a selection, a symbol too.
    session.move_to(DATELINE.index("Jan"))
    assert session.tag("event") is not None
    dollars = make("It cost $ 5.")
    dollars.move_to(8)
    assert dollars.tag("entity") is not None


def test_W_takes_a_quote_s_closing_punctuation_in_one_press() -> None:
    session = make()
    assert session.search('"painful')
    session.next_word(extend=True)  # but
    session.next_word(extend=True)  # overdue
    selected = session.selection()
    assert selected is not None
    assert DATELINE[slice(*selected)] == '"painful but overdue'
    session.next_word(extend=True)  # ." in one press
    selected = session.selection()
    assert selected is not None
    assert DATELINE[slice(*selected)] == '"painful but overdue."'
    session.next_word(extend=True)  # then the next word
    selected = session.selection()
    assert selected is not None
    assert DATELINE[slice(*selected)] == '"painful but overdue." Then'
    # A name followed by a comma: W stops on the name first (the comma is one more press).
    names = make("Minister Ana Kell, who left.")
    names.start_visual()
    names.next_word()
    names.next_word()
    selected = names.selection()
    assert selected is not None and names.text[slice(*selected)] == "Minister Ana Kell"


def test_B_takes_the_opening_quote_glued_to_the_word() -> None:
    session = make()
    session.move_to(DATELINE.index("overdue") + 3)
    session.start_visual()
    session.prev_word()  # overdue
    session.prev_word()  # but
    session.prev_word()  # painful
    session.prev_word()  # the opening quote
    selected = session.selection()
    assert selected is not None
    assert DATELINE[slice(*selected)] == '"painful but overdue'
    session.prev_word()  # was (the space before the quote: not glued)
    selected = session.selection()
    assert selected is not None
    assert DATELINE[slice(*selected)] == 'was "painful but overdue'


def test_next_word_always_moves_when_a_token_starts_inside_the_cursor_s_grapheme() -> None:
    # One token per code point: the combining accent's token starts inside the grapheme é.
    config = ProjectConfig(tokenizer=TokenizerConfig(kind="regex", pattern=r"\S"))
    session = make("e\u0301x y", config)
    session.next_word()
    assert session.cursor == 2
    session.next_word()
    assert session.cursor == 4
    session.next_word()  # no word after: the last offset
    assert session.cursor == 4


def test_moving_a_span_end_says_the_end_and_moving_its_start_says_the_start() -> None:
    session = make(QUOTE)
    session.start_visual()
    session.doc_end()
    assert session.tag("claim") is not None
    for _ in range(3):
        assert session.move_edge("end", -1) is not None
    assert session.current_span().text.endswith('might fall,"')  # type: ignore[union-attr]
    assert session.message.endswith('might fall,"”')
    assert session.message_edge is not None and session.message_edge[0] == session.message
    assert session.move_edge("start", +1) is not None
    assert session.message.startswith("claim “We cannot ask")


def test_edge_excerpt_keeps_the_moved_edge_and_both_ends_when_there_is_room() -> None:
    text = QUOTE[: QUOTE.index("Okonkwo") - 1]
    assert edge_excerpt(text, 200, "end") == text
    both = edge_excerpt(text, 40, "end")
    assert len(both) <= 40 and both.startswith('"We') and both.endswith('might fall,"')
    assert "…" in both
    narrow = edge_excerpt(text, 15, "end")
    assert narrow == "…" + text[-14:]
    assert edge_excerpt(text, 15, "start") == text[:14] + "…"


def test_a_pending_link_waits_through_other_labels_and_escape_cancels_it() -> None:
    session = make(QUOTE)
    session.start_visual()
    session.doc_end()
    session.tag("claim")
    head = session.spans[0]
    session.begin_new_tail(head.id, "attributed_to")
    prompt = session.pending_prompt()
    assert prompt is not None and "tag its speaker (1)" in prompt and "linking claim" in prompt
    session.search("roof")
    session.tag("entity")  # on the way: not the speaker, the link still waits
    assert session.pending_link is not None and session.relations == []
    session.search("Okonkwo-Brandt")
    session.tag("speaker")
    assert session.pending_link is None
    assert [session.span(r.tail).text for r in session.relations] == ["Okonkwo-Brandt"]  # type: ignore[union-attr]
    session.begin_new_tail(head.id, "attributed_to")
    session.clear_selection()
    assert session.pending_link is None and session.message == "link cancelled"
    assert session.pending_prompt() is None


def test_a_stale_document_answers_read_only_to_tab_and_link() -> None:
    text = "Ana Kell said it."
    record = AnnotationRecord.model_validate(
        {
            "doc_id": "d1",
            "annotator": "tester",
            "text_sha256": "0" * 64,
            "spans": [{"id": "s1", "start": 0, "end": 8, "label": "speaker", "text": "Ana Kell"}],
        }
    )
    session = EditingSession(Document(id="d1", text=text), CONFIG, "tester", record)
    assert session.stale
    assert session.step_span(+1) is None
    assert session.message.startswith("read-only")
    session.move_to(2)
    assert session.link_options() is None
    assert session.message.startswith("read-only")


def test_from_a_speaker_the_claims_nearby_are_offered_nearest_first_and_linked_to_it() -> None:
    text = '"First claim," Ana said. Noise here. "Second claim," said Bo. "Third claim."'
    session = make(text)
    for quote in ('"First claim,"', '"Second claim,"', '"Third claim."'):
        start = text.index(quote)
        session.select(start, start + len(quote))
        session.tag("claim")
    session.search("Bo")
    session.tag("speaker")
    assert session.link_options() is None  # a speaker heads nothing
    found = session.reverse_link_options()
    assert found is not None
    speaker, [option] = found
    assert speaker.text == "Bo" and option.relation.name == "attributed_to"
    assert [claim.text for claim in option.tails] == [
        '"Third claim."',
        '"Second claim,"',
        '"First claim,"',
    ]
    assert option.total == 3
    limited = session.reverse_link_options(1)
    assert limited is not None and [c.text for c in limited[1][0].tails] == ['"Third claim."']
    claim = option.tails[1]
    assert session.link(claim.id, speaker.id, "attributed_to") is not None
    assert session.message == 'claim “"Second claim,"” linked to this speaker'
    assert [(r.head, r.tail) for r in session.relations] == [(claim.id, speaker.id)]
    session.search("Noise")
    session.tag("entity")
    assert session.reverse_link_options() is None
    assert session.message == "an entity cannot be linked"
