"""Token-level figures of whole projects against scikit-learn, statsmodels and krippendorff.

Random projects (several annotators, some records missing, nested and overlapping spans) go
through the real report; the reference figures are computed from a naive per-token table built
independently here from the records and the project tokenizer.
"""

from __future__ import annotations

import csv
import io
import os
import random
import time
import tracemalloc
from itertools import combinations
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa

from annotator.agreement import report as report_module
from annotator.agreement import spans as spans_module
from annotator.agreement.dataset import Selection
from annotator.agreement.light import LightRecord
from annotator.agreement.report import compute_agreement
from annotator.agreement.spans import prepare_record
from annotator.agreement.units import UnitsWriter
from annotator.model.tokenize import TokenIndex, tokenize
from annotator.store.project import Project

from .helpers import SpanSpec, build_project

WORDS = ["Minister", "Ruiz", "said", "the", "truce", "holds", ",", "Berg", "denied", "it", "."]
LABELS = ["speaker", "claim", "entity", "event"]


def random_project(root: Path, seed: int) -> tuple[Project, dict[str, str], dict[str, dict]]:
    rng = random.Random(seed)
    documents = {
        f"d{index}": " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))
        for index in range(rng.randint(3, 8))
    }
    annotators = [f"ann{index}" for index in range(rng.randint(2, 4))]
    truth: dict[str, list[SpanSpec]] = {}
    for doc_id, text in documents.items():
        tokens = tokenize(text)
        spans = []
        for _ in range(rng.randint(0, 6)):
            first = rng.randrange(len(tokens))
            last = min(len(tokens) - 1, first + rng.randint(0, 4))
            spans.append((tokens[first][0], tokens[last][1], rng.choice(LABELS[:3])))
        truth[doc_id] = spans
    annotations: dict[str, dict] = {name: {} for name in annotators}
    for doc_id in documents:
        for name in annotators:
            if rng.random() < 0.2:
                continue  # this annotator has not done this document
            kept = [span for span in truth[doc_id] if rng.random() < 0.75]
            if rng.random() < 0.3 and truth[doc_id]:
                start, end, _label = rng.choice(truth[doc_id])
                kept.append((start, end, rng.choice(LABELS[:3])))
            annotations[name][doc_id] = kept
    return build_project(root, documents, annotations), documents, annotations


def token_values(text: str, spans: list[SpanSpec], label: str) -> list[int]:
    """Naive reference: a token is 1 when any span of ``label`` overlaps it."""
    return [
        int(any(s < token_end and token_start < e and lab == label for s, e, lab in spans))
        for token_start, token_end in tokenize(text)
    ]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("seed", range(12))
def test_token_figures_match_reference_implementations(tmp_path: Path, seed: int) -> None:
    project, documents, annotations = random_project(tmp_path / "p", seed)
    annotators = sorted(annotations)
    selection = Selection(project)
    data = compute_agreement(selection).to_json()
    counted = [
        doc_id
        for doc_id in documents
        if sum(doc_id in annotations[name] for name in annotators) >= 2
    ]
    assert data["documents"]["counted"] == len(counted)
    for label in LABELS:
        # Cohen per pair over the documents both annotated.
        for pair in data["pairs"]:
            a, b = pair["a"], pair["b"]
            first: list[int] = []
            second: list[int] = []
            for doc_id in counted:
                if doc_id in annotations[a] and doc_id in annotations[b]:
                    first += token_values(documents[doc_id], annotations[a][doc_id], label)
                    second += token_values(documents[doc_id], annotations[b][doc_id], label)
            ours = pair["per_label"][label]["cohen_kappa"]
            if len(set(first) | set(second)) < 2:
                assert ours is None
                assert pair["per_label"][label]["undefined"]["cohen_kappa"]
            else:
                assert ours == pytest.approx(cohen_kappa_score(first, second), abs=1e-9)
        # Fleiss over the documents every annotator has.
        rows = []
        for doc_id in counted:
            if all(doc_id in annotations[name] for name in annotators):
                columns = [
                    token_values(documents[doc_id], annotations[name][doc_id], label)
                    for name in annotators
                ]
                for values in zip(*columns, strict=True):
                    ones = sum(values)
                    rows.append([len(annotators) - ones, ones])
        ours = data["per_label"][label]["fleiss_kappa"]
        reference = float(fleiss_kappa(np.array(rows))) if rows else float("nan")
        if np.isnan(reference):
            assert ours is None
        else:
            assert ours == pytest.approx(reference, abs=1e-9)
        # Krippendorff over every counted document, missing annotators as NaN.
        matrix: list[list[float]] = [[] for _ in annotators]
        for doc_id in counted:
            size = len(tokenize(documents[doc_id]))
            for row, name in zip(matrix, annotators, strict=True):
                spans = annotations[name].get(doc_id)
                row += (
                    [float("nan")] * size
                    if spans is None
                    else [float(v) for v in token_values(documents[doc_id], spans, label)]
                )
        ours = data["per_label"][label]["krippendorff_alpha"]
        values = {v for row in matrix for v in row if not np.isnan(v)}
        if len(values) < 2:
            assert ours is None
        else:
            reference = krippendorff.alpha(
                reliability_data=np.array(matrix), level_of_measurement="nominal"
            )
            assert ours == pytest.approx(reference, abs=1e-9)
    # Overall token figures are the mean over labels of the defined per-label figures.
    for key in ("fleiss_kappa", "krippendorff_alpha"):
        defined = [data["per_label"][label][key] for label in LABELS]
        defined = [value for value in defined if value is not None]
        if defined:
            assert data["overall"][key] == pytest.approx(sum(defined) / len(defined), abs=1e-12)


