"""What the report says about a figure it cannot give: the true reason, in JSON and in the table.

The figures themselves are pinned elsewhere (test_coefficients, test_reference_project); here a
``null`` must come with the reason a lead can act on, not a neighbouring one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotator.cli import main

from .helpers import build_project, record

NAME = "Ana Ruiz"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    import json

    code, out, err = run(capsys, "agreement", *argv, "--format", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


# -- C3: one category only, because every token is in the label --------------------------------


def test_kappa_of_a_label_covering_every_token_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one note per line
    # A headline made entirely of one span, marked by both: p_e = 1, kappa undefined.
    root = tmp_path / "p"
    whole = [(0, len(NAME), "speaker")]
    build_project(root, {"d1": NAME}, {"alice": {"d1": whole}, "bob": {"d1": whole}})
    data = run_json(capsys, str(root))
    speaker = data["per_label"]["speaker"]
    assert speaker["cohen_kappa"] is None
    assert speaker["fleiss_kappa"] is None
    assert speaker["krippendorff_alpha"] is None
    reasons = speaker["undefined"]
    for key in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
        assert reasons[key].startswith("every token of these documents is in this label"), key
        assert "no token" not in reasons[key]
    assert data["pairs"][0]["per_label"]["speaker"]["undefined"]["cohen_kappa"] == (
        "every token of these documents is in this label for both annotators"
    )
    # the labels nobody used keep their own reason
    claim = data["per_label"]["claim"]["undefined"]
    assert claim["cohen_kappa"] == "no token of this label was marked by either annotator"
    assert claim["fleiss_kappa"] == "no token of this label was marked by any annotator"
    # and the table prints the true reason
    code, out, _err = run(capsys, "agreement", str(root))
    assert code == 0
    assert "no token of this label was marked" not in " ".join(
        line for line in out.splitlines() if "speaker" in line
    )
    notes = out.splitlines()
    assert (
        "— speaker (Cohen κ): every token of these documents is in this label for both annotators"
    ) in notes
    assert (
        "— speaker (Fleiss κ, Kripp. α): every token of these documents is in this label for "
        "every annotator"
    ) in notes


def test_a_label_every_token_of_which_only_one_annotator_marked_has_a_kappa(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    whole = [(0, len(NAME), "speaker")]
    build_project(
        root,
        {"d1": NAME, "d2": f"{NAME} spoke"},
        {
            "alice": {"d1": whole, "d2": whole},
            "bob": {"d1": whole, "d2": record("bob", "d2", f"{NAME} spoke")},
        },
    )
    data = run_json(capsys, str(root))
    speaker = data["per_label"]["speaker"]
    assert speaker["cohen_kappa"] is not None
    assert "cohen_kappa" not in speaker.get("undefined", {})


# -- C21: a pair of annotators with no document in common ---------------------------------------

TEXT = "Minister Ana Ruiz said the ceasefire will hold."
MINISTER = [(0, 17, "speaker")]


@pytest.fixture
def apart(tmp_path: Path) -> Path:
    """alice does d1 and d2, bob only d1, carol only d2: bob and carol share no document."""
    root = tmp_path / "p"
    build_project(
        root,
        {"d1": TEXT, "d2": TEXT},
        {
            "alice": {"d1": MINISTER, "d2": MINISTER},
            "bob": {"d1": MINISTER},
            "carol": {"d2": MINISTER},
        },
    )
    return root


def test_a_pair_with_no_document_in_common_says_so(
    apart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(capsys, str(apart))
    pairs = {(pair["a"], pair["b"]): pair for pair in data["pairs"]}
    apart_pair = pairs[("bob", "carol")]
    assert apart_pair["documents"] == 0
    assert set(apart_pair["undefined"].values()) == {"no document annotated by both"}
    assert set(apart_pair["undefined"]) == {
        "span_f1_exact",
        "span_f1_partial",
        "span_f1_boundary",
        "cohen_kappa",
        "relation_f1",
    }
    for values in apart_pair["per_label"].values():
        assert set(values["undefined"].values()) == {"no document annotated by both"}
    # the pairs that share a document are unchanged, and so are the means over pairs
    assert pairs[("alice", "bob")]["span_f1_exact"] == 1.0
    assert data["overall"]["span_f1_exact"] == 1.0
    # the labels' reasons come from the pairs that could say something
    claim = data["per_label"]["claim"]["undefined"]
    assert claim["span_f1_exact"] == "no spans of this label by either annotator"
    assert data["overall"]["undefined"]["relation_f1"] == "no relations by either annotator"


def test_the_table_prints_the_reason_of_a_pair(
    apart: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _err = run(capsys, "agreement", str(apart))
    assert code == 0
    lines = out.splitlines()
    assert (
        "— pair bob–carol (F1 exact, F1 partial, F1 bound., Cohen κ, rel. F1): "
        "no document annotated by both"
    ) in lines
    # what the overall line already says is not repeated per pair
    assert not [line for line in lines if line.startswith("— pair") and "no relations" in line]


def test_mixed_reasons_over_pairs_are_named_not_the_json_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # claim: on d1 alice and bob marked every token, on d2 carol and dave none; the other pairs
    # share no document. Every pair's kappa is undefined, for two different reasons.
    root = tmp_path / "p"
    whole = [(0, len(NAME), "claim")]
    build_project(
        root,
        {"d1": NAME, "d2": NAME},
        {
            "alice": {"d1": whole},
            "bob": {"d1": whole},
            "carol": {"d2": []},
            "dave": {"d2": []},
        },
    )
    data = run_json(capsys, str(root))
    reason = data["per_label"]["claim"]["undefined"]["cohen_kappa"]
    assert reason == (
        "undefined for every pair (every token of these documents is in this label for both "
        "annotators; no token of this label was marked by either annotator)"
    )
    monkeypatch.setenv("COLUMNS", "300")
    code, out, _err = run(capsys, "agreement", str(root))
    assert code == 0
    assert f"— claim (Cohen κ): {reason}" in out.splitlines()
    assert "cohen_kappa" not in out
