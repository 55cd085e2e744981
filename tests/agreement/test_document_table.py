"""The per-document table keeps each document id whole: it is what the lead opens next."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main

from .helpers import build_project

TEXT = "Minister Ana Ruiz said the ceasefire will hold through the winter, aides said."
IDS = [
    "court-surveillance-ruling-appeal",
    "ministry-website-defaced-second",
    "flood-riverton",
]
LONG = "an-unusually-long-document-identifier-from-a-scraper-" + "x" * 40


def project(root: Path, ids: list[str]) -> Path:
    minister, claim = (0, 17, "speaker"), (23, 65, "claim")
    build_project(
        root,
        dict.fromkeys(ids, TEXT),
        {
            "alice": {key: [minister, claim] for key in ids},
            "bob": {key: [minister] for key in ids},
            "carol_with_a_long_name": {key: [claim] for key in ids},
        },
    )
    return root


def document_rows(out: str) -> list[str]:
    """The lines of the documents table's body."""
    table = out.split("Documents, lowest agreement first")[1]
    body = table.split("╇")[-1].split("└")[0]
    return [line for line in body.splitlines() if line.startswith("│")]


@pytest.mark.parametrize("columns", ["80", None])  # None: piped, Rich's default of 80
def test_document_ids_are_never_cut(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    columns: str | None,
) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    code = main(["agreement", str(project(tmp_path / "p", IDS)), "--per-doc"])
    out = capsys.readouterr().out
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    rows = document_rows(out)
    first_cells = [row.split("│")[1].strip() for row in rows]
    for doc_id in IDS:
        assert doc_id in first_cells  # whole, on one line
    assert "…" not in "".join(rows)
    # the spans column wrapped instead: every annotator's count is still there
    spans = "".join(row.split("│")[-2].strip() for row in rows)
    assert spans.count("carol_with_a_long_name:") == len(IDS)


def test_an_id_wider_than_the_room_left_folds_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code = main(["agreement", str(project(tmp_path / "p", [LONG, "d2"])), "--per-doc"])
    out = capsys.readouterr().out
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    first_column = "".join(row.split("│")[1].strip() for row in document_rows(out))
    assert LONG in first_column
