"""Chance-corrected agreement coefficients, computed from counts in pure Python.

Each coefficient has a general form (any number of categories, used by the tests and the
documentation's worked examples) and is computed from small sufficient statistics, so the token
layers of a large corpus only need a few integer counts per document and never a Python object
per token. An undefined value is a :class:`Value` with ``value=None`` and a reason, never a
silent 0, 1 or NaN.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Value:
    """A figure, or None with the reason it is undefined."""

    value: float | None
    reason: str | None = None

    @classmethod
    def undefined(cls, reason: str) -> Value:
        return cls(None, reason)


def ratio(numerator: float, denominator: float, reason: str) -> Value:
    """``numerator / denominator``, undefined (with ``reason``) when the denominator is 0."""
    if denominator == 0:
        return Value.undefined(reason)
    return Value(numerator / denominator)


def mean(values: Iterable[Value], reason: str) -> Value:
    """Mean of the defined values; undefined with ``reason`` when none is defined."""
    defined = [item.value for item in values if item.value is not None]
    if not defined:
        return Value.undefined(reason)
    return Value(sum(defined) / len(defined))


# -- Cohen's kappa ----------------------------------------------------------------------------


def cohen_kappa_from_table(table: Sequence[Sequence[float]]) -> Value:
    """Cohen's kappa of a square contingency table (rows: rater A's category, columns: B's).

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share on the diagonal and ``p_e`` the sum
    over categories of the product of the two raters' marginal shares.
    """
    total = sum(sum(row) for row in table)
    if total == 0:
        return Value.undefined("no units")
    size = len(table)
    observed = sum(table[index][index] for index in range(size)) / total
    rows = [sum(row) / total for row in table]
    columns = [sum(table[row][column] for row in range(size)) / total for column in range(size)]
    expected = sum(rows[index] * columns[index] for index in range(size))
    if expected >= 1.0:
        return Value.undefined("both annotators used a single category only (expected agreement 1)")
    return Value((observed - expected) / (1.0 - expected))


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> Value:
    """Cohen's kappa of two equally long sequences of category labels."""
    if len(first) != len(second):
        raise ValueError("both raters must rate the same units")
    categories = sorted({*first, *second}, key=repr)
    index = {category: position for position, category in enumerate(categories)}
    table = [[0] * len(categories) for _ in categories]
    for left, right in zip(first, second, strict=True):
        table[index[left]][index[right]] += 1
    return cohen_kappa_from_table(table)


def binary_cohen_kappa(both: int, only_first: int, only_second: int, neither: int) -> Value:
    """Cohen's kappa of a 2x2 table given as its four cells."""
    return cohen_kappa_from_table([[neither, only_second], [only_first, both]])


# -- Fleiss' kappa ----------------------------------------------------------------------------


def fleiss_kappa_from_sums(
    items: int, raters: int, agreeing_pairs: float, category_totals: Sequence[float]
) -> Value:
    """Fleiss' kappa from its sufficient statistics.

    ``agreeing_pairs`` is the sum over items and categories of ``n_ij (n_ij - 1)``;
    ``category_totals[j]`` is the sum over items of ``n_ij``. With ``P_bar`` the mean over items
    of ``agreeing pairs / (m (m - 1))`` and ``P_e = sum_j p_j^2`` (``p_j`` the share of all ratings
    in category ``j``), ``kappa = (P_bar - P_e) / (1 - P_e)``.
    """
    if raters < 2:
        return Value.undefined("needs at least two annotators")
    if items == 0:
        return Value.undefined("no units rated by every selected annotator")
    ratings = items * raters
    observed = agreeing_pairs / (items * raters * (raters - 1))
    expected = sum((total / ratings) ** 2 for total in category_totals)
    if expected >= 1.0:
        return Value.undefined("every rating is in a single category (expected agreement 1)")
    return Value((observed - expected) / (1.0 - expected))


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> Value:
    """Fleiss' kappa of an items x categories table of rating counts (same rater count per row)."""
    if not counts:
        return Value.undefined("no units rated by every selected annotator")
    raters = sum(counts[0])
    for row in counts:
        if sum(row) != raters:
            raise ValueError("every item needs the same number of ratings")
    agreeing = sum(count * (count - 1) for row in counts for count in row)
    totals = [sum(row[column] for row in counts) for column in range(len(counts[0]))]
    return fleiss_kappa_from_sums(len(counts), raters, agreeing, totals)


# -- Krippendorff's alpha (nominal) -----------------------------------------------------------


def krippendorff_alpha_from_coincidences(coincidences: Sequence[Sequence[float]]) -> Value:
    """Nominal alpha from a coincidence matrix ``o_ck``.

    ``alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k`` where ``n_c`` are the
    row sums and ``n`` their total (the number of pairable values).
    """
    size = len(coincidences)
    totals = [sum(row) for row in coincidences]
    pairable = sum(totals)
    if pairable <= 1:
        return Value.undefined("fewer than two pairable values")
    disagreement = sum(coincidences[c][k] for c in range(size) for k in range(size) if c != k)
    chance = sum(totals[c] * totals[k] for c in range(size) for k in range(size) if c != k)
    if chance == 0:
        return Value.undefined("every value is in a single category (no expected disagreement)")
    return Value(1.0 - (pairable - 1) * disagreement / chance)


def krippendorff_alpha_nominal(data: Sequence[Sequence[Hashable | None]]) -> Value:
    """Nominal alpha of a reliability matrix: one row per observer, one column per unit.

    ``None`` marks a missing value. Units with fewer than two values are not pairable and are
    left out, as in Krippendorff (2011).
    """
    if not data:
        return Value.undefined("no observers")
    units = len(data[0])
    for row in data:
        if len(row) != units:
            raise ValueError("every observer row needs one entry per unit")
    categories = sorted({value for row in data for value in row if value is not None}, key=repr)
    index = {category: position for position, category in enumerate(categories)}
    size = len(categories)
    coincidences = [[0.0] * size for _ in range(size)]
    for unit in range(units):
        values = [row[unit] for row in data if row[unit] is not None]
        present = len(values)
        if present < 2:
            continue
        counts = [0] * size
        for value in values:
            counts[index[value]] += 1
        for c in range(size):
            if not counts[c]:
                continue
            for k in range(size):
                pairs = counts[c] * (counts[k] - 1 if c == k else counts[k])
                if pairs:
                    coincidences[c][k] += pairs / (present - 1)
    return krippendorff_alpha_from_coincidences(coincidences)


def binary_coincidences(pairable: float, ones: float, mixed_pairs: float) -> list[list[float]]:
    """The 2x2 coincidence matrix of a binary layer from three sums over pairable units.

    With ``k_u`` ones among the ``m_u >= 2`` values of unit ``u``: ``pairable = sum_u m_u``,
    ``ones = sum_u k_u`` and ``mixed_pairs = sum_u k_u (m_u - k_u) / (m_u - 1)``. Each row of the
    matrix sums to the number of values in that category, which gives the diagonal.
    """
    zeros = pairable - ones
    return [[zeros - mixed_pairs, mixed_pairs], [mixed_pairs, ones - mixed_pairs]]
