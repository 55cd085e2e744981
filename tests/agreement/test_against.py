"""``agreement --against gold``: each annotator's precision, recall and F1 against the reference,
never a figure pooled over annotators (QA C18)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from annotator.cli import main
from annotator.model.records import Status

from .helpers import build_project, record

TEXT = "Foreign Minister Ana Ruiz said the ceasefire will hold through the winter, aides said."


def at(needle: str, label: str) -> tuple[int, int, str]:
    start = TEXT.index(needle)
    return (start, start + len(needle), label)


SPEAKER = at("Foreign Minister Ana Ruiz", "speaker")
CLAIM = at("the ceasefire will hold through the winter", "claim")
SHORT_CLAIM = at("the ceasefire will hold", "claim")
EVENT = at("ceasefire", "event")
AIDES = at("aides", "speaker")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def gold(doc_id: str, spans: list[Any], status: Status) -> Any:
    return record("gold", doc_id, TEXT, spans).model_copy(update={"status": status})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """d1: gold done; d2: gold still in progress; d3: no gold record."""
    root = tmp_path / "p"
    build_project(
        root,
        {"d1": TEXT, "d2": TEXT, "d3": TEXT},
        {
            "alice": {"d1": [SPEAKER, CLAIM, EVENT], "d2": [SPEAKER], "d3": [SPEAKER]},
            "bob": {"d1": [SPEAKER, SHORT_CLAIM], "d2": [], "d3": [SPEAKER]},
            "gold": {
                "d1": gold("d1", [SPEAKER, SHORT_CLAIM], Status.done),
                "d2": gold("d2", [SPEAKER, AIDES], Status.in_progress),
            },
        },
    )
    return root


def against(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> dict[str, Any]:
    code, out, err = run(
        capsys, "agreement", str(root), "--against", "gold", *argv, "--format", "json"
    )
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_precision_and_recall_of_each_annotator_against_gold(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = against(capsys, project)
    assert data["against"] == "gold"
    assert data["annotators"] == ["alice", "bob"]
    assert data["documents"]["counted"] == 2  # d3 has no gold record
    assert {item["doc_id"]: item["reason"] for item in data["documents"]["excluded"]} == {
        "d3": "gold: no record"
    }
    alice, bob = data["per_annotator"]
    assert alice["annotator"] == "alice" and alice["documents"] == 2
    # alice: 4 spans (speaker, claim, event; speaker), gold 4 (speaker, short claim; speaker,
    # aides): 2 exact, and the long claim matches the short one partially
    assert (alice["spans"], alice["reference_spans"]) == (4, 4)
    assert alice["exact"]["precision"] == pytest.approx(2 / 4)
    assert alice["exact"]["recall"] == pytest.approx(2 / 4)
    assert alice["partial"]["precision"] == pytest.approx(3 / 4)
    assert alice["partial"]["recall"] == pytest.approx(3 / 4)
    assert alice["per_label"]["speaker"]["exact"] == {
        "precision": 1.0,
        "recall": pytest.approx(2 / 3),
        "f1": pytest.approx(2 * 2 / 5),
    }
    # bob marked nothing on d2: he misses the two gold spans there, adds none
    assert bob["exact"]["precision"] == 1.0
    assert bob["exact"]["recall"] == pytest.approx(2 / 4)
    assert bob["per_label"]["event"]["exact"]["precision"] is None
    assert bob["per_label"]["event"]["exact"]["undefined"]["precision"] == "bob marked none"
    assert bob["per_label"]["event"]["exact"]["undefined"]["recall"] == "gold has none"
    # nothing pooled over annotators, gold is no rater among others
    for key in ("overall", "pairs", "per_label", "fleiss_kappa", "krippendorff_alpha"):
        assert key not in data


def test_f1_against_gold_is_the_pair_f1_with_gold(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = against(capsys, project)
    code, out, _err = run(
        capsys, "agreement", str(project), "--annotators", "alice,gold", "--format", "json"
    )
    assert code == 0
    (pair,) = json.loads(out)["pairs"]
    alice = data["per_annotator"][0]
    assert alice["exact"]["f1"] == pytest.approx(pair["span_f1_exact"])
    assert alice["partial"]["f1"] == pytest.approx(pair["span_f1_partial"])
    assert alice["cohen_kappa"] == pytest.approx(pair["cohen_kappa"])


def test_only_gold_records_marked_done(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = against(capsys, project, "--against-done")
    assert data["reference_status"] == "done"
    assert data["documents"]["counted"] == 1
    reasons = {item["doc_id"]: item["reason"] for item in data["documents"]["excluded"]}
    assert reasons["d2"] == "gold record not done (in_progress)"
    alice = data["per_annotator"][0]
    assert alice["documents"] == 1
    assert alice["exact"]["precision"] == pytest.approx(1 / 3)
    assert alice["exact"]["recall"] == pytest.approx(1 / 2)


def test_table_and_csv(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _err = run(capsys, "agreement", str(project), "--against", "gold")
    assert code == 0
    assert "alice, bob against gold's records; 2 document(s) compared, 1 excluded" in out
    assert "Each annotator against gold" in out
    assert "Fleiss" not in out and "Kripp" not in out
    assert "— bob, relations (recall): gold has none" in out.splitlines()
    alice_exact = next(line for line in out.splitlines() if "alice" in line and "exact" in line)
    assert [cell.strip() for cell in alice_exact.split("│")[4:7]] == ["0.500", "0.500", "0.500"]
    code, out, _err = run(capsys, "agreement", str(project), "--against", "gold", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    alice = next(row for row in rows if row["scope"] == "annotator" and row["annotator"] == "alice")
    assert float(alice["exact_precision"]) == pytest.approx(0.5)
    assert alice["documents"] == "2"
    event = next(row for row in rows if row["annotator"] == "bob" and row["label"] == "event")
    assert event["exact_precision"] == ""  # undefined


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--against-done",), "--against-done needs --against NAME"),
        (("--against", "gold", "--per-doc"), "--per-doc is not for --against"),
        (("--against", "gold", "--annotators", "alice,gold"), "--annotators names gold"),
        (("--against", "nobody"), "no annotation file for nobody"),
    ],
)
def test_refused_combinations(
    project: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, "agreement", str(project), *argv)
    assert code == 1
    assert out == ""
    (line,) = err.splitlines()
    assert message in line


def test_no_done_gold_record_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    build_project(
        root,
        {"d1": TEXT},
        {"alice": {"d1": [SPEAKER]}, "gold": {"d1": gold("d1", [SPEAKER], Status.in_progress)}},
    )
    code, _out, err = run(capsys, "agreement", str(root), "--against", "gold", "--against-done")
    assert code == 1
    assert err.splitlines() == [
        "annotator: error: no document has a gold record marked done and a usable record by alice"
    ]
