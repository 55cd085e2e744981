"""Additive counts from which every agreement figure is computed.

Per document and annotator pair, :func:`compare_pair` turns two prepared records into counts;
counts of many documents simply add up, and the figures (F1, kappa, alpha) are computed from the
totals at the end. Token layers are bitsets, so a pair of annotators costs a few ``bit_count``
calls per label and document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from annotator.agreement.coefficients import (
    Value,
    binary_cohen_kappa,
    binary_coincidences,
    fleiss_kappa_from_sums,
    krippendorff_alpha_from_coincidences,
    mean,
    ratio,
)
from annotator.agreement.spans import PreparedRecord, confusion_pairs, partial_matches

NO_SPANS = "no spans of this label by either annotator"
NO_SPANS_AT_ALL = "no spans by either annotator"
NO_RELATIONS = "no relations by either annotator"


def no_relations_touching(labels: Sequence[str]) -> str:
    """Why relation F1 is undefined under ``--labels`` (relations of other labels are ignored)."""
    return f"no relations touching the selected labels ({', '.join(labels)}) by either annotator"


NO_LABEL_RELATIONS = "no relations touching this label by either annotator"
NO_SHARED_DOCUMENT = "no document annotated by both"
"""A pair who share no counted document (both marked spans, elsewhere)."""
NO_TOKEN_MARKED = "no token of this label was marked by either annotator"
EVERY_TOKEN_MARKED = "every token of these documents is in this label for both annotators"
NO_TOKEN_MARKED_BY_ANY = "no token of this label was marked by any annotator"
EVERY_TOKEN_MARKED_BY_ALL = "every token of these documents is in this label for every annotator"


@dataclass(slots=True)
class LabelCounts:
    """Counts of one label for one annotator pair (``a`` and ``b``)."""

    spans_a: int = 0
    spans_b: int = 0
    exact: int = 0
    """Spans with the same start, end and label in both records."""
    partial: int = 0
    """Size of the greedy one-to-one half-overlap matching."""
    boundary_a: int = 0
    """Spans of ``a`` with this label whose extent ``b`` marked with any label."""
    boundary_b: int = 0
    relations_a: int = 0
    """Relations of ``a`` with a span of this label at either end."""
    relations_b: int = 0
    relations: int = 0
    tokens: int = 0
    both: int = 0
    """Tokens inside a span of this label in both records."""
    only_a: int = 0
    only_b: int = 0

    def add(self, other: LabelCounts) -> None:
        self.spans_a += other.spans_a
        self.spans_b += other.spans_b
        self.exact += other.exact
        self.partial += other.partial
        self.boundary_a += other.boundary_a
        self.boundary_b += other.boundary_b
        self.relations_a += other.relations_a
        self.relations_b += other.relations_b
        self.relations += other.relations
        self.tokens += other.tokens
        self.both += other.both
        self.only_a += other.only_a
        self.only_b += other.only_b

    def figures(self) -> dict[str, Value]:
        neither = self.tokens - self.both - self.only_a - self.only_b
        kappa = (
            binary_cohen_kappa(self.both, self.only_a, self.only_b, neither)
            if self.tokens
            else Value.undefined("no tokens")
        )
        if kappa.value is None and self.tokens:
            # p_e = 1: one category only, either side of the layer
            if self.both == self.tokens:
                kappa = Value.undefined(EVERY_TOKEN_MARKED)
            elif self.both + self.only_a + self.only_b == 0:
                kappa = Value.undefined(NO_TOKEN_MARKED)
        size = self.spans_a + self.spans_b
        return {
            "span_f1_exact": ratio(2 * self.exact, size, NO_SPANS),
            "span_f1_partial": ratio(2 * self.partial, size, NO_SPANS),
            "span_f1_boundary": ratio(self.boundary_a + self.boundary_b, size, NO_SPANS),
            "cohen_kappa": kappa,
            "relation_f1": ratio(
                2 * self.relations, self.relations_a + self.relations_b, NO_LABEL_RELATIONS
            ),
        }


@dataclass(slots=True)
class PairCounts:
    """Counts of one annotator pair over one or many documents."""

    a: str
    b: str
    labels: dict[str, LabelCounts]
    documents: int = 0
    extents_a: int = 0
    extents_b: int = 0
    extents_both: int = 0
    relations_a: int = 0
    relations_b: int = 0
    relations_both: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    @classmethod
    def empty(cls, a: str, b: str, labels: Sequence[str]) -> PairCounts:
        return cls(a, b, {label: LabelCounts() for label in labels})

    def add(self, other: PairCounts) -> None:
        self.documents += other.documents
        self.extents_a += other.extents_a
        self.extents_b += other.extents_b
        self.extents_both += other.extents_both
        self.relations_a += other.relations_a
        self.relations_b += other.relations_b
        self.relations_both += other.relations_both
        self.confusion.update(other.confusion)
        for label, counts in other.labels.items():
            self.labels[label].add(counts)

    def per_label(self) -> dict[str, dict[str, Value]]:
        if not self.documents:
            return {label: _none_shared(LABEL_KEYS) for label in self.labels}
        return {label: counts.figures() for label, counts in self.labels.items()}

    def figures(
        self,
        per_label: dict[str, dict[str, Value]] | None = None,
        *,
        kappa: bool = True,
        no_relations: str = NO_RELATIONS,
    ) -> dict[str, Value]:
        """Pair figures: span F1 micro-averaged over labels, kappa the mean over labels;
        ``no_relations``: the reason relation F1 is undefined when neither drew one."""
        if not self.documents:
            return _none_shared(PAIR_KEYS if kappa else PAIR_KEYS_WITHOUT_KAPPA)
        size = sum(counts.spans_a + counts.spans_b for counts in self.labels.values())
        exact = sum(counts.exact for counts in self.labels.values())
        partial = sum(counts.partial for counts in self.labels.values())
        figures = {
            "span_f1_exact": ratio(2 * exact, size, NO_SPANS_AT_ALL),
            "span_f1_partial": ratio(2 * partial, size, NO_SPANS_AT_ALL),
            "span_f1_boundary": ratio(
                2 * self.extents_both, self.extents_a + self.extents_b, NO_SPANS_AT_ALL
            ),
            "relation_f1": ratio(
                2 * self.relations_both, self.relations_a + self.relations_b, no_relations
            ),
        }
        if kappa:
            if per_label is None:
                per_label = self.per_label()
            figures["cohen_kappa"] = mean(
                (values["cohen_kappa"] for values in per_label.values()),
                "undefined for every label",
            )
        return figures


LABEL_KEYS = ("span_f1_exact", "span_f1_partial", "span_f1_boundary", "cohen_kappa", "relation_f1")
"""The keys of :meth:`LabelCounts.figures`, in its order."""
PAIR_KEYS_WITHOUT_KAPPA = ("span_f1_exact", "span_f1_partial", "span_f1_boundary", "relation_f1")
PAIR_KEYS = (*PAIR_KEYS_WITHOUT_KAPPA, "cohen_kappa")
"""The keys of :meth:`PairCounts.figures`, in its order."""


def _none_shared(keys: Sequence[str]) -> dict[str, Value]:
    return dict.fromkeys(keys, Value.undefined(NO_SHARED_DOCUMENT))


def compare_pair(
    first: PreparedRecord,
    second: PreparedRecord,
    names: tuple[str, str],
    labels: Sequence[str],
    tokens: int,
) -> PairCounts:
    """Counts of two records of the same document."""
    pair = PairCounts(names[0], names[1], {}, documents=1)
    empty: set[tuple[int, int]] = set()
    confusion = pair.confusion
    for label in labels:
        left = first.by_label.get(label, empty)
        right = second.by_label.get(label, empty)
        counts = LabelCounts(spans_a=len(left), spans_b=len(right), tokens=tokens)
        if left and right:
            counts.exact = len(left & right)
            counts.partial = counts.exact if left == right else partial_matches(left, right)
            if counts.exact:
                confusion[(label, label)] = counts.exact
        if left:
            counts.boundary_a = len(left & second.extents)
        if right:
            counts.boundary_b = len(right & first.extents)
        mask_a = first.masks.get(label, 0)
        mask_b = second.masks.get(label, 0)
        both = (mask_a & mask_b).bit_count()
        counts.both = both
        counts.only_a = mask_a.bit_count() - both
        counts.only_b = mask_b.bit_count() - both
        pair.labels[label] = counts
    pair.extents_a = len(first.extents)
    pair.extents_b = len(second.extents)
    pair.extents_both = len(first.extents & second.extents)
    common = first.relations & second.relations
    pair.relations_a = len(first.relations)
    pair.relations_b = len(second.relations)
    pair.relations_both = len(common)
    if first.relations or second.relations:
        for label in labels:
            counts = pair.labels[label]
            left_relations = first.relations_by_label.get(label, set())
            right_relations = second.relations_by_label.get(label, set())
            counts.relations_a = len(left_relations)
            counts.relations_b = len(right_relations)
            counts.relations = len(left_relations & right_relations)
    if first.spans != second.spans:
        confusion.update(confusion_pairs(first.spans, second.spans))
    return pair


@dataclass(slots=True)
class LayerCounts:
    """Sums over tokens of one label's binary layer for Fleiss' kappa and Krippendorff's alpha."""

    raters: int
    """Number of selected annotators (Fleiss needs every one of them)."""
    fleiss_items: int = 0
    fleiss_ones: int = 0
    fleiss_square_sum: int = 0
    """Sum over tokens of ``k^2`` (``k`` the annotators who put the token in this label)."""
    alpha_pairable: int = 0
    alpha_ones: int = 0
    alpha_mixed: float = 0.0

    def add(self, other: LayerCounts) -> None:
        self.fleiss_items += other.fleiss_items
        self.fleiss_ones += other.fleiss_ones
        self.fleiss_square_sum += other.fleiss_square_sum
        self.alpha_pairable += other.alpha_pairable
        self.alpha_ones += other.alpha_ones
        self.alpha_mixed += other.alpha_mixed

    def add_document(self, tokens: int, present: int, ones: int, square_sum: int) -> None:
        """Add one document: ``present`` annotators, ``ones = sum k``, ``square_sum = sum k^2``."""
        self.alpha_pairable += tokens * present
        self.alpha_ones += ones
        self.alpha_mixed += (present * ones - square_sum) / (present - 1)
        if present == self.raters:
            self.fleiss_items += tokens
            self.fleiss_ones += ones
            self.fleiss_square_sum += square_sum

    def fleiss(self) -> Value:
        m = self.raters
        items = self.fleiss_items
        agreeing = 2 * self.fleiss_square_sum + items * (m * m - m) - 2 * m * self.fleiss_ones
        value = fleiss_kappa_from_sums(
            items, m, agreeing, [items * m - self.fleiss_ones, self.fleiss_ones]
        )
        if value.value is None and items and m >= 2:
            # every rating in one category: all of them 0, or all of them 1
            if self.fleiss_ones == items * m:
                return Value.undefined(EVERY_TOKEN_MARKED_BY_ALL)
            if self.fleiss_ones == 0:
                return Value.undefined(NO_TOKEN_MARKED_BY_ANY)
        return value

    def alpha(self) -> Value:
        if self.alpha_pairable == 0:
            return Value.undefined("no documents with two or more annotators")
        value = krippendorff_alpha_from_coincidences(
            binary_coincidences(self.alpha_pairable, self.alpha_ones, self.alpha_mixed)
        )
        if value.value is None:
            if self.alpha_ones == 0:
                return Value.undefined(NO_TOKEN_MARKED_BY_ANY)
            return Value.undefined(EVERY_TOKEN_MARKED_BY_ALL)
        return value
