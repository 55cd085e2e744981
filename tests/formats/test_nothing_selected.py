"""An export that selects no record writes nothing and fails with the reason (QA B11); an empty
``--split`` part is a warning of the summary (QA B5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.formats import EXPORT_FORMATS
from annotator.formats.common import split_of
from annotator.model.records import Status

from .helpers import DocSpec, make_project

IN_PROGRESS = tuple(
    DocSpec(f"doc-{n}", f"Lee said {n}.", (("Lee", 0, "speaker"),), status=Status.in_progress)
    for n in range(3)
)


def everything_under(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


@pytest.mark.parametrize("name", EXPORT_FORMATS)
def test_no_record_selected_writes_nothing_and_says_why(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", IN_PROGRESS)
    out = tmp_path / "out"
    out.mkdir()
    for split in ((), ("--split", "train=0.5,dev=0.5")):
        capsys.readouterr()
        args = ["--format", name, "--out", str(out / "data" / "x"), "--status", "done", *split]
        assert main(["export", str(root), *args]) == 1
        err = capsys.readouterr().err
        assert err == (
            "annotator: error: nothing to export: "
            "3 record(s) in_progress not selected by --status done\n"
        )
        assert everything_under(out) == []  # no file, no temporary, no folder made for it


def test_the_reasons_are_counted_most_frequent_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = (*IN_PROGRESS, DocSpec("flagged", "Bo said no.", status=Status.flagged))
    root = make_project(tmp_path / "p", docs, annotators=("alice",))
    out = tmp_path / "out.conll"
    assert main(["export", str(root), "--format", "conll", "--out", str(out), "--status", "done"])
    assert capsys.readouterr().err == (
        "annotator: error: nothing to export: 3 record(s) in_progress not selected by "
        "--status done; 1 record(s) flagged not selected by --status done\n"
    )
    assert not out.exists()


def test_an_empty_split_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tuple(DocSpec(f"doc-{n}", f"Lee said {n}.", (("Lee", 0, "speaker"),)) for n in range(3))
    splits = (("train", 0.5), ("dev", 0.5))
    seed = next(  # a seed that puts every document in train
        seed
        for seed in range(1000)
        if all(split_of(spec.doc_id, seed, splits) == "train" for spec in docs)
    )
    root = make_project(tmp_path / "p", docs)
    out = tmp_path / "data.jsonl"
    args = ["--out", str(out), "--split", "train=0.5,dev=0.5", "--seed", str(seed)]
    assert main(["export", str(root), "--format", "hf", *args]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "exported 3 document(s) (train: 3, dev: 0), 3 record(s)"
    assert lines[1] == (
        "warning: split 'dev' is empty (ratio 0.5 of 3 document(s)); "
        "some consumers refuse an empty split"
    )
    assert (tmp_path / "data.dev.jsonl").read_text() == ""
    assert main(["export", str(root), "--format", "hf", *args[:2], "--force"]) == 0
    assert "warning" not in capsys.readouterr().err
