"""What ``agreement --labels`` and ``--annotators`` select, and what they refuse."""

from __future__ import annotations

import json
import shutil
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


# -- C22: a label retired from annotator.toml ----------------------------------------------------

WITHOUT_EVENT = "".join(
    f'[[labels]]\nname = "{name}"\nkey = "{key}"\n'
    for key, name in enumerate(["speaker", "claim", "entity"], start=1)
)


@pytest.fixture
def retired(linked: Path) -> Path:
    """``linked`` after the lead dropped ``event`` from the scheme: every record has an event
    span, which ``annotator validate`` now reports."""
    (linked / "annotator.toml").write_text(WITHOUT_EVENT, encoding="utf-8")
    return linked


def test_labels_ignore_spans_of_a_retired_label(
    retired: Path, linked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "agreement", str(retired), "--labels", "speaker,claim,entity", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert "problems" not in data
    assert data["documents"]["counted"] == 1
    # the same figures as before the label was retired
    before = tmp_path / "before"
    build_project(before, {"d1": TEXT}, {})
    (before / "annotations").rmdir()
    shutil.copytree(retired / "annotations", before / "annotations")
    code, out, _err = run(
        capsys, "agreement", str(before), "--labels", "speaker,claim,entity", "--format", "json"
    )
    assert code == 0
    expected = json.loads(out)
    assert data["overall"] == expected["overall"]
    assert data["per_label"] == expected["per_label"]
    assert data["pairs"] == expected["pairs"]
    # worker processes read the records the same way
    code, out, _err = run(
        capsys,
        "agreement",
        str(retired),
        "--labels",
        "speaker,claim",
        "--jobs",
        "2",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["overall"] == figures(before, ["speaker", "claim"])["overall"]


def test_without_labels_a_retired_label_is_refused_with_the_way_out(
    retired: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "agreement", str(retired))
    assert code == 1
    assert out == ""
    (line,) = err.splitlines()
    assert "spans[3].label: unknown label 'event'" in line
    assert "pass --labels with the labels to compare" in line
    assert "--skip-bad" in line


def test_labels_still_refuse_other_problems_of_a_record(
    retired: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a span of a configured label that no longer matches the text is still bad input, even
    # outside the selection (it could be the other end of a relation that counts)
    path = retired / "annotations" / "bob.jsonl"
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    line["spans"][2]["start"] += 1  # the aides speaker span
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, _out, err = run(capsys, "agreement", str(retired), "--labels", "claim")
    assert code == 1
    assert "bob.jsonl:1: spans[2]" in err


def test_a_retired_label_span_with_a_bad_text_or_a_relation_is_ignored_too(
    retired: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = retired / "annotations" / "alice.jsonl"
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    line["spans"][3]["start"] += 1  # the event span: offsets no longer match its text
    line["relations"].append({"id": "r9", "label": "attributed_to", "head": "s1", "tail": "s3"})
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "agreement", str(retired), "--labels", "claim", "--format", "json")
    assert code == 0, err
    # the relation to the event span is gone with it: alice's one attribution matches bob's
    assert json.loads(out)["overall"]["relation_f1"] == pytest.approx(2 * 1 / 3)


def test_a_problem_after_a_retired_label_span_names_the_span_as_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    spans = [EVENT, SPEAKER, CLAIM]
    build_project(root, {"d1": TEXT}, {"alice": {"d1": spans}, "bob": {"d1": spans}})
    (root / "annotator.toml").write_text(WITHOUT_EVENT, encoding="utf-8")
    path = root / "annotations" / "bob.jsonl"
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    line["spans"][2]["start"] += 1  # the claim, after the event span
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, _out, err = run(capsys, "agreement", str(root), "--labels", "claim")
    assert code == 1
    assert f"{path}:1: spans[2]: text has" in err


def test_units_to_standard_output_is_refused_and_no_file_named_dash_is_written(
    linked: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """QA C17: ``--units -`` wrote a file named ``-`` in the current folder."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    code, out, err = run(capsys, "agreement", str(linked), "--units", "-", "--format", "json")
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "annotator: error: --units -: the report goes to standard output; give the unit table "
        "a file name (--units units.csv)"
    ]
    assert list(here.iterdir()) == []
    code, _out, err = run(capsys, "agreement", str(linked), "--units", "units.csv")
    assert code == 0
    assert (here / "units.csv").read_text(encoding="utf-8").startswith("doc_id,token,")
