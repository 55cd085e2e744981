"""Every error path of check_record and of the pydantic models names file, line and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Relation, Span, SpanProvenance
from annotator.model.validate import check_record, problems_from_validation_error
from annotator.store.annotations import AnnotationFile

from .helpers import ARTICLE, article_record, make_record, span

CONFIG = ProjectConfig()


def fields(record: AnnotationRecord, text: str | None = ARTICLE) -> list[str]:
    problems = check_record(record, text, CONFIG, file="ann/alice.jsonl", line=7)
    for problem in problems:
        assert str(problem).startswith(f"ann/alice.jsonl:7: {problem.field}: ")
    return [problem.field or "" for problem in problems]


def test_a_good_record_has_no_problems() -> None:
    assert fields(article_record()) == []


def test_missing_document() -> None:
    assert fields(article_record(), None) == ["doc_id"]


def test_changed_document_is_reported_not_checked_further() -> None:
    changed = ARTICLE.replace("Tuesday", "Wednesday")
    problems = check_record(article_record(), changed, CONFIG, file="f", line=2)
    assert [p.field for p in problems] == ["text_sha256"]
    assert "reanchor" in problems[0].message


def test_span_past_the_end() -> None:
    record = make_record(
        ARTICLE,
        spans=[Span(id="s", start=len(ARTICLE), end=len(ARTICLE) + 2, label="claim", text="xx")],
    )
    assert fields(record) == ["spans[0].end"]


def test_span_text_mismatch() -> None:
    good = span(ARTICLE, "Ana Ruiz", "speaker", "s1")
    bad = good.model_copy(update={"text": "Ana Ruis"})
    assert fields(make_record(ARTICLE, spans=[bad])) == ["spans[0].text"]


def test_duplicate_span_id() -> None:
    one = span(ARTICLE, "Ana Ruiz", "speaker", "s1")
    two = span(ARTICLE, "Tomas Berg", "speaker", "s1")
    assert fields(make_record(ARTICLE, spans=[one, two])) == ["spans[1].id"]


def test_unknown_span_label() -> None:
    one = span(ARTICLE, "Ana Ruiz", "person", "s1")
    assert fields(make_record(ARTICLE, spans=[one])) == ["spans[0].label"]


def test_relation_errors() -> None:
    speaker = span(ARTICLE, "Ana Ruiz", "speaker", "s1")
    claim = span(ARTICLE, "will hold through the winter", "claim", "s2")
    relations = [
        Relation(id="r1", label="attributed_to", head="s2", tail="s1"),
        Relation(id="r1", label="attributed_to", head="s2", tail="s1"),  # duplicate id
        Relation(id="r2", label="attributed_to", head="s1", tail="s2"),  # wrong way round
        Relation(id="r3", label="attributed_to", head="s9", tail="s1"),  # missing head
        Relation(id="r4", label="quotes", head="s2", tail="s1"),  # unknown relation label
    ]
    record = make_record(ARTICLE, spans=[speaker, claim], relations=relations)
    assert fields(record) == [
        "relations[1].id",
        "relations[2].head",
        "relations[2].tail",
        "relations[3].head",
        "relations[4].label",
    ]


def test_provenance_for_missing_span() -> None:
    record = article_record().model_copy(
        update={"provenance": {"s1": SpanProvenance(), "gone": SpanProvenance()}}
    )
    assert fields(record) == ["provenance"]


def model_errors(value: dict[str, Any]) -> list[str]:
    with pytest.raises(Exception) as caught:
        AnnotationRecord.model_validate(value)
    from pydantic import ValidationError

    assert isinstance(caught.value, ValidationError)
    problems = problems_from_validation_error(caught.value, file="x.jsonl", line=4)
    for problem in problems:
        assert str(problem).startswith(f"x.jsonl:4: {problem.field}: ")
    return [problem.field or "" for problem in problems]


def base() -> dict[str, Any]:
    return article_record().model_dump(mode="json")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"doc_id": ""}, "doc_id"),
        ({"annotator": 3}, "annotator"),
        ({"text_sha256": "abc"}, "text_sha256"),
        ({"status": "finished"}, "status"),
        ({"schema_version": 99}, "schema_version"),
        ({"updated_at": "yesterday"}, "updated_at"),
        ({"seconds_spent": -1}, "seconds_spent"),
        ({"cursor": -5}, "cursor"),
        ({"colour": "red"}, "colour"),
        ({"spans": {"not": "a list"}}, "spans"),
        ({"provenance": {"s1": {"decision": 5}}}, "provenance.s1.decision"),
    ],
)
def test_record_field_errors(change: dict[str, Any], field: str) -> None:
    assert model_errors(base() | change) == [field]


@pytest.mark.parametrize(
    ("span_change", "field_suffix"),
    [
        ({"start": -1}, "start"),
        ({"end": "ten"}, "end"),
        ({"label": ""}, "label"),
        ({"id": ""}, "id"),
        ({"extra": 1}, "extra"),
    ],
)
def test_span_field_errors(span_change: dict[str, Any], field_suffix: str) -> None:
    value = base()
    value["spans"][1] |= span_change
    assert model_errors(value) == [f"spans[1].{field_suffix}"]


def test_span_end_before_start_and_length_mismatch() -> None:
    value = base()
    value["spans"][0] |= {"start": 5, "end": 5, "text": ""}
    value["spans"][1] |= {"text": "short"}
    assert model_errors(value) == ["spans[0]", "spans[1]"]


def test_relation_field_errors() -> None:
    value = base()
    value["relations"][0] |= {"head": ""}
    assert model_errors(value) == ["relations[0].head"]


def test_bad_record_line_in_a_file_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    good = json.dumps(base())
    bad = base()
    bad["spans"][0]["start"] = -3
    path.write_text(good + "\n" + json.dumps(bad | {"doc_id": "a2"}) + "\n", encoding="utf-8")
    annotations = AnnotationFile(path, "alice")
    records = list(annotations.iter_records())
    assert [line for line, _ in records] == [1]
    assert [str(p) for p in annotations.problems] == [
        f"{path}:2: spans[0].start: Input should be greater than or equal to 0"
    ]
    with pytest.raises(AnnotatorError) as caught:
        annotations.get("a2")
    assert str(caught.value).startswith(f"{path}:2: spans[0].start:")
