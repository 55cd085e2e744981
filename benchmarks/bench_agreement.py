"""6. Agreement: the whole ``annotator agreement --format json`` vs nltk and the numeric packages.

All three compute, per label, the token-level binary layer (is this token inside a span of the
label, per annotator) over the same unit table, which our CLI writes with ``--units``:
Cohen's kappa (mean over the annotator pairs), Fleiss' kappa and Krippendorff's nominal alpha;
the overall figure is their mean over the labels.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from benchmarks import generate
from benchmarks.framework import Row, Settings, Stats, Suite, alternate, ratio_target

ANNOTATORS = ("alice", "bob", "carol")
LABELS = ("speaker", "claim", "entity", "event")
METRICS = ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha")


def _ours(project: Path, *extra: str) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "agreement", str(project), "--format", "json", *extra],
        capture_output=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    result: dict[str, Any] = orjson.loads(done.stdout)
    return elapsed, result


def _load_units(path: Path) -> dict[str, np.ndarray[Any, Any]]:
    import pandas as pd  # type: ignore[import-untyped]

    columns = [f"{label}:{who}" for label in LABELS for who in ANNOTATORS]
    frame = pd.read_csv(path, usecols=["doc_id", *columns], dtype={c: np.int8 for c in columns})
    data = {name: frame[name].to_numpy() for name in columns}
    data["doc_id"] = frame["doc_id"].to_numpy()
    return data


def _numeric(units: dict[str, np.ndarray[Any, Any]]) -> dict[str, dict[str, float]]:
    import krippendorff
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    values: dict[str, dict[str, float]] = {}
    for label in LABELS:
        matrix = np.stack([units[f"{label}:{who}"] for who in ANNOTATORS])
        pairs = itertools.combinations(range(len(ANNOTATORS)), 2)
        values[label] = {
            "cohen_kappa": float(
                np.mean([cohen_kappa_score(matrix[a], matrix[b]) for a, b in pairs])
            ),
            "fleiss_kappa": float(fleiss_kappa(aggregate_raters(matrix.T)[0])),
            "krippendorff_alpha": float(
                krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
            ),
        }
    return values


def _nltk(
    units: dict[str, np.ndarray[Any, Any]], rows: np.ndarray[Any, Any]
) -> tuple[float, dict[str, dict[str, float]]]:
    from nltk.metrics.agreement import AnnotationTask

    values: dict[str, dict[str, float]] = {}
    spent = 0.0
    for label in LABELS:
        columns = {who: units[f"{label}:{who}"][rows].tolist() for who in ANNOTATORS}
        start = time.perf_counter()
        task = AnnotationTask(
            data=[
                (who, item, value) for who in ANNOTATORS for item, value in enumerate(columns[who])
            ]
        )
        values[label] = {"krippendorff_alpha": task.alpha(), "cohen_kappa": task.kappa()}
        spent += time.perf_counter() - start
    return spent, values


def _largest_difference(ours: dict[str, Any], peer: dict[str, dict[str, float]]) -> float:
    worst = 0.0
    for label, figures in peer.items():
        for metric, value in figures.items():
            worst = max(worst, abs(float(ours["per_label"][label][metric]) - value))
    return worst


def run(settings: Settings) -> Suite:
    suite = Suite("agreement")
    count = settings.pick(10_000, 200)
    sample = settings.pick(1_000, 20)
    reps = min(settings.reps, 3)
    project = generate.project(count, doc_size=3600, annotated=(1.0, 1.0, 1.0), name="agreement")
    work = Path(tempfile.mkdtemp(prefix="agreement-", dir=generate.DATA))
    try:
        units_path = work / "units.csv"
        _, ours_values = _ours(project, "--units", str(units_path))
        units = _load_units(units_path)
        tokens = len(units["doc_id"])
        spans = sum(
            len(orjson.loads(line)["spans"])
            for line in (project / "annotations" / "alice.jsonl").read_bytes().splitlines()[:200]
        )
        ours_time, numeric_time = alternate(
            lambda: _ours(project)[0],
            lambda: _timed_numeric(units),
            reps,
            warmup=0,
        )
        numeric_values = _numeric(units)
        suite.rows.append(
            ratio_target(
                Row(
                    "6 agreement",
                    f"{count:,} docs x 3 annotators, whole CLI",
                    "s",
                    ours_time,
                    numeric_time,
                    "krippendorff + sklearn + statsmodels (compute only)",
                ),
                2.0,
            )
        )
        # nltk on the first `sample` documents, scaled linearly to the whole unit table.
        doc_ids = units["doc_id"]
        chosen = list(dict.fromkeys(doc_ids[: 600 * sample].tolist()))[:sample]
        rows = np.flatnonzero(np.isin(doc_ids, chosen))
        nltk_time, nltk_values = _nltk(units, rows)
        scale = tokens / len(rows)
        nltk_stats = Stats.of([nltk_time * scale])
        suite.rows.append(
            ratio_target(
                Row(
                    "6 agreement",
                    f"{count:,} docs, whole CLI vs nltk",
                    "s",
                    ours_time,
                    nltk_stats,
                    f"nltk AnnotationTask alpha+kappa (x{scale:.0f} of {sample} docs)",
                ),
                0.1,
                label="ratio <= 0.1 (10x faster)",
            )
        )
        subset = work / "subset.txt"
        subset.write_text("\n".join(chosen) + "\n", encoding="utf-8")
        _, ours_subset = _ours(project, "--docs", str(subset))
        numeric_diff = _largest_difference(ours_values, numeric_values)
        nltk_diff = _largest_difference(ours_subset, nltk_values)
        for peer, difference in (("numeric packages", numeric_diff), ("nltk", nltk_diff)):
            row = Row(
                "6 agreement",
                f"values: largest difference vs {peer}",
                "",
                Stats.of([difference]),
                target="identical (<= 1e-9)",
            )
            row.met = difference <= 1e-9
            suite.rows.append(row)
        suite.notes.append(
            f"{count:,} documents, {tokens / count:.0f} tokens and about "
            f"{spans / 200:.0f} spans (nested included) per record; {tokens:,} token units x "
            f"{len(LABELS)} labels x 3 annotators. Ours is the whole command in a fresh process "
            "(reading the JSONL files, tokenizing, every metric of the report: span F1 exact/"
            "partial/boundary, relation F1, per pair and per label); the numeric packages are "
            "timed on the unit table already in numpy arrays. nltk is timed on the first "
            f"{sample} documents and scaled by the unit count (it is linear in the units; the "
            "whole table would take many minutes). Values compared: per-label Cohen's kappa "
            "(mean over pairs), Fleiss' kappa and Krippendorff's alpha (nltk: alpha and kappa, "
            "on the same documents)."
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return suite


def _timed_numeric(units: dict[str, np.ndarray[Any, Any]]) -> float:
    start = time.perf_counter()
    _numeric(units)
    return time.perf_counter() - start
