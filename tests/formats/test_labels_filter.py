"""Relations left out because ``--labels`` leaves out one of their ends are counted in the
summary, as every other drop is (QA B23)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main

from .helpers import DOCS, make_project

LEFT_OUT = "relation(s) left out by --labels (the label of an end is not exported)"
LINKS = sum(len(spec.links) for spec in DOCS)


@pytest.mark.parametrize("name", ["jsonl", "doccano", "spacy", "conll", "brat"])
def test_relations_whose_end_is_filtered_out_are_counted(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p")
    out = tmp_path / "out"
    capsys.readouterr()
    args = ["--format", name, "--out", str(out), "--labels", "speaker,entity"]
    assert main(["export", str(root), *args]) == 0
    err = capsys.readouterr().err
    assert f"  {LINKS} {LEFT_OUT} (e.g. in 'crlf', 'wire/001'" in err
    assert "relations:" not in err  # none written
    assert main(["export", str(root), *args[:4], "--labels", "speaker,claim", "--force"]) == 0
    assert LEFT_OUT not in capsys.readouterr().err
