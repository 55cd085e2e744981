"""The agreement report: runs the counts over a selection and lays the figures out as JSON.

Overall token-level figures (Cohen, Fleiss, Krippendorff) are the mean over labels of the
per-label figures; overall span and relation F1 are the mean over annotator pairs of each pair's
figure (each pair's own figure being micro-averaged over documents and labels).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from annotator.agreement.coefficients import Value, mean
from annotator.agreement.counts import LayerCounts, PairCounts, compare_pair
from annotator.agreement.dataset import DocumentRecords, Excluded, Selection
from annotator.agreement.spans import NONE, PreparedRecord, prepare_record

SPAN_KEYS = ("span_f1_exact", "span_f1_partial", "span_f1_boundary")
PAIR_KEYS = (*SPAN_KEYS, "cohen_kappa", "relation_f1")
FEWER_THAN_TWO = "fewer than two annotators selected"

Progress = Callable[[int, int], None]
"""Called with (documents done, documents in total)."""
UnitsSink = Callable[[DocumentRecords, dict[str, PreparedRecord]], None]


def block(values: dict[str, Value]) -> dict[str, Any]:
    """Figures as a JSON object; undefined ones are ``null`` with their reason under ``undefined``."""
    out: dict[str, Any] = {key: value.value for key, value in values.items()}
    reasons = {key: value.reason for key, value in values.items() if value.value is None}
    if reasons:
        out["undefined"] = reasons
    return out


@dataclass(slots=True)
class DocumentFigures:
    """Agreement on one document (for ``--per-doc`` and the review screen's document list)."""

    doc_id: str
    annotators: list[str]
    spans: dict[str, int]
    figures: dict[str, Value]
    set_aside: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "doc_id": self.doc_id,
            "annotators": self.annotators,
            "spans": self.spans,
        }
        out.update(block(self.figures))
        if self.set_aside:
            out["set_aside"] = self.set_aside
        return out


@dataclass
class AgreementReport:
    annotators: list[str]
    labels: list[str]
    pairs: list[PairCounts]
    layers: dict[str, LayerCounts]
    counted: int
    all_annotators: int
    excluded: list[Excluded]
    warnings: list[str]
    per_document: list[DocumentFigures] | None = None

    # -- figures ------------------------------------------------------------------------------

    def pair_figures(self) -> list[tuple[dict[str, Value], dict[str, dict[str, Value]]]]:
        result = []
        for pair in self.pairs:
            per_label = pair.per_label()
            result.append((pair.figures(per_label), per_label))
        return result

    def label_figures(
        self, pair_figures: Sequence[tuple[dict[str, Value], dict[str, dict[str, Value]]]]
    ) -> dict[str, dict[str, Value]]:
        result: dict[str, dict[str, Value]] = {}
        for label in self.labels:
            figures: dict[str, Value] = {}
            for key in PAIR_KEYS:
                values = [per_label[label][key] for _overall, per_label in pair_figures]
                figures[key] = _pair_mean(values, key)
            figures["fleiss_kappa"] = self.layers[label].fleiss()
            figures["krippendorff_alpha"] = self.layers[label].alpha()
            result[label] = figures
        return result

    def overall_figures(
        self,
        pair_figures: Sequence[tuple[dict[str, Value], dict[str, dict[str, Value]]]],
        label_figures: dict[str, dict[str, Value]],
    ) -> dict[str, Value]:
        figures = {
            key: _pair_mean([overall[key] for overall, _ in pair_figures], key)
            for key in PAIR_KEYS
        }
        for key in ("fleiss_kappa", "krippendorff_alpha"):
            figures[key] = mean(
                (label_figures[label][key] for label in self.labels),
                "undefined for every label",
            )
        return figures

    def spread(
        self, pair_figures: Sequence[tuple[dict[str, Value], dict[str, dict[str, Value]]]]
    ) -> dict[str, dict[str, float] | None]:
        """Minimum, maximum and population standard deviation over pairs."""
        result: dict[str, dict[str, float] | None] = {}
        for key in PAIR_KEYS:
            values = [
                overall[key].value for overall, _ in pair_figures if overall[key].value is not None
            ]
            result[key] = (
                {"min": min(values), "max": max(values), "stdev": statistics.pstdev(values)}
                if values
                else None
            )
        return result

    def to_json(self) -> dict[str, Any]:
        pair_figures = self.pair_figures()
        label_figures = self.label_figures(pair_figures)
        overall = block(self.overall_figures(pair_figures, label_figures))
        overall["pair_spread"] = self.spread(pair_figures)
        out: dict[str, Any] = {
            "annotators": self.annotators,
            "labels": self.labels,
            "documents": {
                "counted": self.counted,
                "all_annotators": self.all_annotators,
                "excluded": [
                    {"doc_id": item.doc_id, "reason": item.reason} for item in self.excluded
                ],
            },
            "overall": overall,
            "per_label": {label: block(label_figures[label]) for label in self.labels},
            "pairs": [
                {
                    "a": pair.a,
                    "b": pair.b,
                    "documents": pair.documents,
                    **block(figures),
                    "confusion": confusion_matrix(pair, self.labels),
                    "per_label": {label: block(per_label[label]) for label in self.labels},
                }
                for pair, (figures, per_label) in zip(self.pairs, pair_figures, strict=True)
            ],
        }
        if self.per_document is not None:
            out["per_document"] = [item.to_json() for item in self.per_document]
        if self.warnings:
            out["warnings"] = self.warnings
        return out


