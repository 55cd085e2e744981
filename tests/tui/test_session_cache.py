"""The editing session keeps the spans under one offset (asked three times a key): what it
hands back is always what a fresh look at the spans gives, through tags, deletions, edge moves,
undo and redo, whatever the caller does with the list it got."""

from __future__ import annotations

import random

from annotator.model.config import ProjectConfig
from annotator.model.records import Document, Span
from annotator.model.session import EditingSession

TEXT = (
    "Minister Irena Vashti said on Tuesday that the runoff would go ahead. "
    "Her rival, Viktor Halloran, called the decision reckless and vowed to appeal.\n"
    "Observers from the Merovian electoral board declined to comment."
)


def fresh_spans_at(session: EditingSession, offset: int) -> list[Span]:
    found = [span for span in session.spans if span.start <= offset < span.end]
    found.sort(key=lambda span: (span.start, -span.end, span.label, span.id))
    return sorted(found, key=lambda span: (span.end - span.start, span.start))


def test_spans_under_an_offset_follow_every_change() -> None:
    config = ProjectConfig()
    session = EditingSession(Document(id="d", text=TEXT), config, "tester")
    labels = [label.name for label in config.labels]
    rng = random.Random(7)
    for step in range(400):
        session.move_to(rng.randrange(len(TEXT)))
        if rng.random() < 0.5:
            session.move_to(rng.randrange(len(TEXT)), extend=True)
        action = rng.choice(["tag", "tag", "delete", "grow", "shrink", "undo", "redo", "look"])
        before = session.cursor
        session.spans_at(before)  # kept, then asked again after the change
        if action == "tag":
            session.tag(rng.choice(labels))
        elif action == "delete":
            session.delete_span()
        elif action in ("grow", "shrink"):
            session.move_edge(rng.choice(["start", "end"]), 1 if action == "grow" else -1)
        elif action == "undo":
            session.undo()
        elif action == "redo":
            session.redo()
        for offset in (before, session.cursor, rng.randrange(len(TEXT))):
            got = session.spans_at(offset)
            assert got == fresh_spans_at(session, offset), (step, action, offset)
            got.clear()  # the caller's list is its own
            assert session.spans_at(offset) == fresh_spans_at(session, offset)
    assert len(session.spans) > 5
