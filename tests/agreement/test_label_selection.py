"""What ``agreement --labels`` and ``--annotators`` select, and what they refuse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.agreement.dataset import Selection
from annotator.agreement.report import compute_agreement
from annotator.cli import main

from .helpers import build_project, record

TEXT = "Foreign Minister Ana Ruiz said the ceasefire will hold through the winter, aides said."


def at(needle: str, label: str) -> tuple[int, int, str]:
    start = TEXT.index(needle)
    return (start, start + len(needle), label)


SPEAKER = at("Foreign Minister Ana Ruiz", "speaker")
AIDES = at("aides", "speaker")
CLAIM = at("the ceasefire will hold through the winter", "claim")
EVENT = at("ceasefire", "event")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """Both link the claim to a speaker: alice to the minister, bob to the minister and aides."""
    root = tmp_path / "p"
    spans = [SPEAKER, CLAIM, AIDES, EVENT]
    build_project(
        root,
        {"d1": TEXT},
        {
            "alice": {"d1": record("alice", "d1", TEXT, spans, [("attributed_to", 1, 0)])},
            "bob": {
                "d1": record(
                    "bob", "d1", TEXT, spans, [("attributed_to", 1, 0), ("attributed_to", 1, 2)]
                )
            },
        },
    )
    return root


def figures(root: Path, labels: list[str] | None = None) -> dict[str, Any]:
    from annotator.store.project import Project

    data: dict[str, Any] = compute_agreement(Selection(Project(root), labels=labels)).to_json()
    return data


# -- C4: relations under --labels ----------------------------------------------------------------


def test_labels_keep_the_relations_touching_a_selected_label(linked: Path) -> None:
    everything = figures(linked)
    speaker = figures(linked, ["speaker"])
    # an attribution joins a claim and a speaker: selecting speaker keeps its figure
    assert speaker["overall"]["relation_f1"] == pytest.approx(2 * 1 / 3)
    assert speaker["per_label"]["speaker"] == everything["per_label"]["speaker"]
    claim = figures(linked, ["claim"])
    assert claim["overall"]["relation_f1"] == pytest.approx(2 * 1 / 3)
    assert claim["per_label"]["claim"] == everything["per_label"]["claim"]
    # bob's second attribution (to the aides) is his only: 1 match of 1 + 2 relations
    assert (
        figures(linked, ["speaker", "claim"])["overall"]["relation_f1"]
        == (everything["overall"]["relation_f1"])
    )


def test_labels_no_relation_touches_says_which_labels(linked: Path) -> None:
    data = figures(linked, ["event"])
    assert data["overall"]["relation_f1"] is None
    assert data["overall"]["undefined"]["relation_f1"] == (
        "no relations touching the selected labels (event) by either annotator"
    )
    # without --labels, a pair who drew none keeps the plain reason
    assert figures(linked)["per_label"]["event"]["undefined"]["relation_f1"] == (
        "no relations touching this label by either annotator"
    )


# -- C4: options that name nothing, or a name twice ---------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--annotators", "alice,alice"), "--annotators names alice more than once"),
        (("--annotators", "alice,bob,bob"), "--annotators names bob more than once"),
        (("--labels", ""), "--labels names no label (leave it out for every label)"),
        (("--labels", " , "), "--labels names no label (leave it out for every label)"),
        (("--labels", "claim,claim"), "--labels names claim more than once"),
        (
            ("--annotators", ""),
            "--annotators names no annotator (leave it out for every annotator)",
        ),
    ],
)
def test_an_option_naming_nothing_or_a_name_twice_is_refused(
    linked: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, "agreement", str(linked), *argv)
    assert code == 1
    assert out == ""
    assert err.splitlines() == [f"annotator: error: {message}"]


def test_labels_named_once_still_work(linked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(
        capsys, "agreement", str(linked), "--labels", "claim, speaker", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["labels"] == ["claim", "speaker"]
