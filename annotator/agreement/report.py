"""The agreement report: runs the counts over a selection and lays the figures out as JSON.

Overall token-level figures (Cohen, Fleiss, Krippendorff) are the mean over labels of the
per-label figures; overall span and relation F1 are the mean over annotator pairs of each pair's
figure (each pair's own figure being micro-averaged over documents and labels).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from annotator.agreement.coefficients import Value, mean
from annotator.agreement.counts import (
    NO_RELATIONS,
    NO_SHARED_DOCUMENT,
    LayerCounts,
    PairCounts,
    compare_pair,
    no_relations_touching,
)
from annotator.agreement.dataset import TEXT_CHANGED, DocumentRecords, Excluded, Selection
from annotator.agreement.spans import NONE, PreparedRecord, prepare_record

SPAN_KEYS = ("span_f1_exact", "span_f1_partial", "span_f1_boundary")
PAIR_KEYS = (*SPAN_KEYS, "cohen_kappa", "relation_f1")
DOC_KEYS = (*SPAN_KEYS, "relation_f1")
FEWER_THAN_TWO = "fewer than two annotators selected"

Progress = Callable[[int, int], None]
"""Called with (documents done, documents in total)."""
UnitsSink = Callable[[DocumentRecords, dict[str, PreparedRecord]], None]


def block(values: dict[str, Value]) -> dict[str, Any]:
    """Figures as a JSON object; undefined ones are ``null``, their reasons under ``undefined``."""
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
    problems: list[str] = field(default_factory=list)
    """Lines that could not be read and records that do not validate, left out of the figures
    (their documents are in :attr:`excluded` when known)."""
    no_relations: str = NO_RELATIONS
    """Why a pair's relation F1 is undefined when neither drew a relation that counts."""
    set_aside: list[tuple[str, str]] = field(default_factory=list)
    """``(doc_id, annotator)`` of the records made on an older text of their document."""

    # -- figures ------------------------------------------------------------------------------

    def pair_figures(self) -> list[tuple[dict[str, Value], dict[str, dict[str, Value]]]]:
        result = []
        for pair in self.pairs:
            per_label = pair.per_label()
            result.append((pair.figures(per_label, no_relations=self.no_relations), per_label))
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
            key: _pair_mean([overall[key] for overall, _ in pair_figures], key) for key in PAIR_KEYS
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
                value for overall, _ in pair_figures if (value := overall[key].value) is not None
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
        if self.set_aside:
            out["documents"]["set_aside"] = [
                {"doc_id": doc_id, "annotator": name, "reason": TEXT_CHANGED}
                for doc_id, name in self.set_aside
            ]
        if self.per_document is not None:
            out["per_document"] = [item.to_json() for item in self.per_document]
        if self.problems:
            out["problems"] = self.problems
        if self.warnings:
            out["warnings"] = self.warnings
        return out


def _pair_mean(values: Sequence[Value], key: str) -> Value:
    if not values:
        return Value.undefined(FEWER_THAN_TWO)
    if len(values) == 1:
        return values[0]
    reasons = {value.reason or "" for value in values if value.value is None}
    if len(reasons) > 1:  # a pair with no document in common has nothing to say about the rest
        reasons.discard(NO_SHARED_DOCUMENT)
    if len(reasons) == 1:
        return mean(values, reasons.pop())
    return mean(values, f"undefined for every pair ({'; '.join(sorted(reasons))})")