def test_unit_table_recomputes_alpha(tmp_path: Path) -> None:
    project, _documents, annotations = random_project(tmp_path / "p", 3)
    selection = Selection(project)
    buffer = io.StringIO()
    data = compute_agreement(
        selection, units=UnitsWriter(buffer, selection.annotators, selection.labels)
    ).to_json()
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert rows, "the unit table has a row per token"
    for label in ("speaker", "claim"):
        matrix = [
            [float(row[f"{label}:{name}"]) if row[f"{label}:{name}"] else np.nan for row in rows]
            for name in selection.annotators
        ]
        expected = data["per_label"][label]["krippendorff_alpha"]
        if expected is None:
            continue
        assert krippendorff.alpha(
            reliability_data=np.array(matrix), level_of_measurement="nominal"
        ) == pytest.approx(expected, abs=1e-9)
    assert {name for name in annotations} == set(selection.annotators)


def test_pair_span_f1_matches_naive_counting(tmp_path: Path) -> None:
    project, documents, annotations = random_project(tmp_path / "p", 11)
    data = compute_agreement(Selection(project)).to_json()
    for pair in data["pairs"]:
        a, b = pair["a"], pair["b"]
        shared = [d for d in documents if d in annotations[a] and d in annotations[b]]
        tp = size = 0
        for doc_id in shared:
            left, right = set(annotations[a][doc_id]), set(annotations[b][doc_id])
            tp += len(left & right)
            size += len(left) + len(right)
        expected = 2 * tp / size if size else None
        assert pair["span_f1_exact"] == pytest.approx(expected)
        assert pair["documents"] == len(shared)
    means = [pair["span_f1_exact"] for pair in data["pairs"] if pair["span_f1_exact"] is not None]
    assert data["overall"]["span_f1_exact"] == pytest.approx(sum(means) / len(means))
    assert len(data["pairs"]) == len(list(combinations(sorted(annotations), 2)))


def _close(first: object, second: object) -> bool:
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(_close(first[k], second[k]) for k in first)
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(map(_close, first, second))
    if isinstance(first, float) and isinstance(second, float):
        return abs(first - second) < 1e-12
    return first == second


def test_worker_processes_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _documents, _annotations = random_project(tmp_path / "p", 5)
    monkeypatch.setattr(report_module, "CHUNK", 1)  # several slices even for a small project
    serial = compute_agreement(Selection(project), per_doc=True).to_json()
    # Each worker opens the project once, not once per slice (at 100,000 documents, 400
    # openings took 150 of 187 s); the workers are forked, so they log through a file.
    opened = tmp_path / "opened.log"
    original = Project.__init__

    def logged(self: Project, *args: Any, **kwargs: Any) -> None:
        with opened.open("a") as log:
            log.write(f"{os.getpid()}\n")
        original(self, *args, **kwargs)

    monkeypatch.setattr(Project, "__init__", logged)
    parallel = compute_agreement(Selection(project), per_doc=True, workers=2).to_json()
    assert serial["documents"]["counted"] >= 3
    assert _close(parallel, serial)
    pids = opened.read_text().split()
    assert len(pids) == len(set(pids)) <= 2  # once per worker; the slices: one per document


