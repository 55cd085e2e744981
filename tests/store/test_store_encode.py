"""A saved line is exactly ``orjson`` of the record's ``model_dump(mode="json",
exclude_none=True)``, however much of it was encoded before (the kept JSON of spans, relations,
rejected versions and provenance is found by object identity)."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.model.records import AnnotationRecord, Relation, Span, SpanProvenance, Status
from annotator.store.annotations import encode_record

TEXT = 'Ünïcode "quoted" \\ back\tslash — 🎉 and plain words to cut spans from. ' * 3
NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=6)


@st.composite
def spans(draw: st.DrawFn, prefix: str) -> list[Span]:
    result = []
    for index in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(TEXT) - 2))
        end = draw(st.integers(start + 1, min(len(TEXT), start + 12)))
        label = draw(st.sampled_from(["speaker", "claim", "ev\u00e9nt", 'q"x']))
        result.append(
            Span(id=f"{prefix}{index}", start=start, end=end, label=label, text=TEXT[start:end])
        )
    return result


@st.composite
def records(draw: st.DrawFn) -> AnnotationRecord:
    own = draw(spans("s"))
    provenance = None
    if draw(st.booleans()):
        provenance = {
            span.id: SpanProvenance(
                annotators=draw(st.lists(NAMES, max_size=3)),
                decision=draw(st.sampled_from(["unanimous", "accepted", "édité"])),
            )
            for span in own
            if draw(st.booleans())
        }
    relations = [
        Relation(id=f"r{index}", label="attributed_to", head=own[0].id, tail=own[-1].id)
        for index in range(draw(st.integers(0, 2)) if own else 0)
    ]
    return AnnotationRecord(
        doc_id=draw(NAMES),
        annotator="gold",
        text_sha256="0" * 64,
        spans=own,
        relations=relations,
        status=draw(st.sampled_from(list(Status))),
        note=draw(st.text(max_size=8)),
        cursor=draw(st.none() | st.integers(0, 99)),
        provenance=provenance,
        rejected=draw(st.none() | spans("x")),
    )


def plain(record: AnnotationRecord) -> bytes:
    return orjson.dumps(record.model_dump(mode="json", exclude_none=True)) + b"\n"


@settings(max_examples=150, deadline=None)
@given(records(), st.data())
def test_a_line_is_the_plain_dump_first_time_and_after_an_edit(
    record: AnnotationRecord, data: st.DataObject
) -> None:
    assert encode_record(record) == plain(record)
    # a review's next decision: most objects are the very ones encoded before
    kept_rejected = data.draw(st.booleans())
    edited = record.model_copy(
        update={
            "spans": record.spans[1:],
            "rejected": (record.rejected or [])[:1] if kept_rejected else None,
            "provenance": dict(list((record.provenance or {}).items())[1:])
            | {"new": SpanProvenance(annotators=["b"], decision="accepted")},
        }
    )
    assert encode_record(edited) == plain(edited)
    assert encode_record(record) == plain(record)