def confusion_matrix(pair: PairCounts, labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """Rows: the label ``a`` gave, columns: the label ``b`` gave; ``(none)``: no matching span."""
    axis = [*labels, NONE]
    return {row: {column: pair.confusion[(row, column)] for column in axis} for row in axis}


PARALLEL_MIN_DOCUMENTS = 1500
"""Below this many documents, starting worker processes costs more than it saves."""
CHUNK = 250


@dataclass
class _Partial:
    """Totals of one slice of the documents; slices add up to the whole run."""

    pairs: dict[tuple[str, str], PairCounts]
    layers: dict[str, LayerCounts]
    per_document: list[DocumentFigures] | None
    excluded: list[Excluded]
    problems: list[str] = field(default_factory=list)
    """Records found not to validate in this slice."""
    set_aside: list[tuple[str, str]] = field(default_factory=list)
    counted: int = 0
    all_annotators: int = 0
    seen: int = 0

    def add(self, other: _Partial) -> None:
        for key, pair in other.pairs.items():
            self.pairs[key].add(pair)
        for label, layer in other.layers.items():
            self.layers[label].add(layer)
        if self.per_document is not None and other.per_document is not None:
            self.per_document.extend(other.per_document)
        self.excluded.extend(other.excluded)
        self.problems.extend(other.problems)
        self.set_aside.extend(other.set_aside)
        self.counted += other.counted
        self.all_annotators += other.all_annotators
        self.seen += other.seen


def _run(
    selection: Selection,
    doc_ids: Sequence[str],
    per_doc: bool,
    units: UnitsSink | None = None,
    progress: Callable[[int], None] | None = None,
) -> _Partial:
    labels = selection.labels
    annotators = selection.annotators
    partial = _Partial(
        {(a, b): PairCounts.empty(a, b, labels) for a, b in combinations(annotators, 2)},
        {label: LayerCounts(len(annotators)) for label in labels},
        [] if per_doc else None,
        [],
    )
    excluded_before = len(selection.excluded)
    problems_before = len(selection.record_problems)
    set_aside_before = len(selection.set_aside)
    for document in selection.documents(doc_ids):
        partial.counted += 1
        if len(document.records) == len(annotators):
            partial.all_annotators += 1
        figures = document_counts(
            document, labels, partial.pairs, partial.layers, units, relations_reason(selection)
        )
        if partial.per_document is not None:
            partial.per_document.append(figures)
        if progress is not None and partial.counted % 50 == 0:
            progress(partial.counted + len(selection.excluded) - excluded_before)
    partial.excluded = selection.excluded[excluded_before:]
    partial.problems = selection.record_problems[problems_before:]
    partial.set_aside = selection.set_aside[set_aside_before:]
    partial.seen = len(doc_ids)
    return partial


_worker_selections: dict[tuple[Any, ...], Selection] = {}
"""A worker process's selection, opened for its first slice and used for the next ones: opening
the project for each slice of 250 documents cost more than the slices at 100,000 documents."""


def worker_selection(
    root: Path, annotators: Sequence[str], labels: Sequence[str], labels_given: bool = False
) -> Selection:
    """The selection of a worker process (see :data:`_worker_selections`); also the one
    :func:`shared_with_workers` left for the processes forked in its block. ``labels_given``:
    the labels were chosen (``--labels``), see :attr:`Selection.labels_given`."""
    key = (root, tuple(annotators), tuple(labels), labels_given)
    selection = _worker_selections.get(key)
    if selection is None:
        from annotator.store.project import Project

        selection = Selection(
            Project(root), annotators=annotators, labels=labels if labels_given else None
        )
        _worker_selections.clear()  # one run's selection at a time
        _worker_selections[key] = selection
    return selection


@contextmanager
def shared_with_workers(selection: Selection) -> Iterator[None]:
    """Leave ``selection`` for the worker processes forked in the block: they use it (their copy
    of this process's memory) instead of opening the project again."""
    _worker_selections.clear()
    key = (
        selection.project.root,
        tuple(selection.annotators),
        tuple(selection.labels),
        selection.labels_given,
    )
    _worker_selections[key] = selection
    try:
        yield
    finally:
        _worker_selections.clear()  # not kept after the run (its indexes, its open files)


def can_fork() -> bool:
    """Worker processes are forked: where ``fork`` is missing, runs stay in one process."""
    return "fork" in multiprocessing.get_all_start_methods()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def _worker(arguments: tuple[Any, ...]) -> _Partial:
    root, annotators, labels, labels_given, doc_ids, per_doc = arguments
    return _run(worker_selection(root, annotators, labels, labels_given), doc_ids, per_doc)


def compute_agreement(
    selection: Selection,
    *,
    per_doc: bool = False,
    progress: Progress | None = None,
    units: UnitsSink | None = None,
    workers: int | None = 1,
) -> AgreementReport:
    """Run every metric over the selection, one document at a time.

    With ``workers`` above 1 (``None``: the CPU count for runs of
    :data:`PARALLEL_MIN_DOCUMENTS` documents or more), slices of the documents go to worker
    processes (forked, so on platforms without ``fork`` the run stays in one process); the counts
    are additive, so the result is the same.
    """
    doc_ids = selection.doc_ids
    total = len(doc_ids)
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= PARALLEL_MIN_DOCUMENTS else 1
    if units is not None or not can_fork():
        workers = 1
    if workers <= 1:
        partial = _run(
            selection,
            doc_ids,
            per_doc,
            units,
            None if progress is None else (lambda done: progress(done, total)),
        )
    else:
        partial = _run(selection, [], per_doc)
        chunks = [doc_ids[index : index + CHUNK] for index in range(0, total, CHUNK)]
        tasks = [
            (
                selection.project.root,
                selection.annotators,
                selection.labels,
                selection.labels_given,
                chunk,
                per_doc,
            )
            for chunk in chunks
        ]
        with worker_pool(workers) as pool:
            for result in pool.map(_worker, tasks):
                partial.add(result)
                if progress is not None:
                    progress(partial.seen, total)
    if progress is not None:
        progress(total, total)
    return AgreementReport(
        annotators=list(selection.annotators),
        labels=list(selection.labels),
        pairs=list(partial.pairs.values()),
        layers=partial.layers,
        counted=partial.counted,
        all_annotators=partial.all_annotators,
        excluded=[*partial.excluded, *selection.orphan_records()],
        warnings=list(selection.warnings),
        per_document=partial.per_document,
        problems=[*selection.file_problems, *partial.problems],
        no_relations=relations_reason(selection),
        set_aside=partial.set_aside,
    )


def relations_reason(selection: Selection) -> str:
    """Why relation F1 is undefined for a pair who drew none that counts: under ``--labels``,
    relations touching none of the selected labels are ignored, and the reason says so."""
    return no_relations_touching(selection.labels) if selection.restricted else NO_RELATIONS


def document_counts(
    document: DocumentRecords,
    labels: Sequence[str],
    pairs: dict[tuple[str, str], PairCounts] | None = None,
    layers: dict[str, LayerCounts] | None = None,
    units: UnitsSink | None = None,
    no_relations: str = NO_RELATIONS,
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
    pair_values = [counts.figures(kappa=False, no_relations=no_relations) for counts in doc_pairs]
    figures = {key: _pair_mean([values[key] for values in pair_values], key) for key in DOC_KEYS}
    figures["krippendorff_alpha"] = mean(alphas, "no spans in this document")
    return DocumentFigures(
        document.doc_id,
        names,
        {name: len(prepared[name].spans) for name in names},
        figures,
        dict(document.set_aside),
    )
