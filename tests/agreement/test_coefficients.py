"""The coefficients against published worked examples and reference implementations."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from annotator.agreement.coefficients import (
    binary_cohen_kappa,
    binary_coincidences,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha_from_coincidences,
    krippendorff_alpha_nominal,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, values 1-5, missing values as None.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Fleiss (1971) as tabulated on Wikipedia: ten subjects, fourteen raters, five categories.
FLEISS_1971 = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_krippendorff_2011_worked_example_is_0_743() -> None:
    alpha = krippendorff_alpha_nominal(KRIPPENDORFF_2011).value
    assert alpha is not None
    assert round(alpha, 3) == 0.743


def test_fleiss_1971_worked_example_is_0_210() -> None:
    kappa = fleiss_kappa(FLEISS_1971).value
    assert kappa is not None
    assert round(kappa, 3) == 0.210


def test_cohen_fifty_proposals_is_0_4() -> None:
    # 20 yes-yes, 15 no-no, A yes / B no 5 times, A no / B yes 10 times.
    first = ["yes"] * 20 + ["no"] * 15 + ["yes"] * 5 + ["no"] * 10
    second = ["yes"] * 20 + ["no"] * 15 + ["no"] * 5 + ["yes"] * 10
    assert cohen_kappa(first, second).value == pytest.approx(0.4, abs=1e-12)
    assert binary_cohen_kappa(20, 5, 10, 15).value == pytest.approx(0.4, abs=1e-12)


def test_undefined_values_carry_a_reason() -> None:
    single = cohen_kappa([1, 1, 1], [1, 1, 1])
    assert single.value is None
    assert single.reason is not None and "single category" in single.reason
    assert fleiss_kappa([[3, 0], [3, 0]]).value is None
    assert krippendorff_alpha_nominal([[1, 1], [1, 1]]).value is None
    assert krippendorff_alpha_nominal([[1, None], [None, 2]]).reason == (
        "fewer than two pairable values"
    )


@pytest.mark.parametrize("seed", range(25))
def test_cohen_matches_scikit_learn(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(2, 300)
    categories = rng.randint(2, 5)
    first = [rng.randrange(categories) for _ in range(size)]
    second = [value if rng.random() < 0.6 else rng.randrange(categories) for value in first]
    ours = cohen_kappa(first, second).value
    if len(set(first) | set(second)) == 1:
        assert ours is None
        return
    assert ours == pytest.approx(cohen_kappa_score(first, second), abs=1e-9)


@pytest.mark.parametrize("seed", range(25))
def test_fleiss_matches_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    raters = rng.randint(2, 8)
    categories = rng.randint(2, 5)
    table = []
    for _ in range(rng.randint(1, 80)):
        row = [0] * categories
        favourite = rng.randrange(categories)
        for _rater in range(raters):
            row[favourite if rng.random() < 0.5 else rng.randrange(categories)] += 1
        table.append(row)
    ours = fleiss_kappa(table).value
    reference = float(statsmodels_fleiss(np.array(table)))
    if np.isnan(reference):
        assert ours is None
    else:
        assert ours == pytest.approx(reference, abs=1e-9)


@pytest.mark.parametrize("seed", range(25))
def test_alpha_matches_krippendorff_package_with_missing_values(seed: int) -> None:
    rng = random.Random(seed)
    observers = rng.randint(2, 6)
    units = rng.randint(3, 120)
    categories = rng.randint(2, 4)
    truth = [rng.randrange(categories) for _ in range(units)]
    data: list[list[int | None]] = [
        [
            None
            if rng.random() < 0.3
            else (truth[unit] if rng.random() < 0.7 else rng.randrange(categories))
            for unit in range(units)
        ]
        for _ in range(observers)
    ]
    ours = krippendorff_alpha_nominal(data).value
    matrix = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    pairable = sum(1 for u in range(units) if sum(row[u] is not None for row in data) >= 2)
    values = {row[u] for row in data for u in range(units) if row[u] is not None}
    if pairable == 0 or len(values) < 2:
        assert ours is None
        return
    reference = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    if np.isnan(reference):
        assert ours is None
    else:
        assert ours == pytest.approx(reference, abs=1e-9)


def test_binary_coincidences_give_the_same_alpha_as_the_full_matrix() -> None:
    rng = random.Random(7)
    data: list[list[int | None]] = [
        [None if rng.random() < 0.2 else rng.randrange(2) for _ in range(60)] for _ in range(4)
    ]
    pairable = ones = 0
    mixed = 0.0
    for unit in range(60):
        values = [row[unit] for row in data if row[unit] is not None]
        if len(values) < 2:
            continue
        k = sum(1 for value in values if value)
        pairable += len(values)
        ones += k
        mixed += k * (len(values) - k) / (len(values) - 1)
    from_sums = krippendorff_alpha_from_coincidences(binary_coincidences(pairable, ones, mixed))
    assert from_sums.value == pytest.approx(krippendorff_alpha_nominal(data).value, abs=1e-12)
