"""Search, then `v`, then a move: the selection grows from the match, as the README shows."""

from __future__ import annotations

from annotator.model.config import ProjectConfig
from annotator.model.records import Document
from annotator.model.session import EditingSession

TEXT = (
    "Officials met on Monday.\n\n"
    "“The count has been slow because it has been careful,” Halloran said.\n\n"
    "Turnout was low."
)


def test_v_after_a_search_keeps_the_match_start_and_extends_to_the_paragraph_end() -> None:
    session = EditingSession(Document(id="d", text=TEXT), ProjectConfig(), "tester", None)
    assert session.search("“The count")
    session.start_visual()
    session.next_paragraph()
    record = session.tag("claim")
    assert record is not None
    [span] = record.spans
    assert span.text.startswith("“The count has been slow")
    assert span.text.rstrip().endswith("Halloran said.")


def test_v_without_a_selection_anchors_at_the_cursor() -> None:
    session = EditingSession(Document(id="d", text=TEXT), ProjectConfig(), "tester", None)
    session.next_word()  # "met"
    session.start_visual()
    session.next_word(extend=True)
    record = session.tag("event")
    assert record is not None
    assert [span.text for span in record.spans] == ["met on"]


def test_lower_case_search_finds_any_case_next_to_a_dotted_capital_i() -> None:
    """A dotted capital I lowers to two code points: the search still ignores case."""
    text = "İstanbul port and the Port of Osaka."
    session = EditingSession(Document(id="d", text=text), ProjectConfig(), "tester")
    found = []
    for _ in range(2):
        assert session.search("port")
        found.append(session.selection())
    assert found == [(9, 13), (22, 26)]
    assert session.search("istanbul") and session.selection() == (0, 8)
    assert not session.search("PORT")  # a capital: the case counts
    assert session.message == "not found: PORT"