def _pair_mean(values: Sequence[Value], key: str) -> Value:
    if not values:
        return Value.undefined(FEWER_THAN_TWO)
    if len(values) == 1:
        return values[0]
    reasons = {value.reason for value in values if value.value is None}
    return mean(values, reasons.pop() if len(reasons) == 1 else f"{key} undefined for every pair")


def confusion_matrix(pair: PairCounts, labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """Rows: the label ``a`` gave, columns: the label ``b`` gave; ``(none)``: no matching span."""
    axis = [*labels, NONE]
    return {row: {column: pair.confusion[(row, column)] for column in axis} for row in axis}


def compute_agreement(
    selection: Selection,
    *,
    per_doc: bool = False,
    progress: Progress | None = None,
    units: UnitsSink | None = None,
) -> AgreementReport:
    """Run every metric over the selection, one document at a time."""
    labels = selection.labels
    annotators = selection.annotators
    pairs = {
        (a, b): PairCounts.empty(a, b, labels) for a, b in combinations(annotators, 2)
    }
    layers = {label: LayerCounts(len(annotators)) for label in labels}
    per_document: list[DocumentFigures] | None = [] if per_doc else None
    counted = 0
    all_annotators = 0
    total = len(selection.doc_ids)
    done = 0
    for document in selection.documents():
        counted += 1
        present = list(document.records)
        if len(present) == len(annotators):
            all_annotators += 1
        figures = document_counts(document, labels, pairs, layers, units)
        if per_document is not None:
            per_document.append(figures)
        if progress is not None:
            done = counted + len(selection.excluded)
            progress(done, total)
    if progress is not None:
        progress(total, total)
    excluded = [*selection.excluded, *selection.orphan_records()]
    return AgreementReport(
        annotators=list(annotators),
        labels=list(labels),
        pairs=list(pairs.values()),
        layers=layers,
        counted=counted,
        all_annotators=all_annotators,
        excluded=excluded,
        warnings=list(selection.warnings),
        per_document=per_document,
    )


def document_counts(
    document: DocumentRecords,
    labels: Sequence[str],
    pairs: dict[tuple[str, str], PairCounts] | None = None,
    layers: dict[str, LayerCounts] | None = None,
    units: UnitsSink | None = None,
) -> DocumentFigures:
    """Compare every pair on one document, add into the totals, and return its own figures."""
    mask_cache: dict[tuple[int, int], int] = {}
    prepared = {
        name: prepare_record(record, labels, document.tokens, mask_cache)
        for name, record in document.records.items()
    }
    if units is not None:
        units(document, prepared)
    names = list(prepared)
    tokens = len(document.tokens)
    doc_pairs: list[PairCounts] = []
    both: dict[str, int] = dict.fromkeys(labels, 0)
    for a, b in combinations(names, 2):
        counts = compare_pair(prepared[a], prepared[b], (a, b), labels, tokens)
        doc_pairs.append(counts)
        if pairs is not None:
            pairs[(a, b)].add(counts)
        for label in labels:
            both[label] += counts.labels[label].both
    present = len(names)
    alphas: list[Value] = []
    for label in labels:
        ones = sum(prepared[name].masks.get(label, 0).bit_count() for name in names)
        square_sum = ones + 2 * both[label]
        layer = LayerCounts(present)
        layer.add_document(tokens, present, ones, square_sum)
        alphas.append(layer.alpha())
        if layers is not None:
            layers[label].add_document(tokens, present, ones, square_sum)
    pair_values = [counts.figures() for counts in doc_pairs]
    figures = {key: _pair_mean([values[key] for values in pair_values], key) for key in PAIR_KEYS}
    figures["krippendorff_alpha"] = mean(alphas, "no spans in this document")
    return DocumentFigures(
        document.doc_id,
        names,
        {name: len(prepared[name].spans) for name in names},
        figures,
        dict(document.set_aside),
    )
