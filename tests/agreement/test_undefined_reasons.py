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
