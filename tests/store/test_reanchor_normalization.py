"""A source re-saved in another Unicode normalization form (NFC: ``e`` + U+0301 becomes ``é``)
moves every span after an accent and changes the text of the accented ones: reanchor places them
with the text as the document now writes it (QA A13: it left every accented name unplaced)."""

from __future__ import annotations

import unicodedata

from annotator.model.config import ProjectConfig
from annotator.model.records import Relation
from annotator.model.validate import check_record
from annotator.store.reanchor import reanchor_record

from .helpers import make_record, span

DECOMPOSED = unicodedata.normalize(
    "NFD", "Zoë Saldaña told the café owners in Düsseldorf that the déjà vu was over."
)
COMPOSED = unicodedata.normalize("NFC", DECOMPOSED)


def test_spans_of_a_source_renormalized_are_placed_with_its_text() -> None:
    assert DECOMPOSED != COMPOSED
    names = ("Zoë Saldaña", "café owners", "Düsseldorf", "déjà vu", "told")
    spans = [
        span(DECOMPOSED, unicodedata.normalize("NFD", name), "entity", f"s{n}")
        for n, name in enumerate(names)
    ]
    record = make_record(
        DECOMPOSED, spans=spans, relations=[Relation(id="r1", label="rel", head="s1", tail="s0")]
    )
    moved, count, unplaced = reanchor_record(record, COMPOSED)
    assert not unplaced and moved is not None
    assert [s.text for s in moved.spans] == list(names)  # as the document now writes them
    assert all(COMPOSED[s.start : s.end] == s.text for s in moved.spans)
    assert count == 4  # every span after the first accent moved ("Zoë" itself starts at 0)
    assert moved.relations == record.relations
    config = ProjectConfig.model_validate(
        {"labels": [{"name": "entity", "key": "1"}], "relations": [{"name": "rel"}]}
    )
    assert check_record(moved, COMPOSED, config) == []
