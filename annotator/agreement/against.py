"""Each annotator against a reference (gold): precision, recall and F1, never pooled.

``agreement --against gold`` compares every selected annotator, one at a time, with the
reference annotator's records: on each document both have a usable record of, the annotator's
spans are the predictions and the reference's the truth. Counts add up over documents (micro
average) per annotator; nothing is averaged over annotators, and the reference is no rater among
others (adding gold to ``--annotators`` changes every multi-rater figure instead).

* exact: a span with the same start, end and label in both;
* partial: the greedy one-to-one half-overlap matching of same-label spans (as pair F1);
* boundary: extents ``(start, end)``, labels ignored;
* relations: the same relation label between exactly matching ends;
* Cohen's kappa: per label on the token layers (as between two annotators), and its mean over
  labels.

Precision is undefined when the annotator marked nothing, recall when the reference has nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.agreement.coefficients import Value, mean, ratio
from annotator.agreement.counts import LabelCounts, PairCounts, compare_pair
from annotator.agreement.dataset import Excluded, Selection
from annotator.agreement.report import Progress, block
from annotator.agreement.spans import prepare_record

MEASURES = ("exact", "partial", "boundary", "relations")
LABEL_MEASURES = ("exact", "partial")


def scores(found: int, predicted: int, truth: int, who: str, reference: str) -> dict[str, Value]:
    """Precision, recall and F1 of ``found`` matches among ``predicted`` and ``truth`` items."""
    return {
        "precision": ratio(found, predicted, f"{who} marked none"),
        "recall": ratio(found, truth, f"{reference} has none"),
        "f1": ratio(2 * found, predicted + truth, f"neither {who} nor {reference} marked any"),
    }


@dataclass(slots=True)
class AnnotatorAgainst:
    """One annotator's counts against the reference, summed over the documents both have."""

    name: str
    counts: PairCounts

    def measures(self, reference: str) -> dict[str, dict[str, Value]]:
        counts = self.counts
        labels = counts.labels.values()
        predicted = sum(label.spans_a for label in labels)
        truth = sum(label.spans_b for label in labels)
        return {
            "exact": scores(
                sum(label.exact for label in labels), predicted, truth, self.name, reference
            ),
            "partial": scores(
                sum(label.partial for label in labels), predicted, truth, self.name, reference
            ),
            "boundary": scores(
                counts.extents_both, counts.extents_a, counts.extents_b, self.name, reference
            ),
            "relations": scores(
                counts.relations_both, counts.relations_a, counts.relations_b, self.name, reference
            ),
        }

    def label_measures(self, label: LabelCounts, reference: str) -> dict[str, dict[str, Value]]:
        return {
            "exact": scores(label.exact, label.spans_a, label.spans_b, self.name, reference),
            "partial": scores(label.partial, label.spans_a, label.spans_b, self.name, reference),
        }

    def to_json(self, reference: str) -> dict[str, Any]:
        counts = self.counts
        per_label = {
            label: (self.label_measures(values, reference), values.figures()["cohen_kappa"])
            for label, values in counts.labels.items()
        }
        kappa = mean(
            (value for _measures, value in per_label.values()), "undefined for every label"
        )
        out: dict[str, Any] = {
            "annotator": self.name,
            "documents": counts.documents,
            "spans": sum(label.spans_a for label in counts.labels.values()),
            "reference_spans": sum(label.spans_b for label in counts.labels.values()),
        }
        out.update({key: block(values) for key, values in self.measures(reference).items()})
        out.update(block({"cohen_kappa": kappa}))
        out["per_label"] = {
            label: {
                **{key: block(values) for key, values in measures.items()},
                **block({"cohen_kappa": value}),
            }
            for label, (measures, value) in per_label.items()
        }
        return out


@dataclass
class AgainstReport:
    reference: str
    annotators: list[str]
    labels: list[str]
    done_only: bool
    results: list[AnnotatorAgainst]
    counted: int = 0
    excluded: list[Excluded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    set_aside: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        documents: dict[str, Any] = {
            "counted": self.counted,
            "excluded": [{"doc_id": item.doc_id, "reason": item.reason} for item in self.excluded],
        }
        if self.set_aside:
            from annotator.agreement.dataset import TEXT_CHANGED

            documents["set_aside"] = [
                {"doc_id": doc_id, "annotator": name, "reason": TEXT_CHANGED}
                for doc_id, name in self.set_aside
            ]
        out: dict[str, Any] = {
            "against": self.reference,
            "reference_status": "done" if self.done_only else None,
            "annotators": self.annotators,
            "labels": self.labels,
            "documents": documents,
            "per_annotator": [result.to_json(self.reference) for result in self.results],
        }
        if self.problems:
            out["problems"] = self.problems
        return out


def compute_against(
    selection: Selection,
    reference: str,
    *,
    done_only: bool = False,
    progress: Progress | None = None,
) -> AgainstReport:
    """Each annotator of ``selection`` but ``reference`` against ``reference``'s records (only
    those marked done with ``done_only``)."""
    labels = selection.labels
    names = [name for name in selection.annotators if name != reference]
    results = {
        name: AnnotatorAgainst(name, PairCounts.empty(name, reference, labels)) for name in names
    }
    report = AgainstReport(reference, names, list(labels), done_only, list(results.values()))
    doc_ids: Sequence[str] = selection.doc_ids
    total = len(doc_ids)
    excluded_before = len(selection.excluded)
    problems_before = len(selection.record_problems)
    for document in selection.documents():
        truth = document.records.get(reference)
        if truth is None:
            why = (
                "record of an older text (run `annotator reanchor`)"
                if reference in document.set_aside
                else "no record"
            )
            report.excluded.append(Excluded(document.doc_id, f"{reference}: {why}"))
            continue
        if done_only and truth.status != "done":
            report.excluded.append(
                Excluded(document.doc_id, f"{reference} record not done ({truth.status})")
            )
            continue
        report.counted += 1
        mask_cache: dict[tuple[int, int], int] = {}
        expected = prepare_record(truth, labels, document.tokens, mask_cache)
        tokens = len(document.tokens)
        for name, record in document.records.items():
            if name == reference:
                continue
            prepared = prepare_record(record, labels, document.tokens, mask_cache)
            results[name].counts.add(
                compare_pair(prepared, expected, (name, reference), labels, tokens)
            )
        if progress is not None and report.counted % 50 == 0:
            progress(report.counted + len(selection.excluded) - excluded_before, total)
    report.excluded[:0] = selection.excluded[excluded_before:]
    report.problems = [*selection.file_problems, *selection.record_problems[problems_before:]]
    report.set_aside = list(selection.set_aside)
    if progress is not None:
        progress(total, total)
    return report