@pytest.mark.parametrize("seed", range(6))
def test_long_documents_give_the_same_figures_and_unit_table(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above a few thousand tokens the token masks are made in one pass over the document, not
    extent by extent: the figures and the unit table are the same either way."""
    project, _documents, _annotations = random_project(tmp_path / "p", seed)

    def report() -> tuple[dict[str, object], str]:
        selection = Selection(project)
        buffer = io.StringIO()
        units = UnitsWriter(buffer, selection.annotators, selection.labels)
        return compute_agreement(selection, units=units).to_json(), buffer.getvalue()

    short = report()
    monkeypatch.setattr(spans_module, "LONG_DOCUMENT_TOKENS", 0)  # every document "long"
    assert report() == short


def test_the_token_masks_of_a_book_take_memory_linear_in_its_length() -> None:
    """A 10 MB article has ~1.7 million tokens and ~100,000 spans: made extent by extent, the
    masks took gigabytes (each extent's bits as long as the tokens before it, so twice the text
    took four times the memory)."""

    def peak_memory(words: int) -> int:
        text = " ".join(["word"] * words)
        tokens = TokenIndex.of(text)
        spans = [(f"s{n}", 5 * n, 5 * n + 4, "claim") for n in range(0, words, 3)]
        record = LightRecord("d", "a", "0" * 64, spans, [])
        tracemalloc.start()
        try:
            prepared = prepare_record(record, ["claim"], tokens)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        mask = prepared.masks["claim"]
        assert mask.bit_count() == len(spans)
        assert [(mask >> n) & 1 for n in (0, 1, 2, 3, words - 1)] == [
            1,
            0,
            0,
            1,
            int((words - 1) % 3 == 0),
        ]
        return peak

    # ~500 bytes a span (its keys in the record's sets); extent by extent it was ~4,500 here,
    # growing with the length of the document
    assert peak_memory(60_000) < 1_000 * 20_000


def test_a_cancel_from_the_progress_callback_stops_the_workers_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Escape on the review's progress dialog raises from the progress callback: the slices
    still queued are dropped (``Executor.map`` cancels them when its iterator is left), not
    computed while the adjudicator waits."""
    texts = {f"d{index:02}": f"Mayor Ana Ruiz opened bridge {index}." for index in range(40)}
    project = build_project(
        tmp_path / "p",
        texts,
        {
            "alice": {doc_id: [(0, 14, "speaker")] for doc_id in texts},
            "bob": {doc_id: [(6, 14, "speaker")] for doc_id in texts},
        },
    )
    monkeypatch.setattr(report_module, "CHUNK", 1)
    slices = len(Selection(project).doc_ids)
    computed = tmp_path / "computed.log"  # the workers are forked: they log through a file
    original = report_module._run

    def logged(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if args[1]:  # a worker's slice (the parent's own run has no documents)
            with computed.open("a") as log:
                log.write("slice\n")
            time.sleep(0.05)  # a slice of real size: the parent sees the first result first
        return result

    monkeypatch.setattr(report_module, "_run", logged)

    class Stop(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        compute_agreement(Selection(project), per_doc=True, workers=2, progress=cancel)
    done = computed.read_text().count("slice")
    # the first result, and what the pool had handed to its workers already (at most 2 + 3)
    assert slices == 40 and done <= 8


def test_records_are_read_one_at_a_time_not_the_files_whole(tmp_path: Path) -> None:
    """Memory follows the biggest document, not the annotation files: at 100,000 documents
    they are 640 MB, which reading them whole kept in memory for the whole run."""
    words = " ".join(f"word{index}" for index in range(400))
    texts = {f"d{index:03}": f"{words} {index}." for index in range(150)}
    step = len("word100 ")
    spans = [(start, start + 7, "claim") for start in range(800, len(words) - 8, step)]
    project = build_project(
        tmp_path / "p",
        texts,
        {name: {doc_id: spans for doc_id in texts} for name in ("alice", "bob", "carol")},
    )
    on_disk = sum(path.stat().st_size for path in project.annotations_dir.glob("*.jsonl"))
    tracemalloc.start()
    try:
        report = compute_agreement(Selection(project), workers=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.counted == 150
    assert on_disk > 8_000_000 and peak < on_disk / 4
