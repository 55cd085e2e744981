"""Hand-made cases that pin each span, relation and document-selection rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotator.agreement.dataset import Selection
from annotator.agreement.report import compute_agreement
from annotator.agreement.spans import half_overlap, partial_matches

from .helpers import SpanSpec, build_project, record

TEXT = "Foreign Minister Ana Ruiz said the ceasefire will hold through the winter, aides said."


def at(needle: str, label: str) -> SpanSpec:
    start = TEXT.index(needle)
    return (start, start + len(needle), label)


SPEAKER = at("Foreign Minister Ana Ruiz", "speaker")
NAME = at("Ana Ruiz", "speaker")
CLAIM = at("the ceasefire will hold through the winter", "claim")
SHORT_CLAIM = at("the ceasefire will hold", "claim")
EVENT = at("ceasefire", "event")
AIDES = at("aides", "speaker")


def report(tmp_path: Path, annotations: dict[str, dict[str, Any]], **kwargs: Any) -> Any:
    documents = {"d1": TEXT, "d2": "Nobody annotated this one."}
    project = build_project(tmp_path / "p", documents, annotations)
    return compute_agreement(Selection(project, **kwargs), per_doc=True).to_json()


def test_exact_partial_and_boundary_f1(tmp_path: Path) -> None:
    data = report(
        tmp_path,
        {
            "alice": {"d1": [SPEAKER, CLAIM, EVENT]},
            # Same speaker; claim cut short (half overlap); ceasefire called an entity.
            "bob": {"d1": [SPEAKER, SHORT_CLAIM, (EVENT[0], EVENT[1], "entity")]},
        },
    )
    pair = data["pairs"][0]
    assert pair["span_f1_exact"] == pytest.approx(2 * 1 / 6)
    assert pair["span_f1_partial"] == pytest.approx(2 * 2 / 6)
    # Extents: speaker and ceasefire agree, the claims do not.
    assert pair["span_f1_boundary"] == pytest.approx(2 * 2 / 6)
    labels = pair["per_label"]
    assert labels["claim"]["span_f1_exact"] == 0.0
    assert labels["claim"]["span_f1_partial"] == 1.0
    assert labels["event"]["span_f1_boundary"] == 1.0  # bob marked the extent, as entity
    assert labels["event"]["span_f1_exact"] == 0.0
    assert pair["confusion"]["event"]["entity"] == 1
    assert pair["confusion"]["claim"]["claim"] == 1
    assert pair["confusion"]["(none)"]["(none)"] == 0


def test_partial_needs_half_of_either_span_and_is_one_to_one() -> None:
    assert half_overlap((0, 10), (5, 30))  # covers half of the first
    assert not half_overlap((0, 10), (6, 30))
    assert half_overlap((0, 100), (40, 44))  # covers all of the short one
    # One long span against two halves: only one match.
    assert partial_matches({(0, 10)}, {(0, 5), (5, 10)}) == 1
    # The exact match is taken before the larger-overlap alternative.
    assert partial_matches({(0, 10), (0, 8)}, {(0, 10)}) == 1
    assert partial_matches({(0, 10), (2, 12)}, {(0, 10), (1, 12)}) == 2
    # Greedy by overlap: (0, 10) takes (1, 10), leaving (5, 20) for (4, 20).
    assert partial_matches({(0, 10), (4, 20)}, {(1, 10), (5, 20)}) == 2


def test_nested_spans_are_separate_spans_and_separate_token_layers(tmp_path: Path) -> None:
    nested = [SPEAKER, NAME]  # "Ana Ruiz" inside "Foreign Minister Ana Ruiz", both speaker
    data = report(tmp_path, {"alice": {"d1": nested}, "bob": {"d1": [SPEAKER]}})
    pair = data["pairs"][0]
    assert pair["span_f1_exact"] == pytest.approx(2 * 1 / 3)
    # Token layer: both annotators cover the same tokens, the nesting does not count twice.
    assert pair["per_label"]["speaker"]["cohen_kappa"] == 1.0
    assert data["per_label"]["speaker"]["krippendorff_alpha"] == 1.0


def test_relation_f1_needs_both_ends_exact_and_the_label(tmp_path: Path) -> None:
    link = [("attributed_to", 1, 0)]
    annotations = {
        "alice": {"d1": record("alice", "d1", TEXT, [SPEAKER, CLAIM, AIDES], link)},
        "bob": {
            "d1": record(
                "bob", "d1", TEXT, [SPEAKER, CLAIM, AIDES], [*link, ("attributed_to", 1, 2)]
            )
        },
        "carol": {"d1": record("carol", "d1", TEXT, [SPEAKER, SHORT_CLAIM], link)},
    }
    data = report(tmp_path, annotations)
    by_pair = {(pair["a"], pair["b"]): pair for pair in data["pairs"]}
    assert by_pair[("alice", "bob")]["relation_f1"] == pytest.approx(2 * 1 / 3)
    assert by_pair[("alice", "carol")]["relation_f1"] == 0.0  # the claim ends differ
    assert by_pair[("alice", "bob")]["per_label"]["claim"]["relation_f1"] == pytest.approx(2 / 3)
    assert by_pair[("alice", "bob")]["per_label"]["event"]["relation_f1"] is None
    assert data["overall"]["relation_f1"] == pytest.approx((2 / 3 + 0 + 0) / 3)


def test_document_nobody_annotated_is_excluded_with_a_reason(tmp_path: Path) -> None:
    data = report(tmp_path, {"alice": {"d1": [SPEAKER]}, "bob": {"d1": [SPEAKER]}})
    assert data["documents"]["counted"] == 1
    assert data["documents"]["excluded"] == [
        {"doc_id": "d2", "reason": "no records by the selected annotators"}
    ]
    assert [row["doc_id"] for row in data["per_document"]] == ["d1"]


def test_empty_records_give_undefined_span_f1_not_zero(tmp_path: Path) -> None:
    data = report(tmp_path, {"alice": {"d1": [], "d2": []}, "bob": {"d1": [], "d2": []}})
    assert data["documents"]["counted"] == 2
    assert data["overall"]["span_f1_exact"] is None
    assert data["overall"]["undefined"]["span_f1_exact"] == "no spans by either annotator"
    assert data["overall"]["krippendorff_alpha"] is None
    assert data["per_label"]["speaker"]["cohen_kappa"] is None


def test_record_of_a_changed_text_is_set_aside(tmp_path: Path) -> None:
    stale = record("carol", "d1", TEXT, [SPEAKER], digest="0" * 64)
    data = report(
        tmp_path,
        {
            "alice": {"d1": [SPEAKER], "d2": []},
            "bob": {"d1": [SPEAKER]},
            "carol": {"d1": stale, "d2": record("carol", "d2", "x", [], digest="1" * 64)},
        },
    )
    assert data["documents"]["counted"] == 1
    (row,) = data["per_document"]
    assert row["annotators"] == ["alice", "bob"]
    assert "text_sha256 differs" in row["set_aside"]["carol"]
    (excluded,) = data["documents"]["excluded"]
    assert excluded["doc_id"] == "d2"
    assert excluded["reason"].startswith("only alice has a usable record; carol:")
    # Fleiss needs every selected annotator: carol's stale record leaves no such document.
    assert data["documents"]["all_annotators"] == 0
    assert data["overall"]["fleiss_kappa"] is None


def test_gold_is_left_out_unless_named(tmp_path: Path) -> None:
    annotations = {
        "alice": {"d1": [SPEAKER]},
        "bob": {"d1": [SPEAKER]},
        "gold": {"d1": [CLAIM]},
    }
    assert report(tmp_path, annotations)["annotators"] == ["alice", "bob"]
    named = compute_agreement(
        Selection(
            build_project(tmp_path / "q", {"d1": TEXT}, annotations), annotators=["alice", "gold"]
        )
    ).to_json()
    assert named["overall"]["span_f1_exact"] == 0.0


def test_labels_restrict_the_comparison(tmp_path: Path) -> None:
    data = report(
        tmp_path,
        {"alice": {"d1": [SPEAKER, EVENT]}, "bob": {"d1": [SPEAKER]}},
        labels=["speaker"],
    )
    assert data["labels"] == ["speaker"]
    assert data["overall"]["span_f1_exact"] == 1.0
