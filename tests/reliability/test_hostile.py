"""Every CLI command against the hostile set: no traceback, no raw control sequence reaches the
terminal, refused inputs get one line naming the file (and line), offsets round-trip exactly."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Span
from annotator.model.text import text_sha256
from annotator.store.annotations import AnnotationFile, check_annotator_name
from annotator.store.corpus import Corpus
from annotator.store.project import init_project

from .hostile import BASE_TEXT, HostileCase, base_record, cases

CASES = cases()
# What must never reach a terminal from a command's output: C0 controls other than newline and
# tab (ESC starts CSI/OSC), DEL, C1 controls, bidi overrides and isolates, lone surrogates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def base_project(root: Path) -> Path:
    init_project(root, [])
    (root / "documents" / "base.txt").write_text(BASE_TEXT, encoding="utf-8")
    for name in ("bob", "carol"):
        line = orjson.dumps(base_record(name)) + b"\n"
        (root / "annotations" / f"{name}.jsonl").write_bytes(line)
    return root


def commands(project: Path, out: Path, case: HostileCase) -> list[list[str]]:
    p = str(project)
    found = [
        ["validate", p],
        ["stats", p],
        ["stats", p, "--json"],
        ["agreement", p, "--format", "json"],
        ["agreement", p],
        ["export", p, "--out", str(out / "all.jsonl"), "--annotator", "all"],
        ["export", p, "--format", "brat", "--out", str(out / "brat"), "--annotator", "bob"],
        ["export", p, "--format", "conll", "--out", str(out / "x.conll"), "--annotator", "bob"],
        ["reanchor", p, "--dry-run"],
    ]
    if importlib.util.find_spec("annotator.agreement.adjudicate") is not None:
        found.append(["adjudicate", p, "--auto", "--dry-run"])
    if case.offending.endswith(".jsonl") and case.offending.startswith("documents/"):
        source = project / case.offending
        found.append(["import", p, str(source), "--format", "jsonl", "--dry-run"])
    return found


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse: a mistake in this test, not in the input
        raise AssertionError(f"usage error for {argv}") from stop
    except Exception as error:  # a traceback for the user
        captured = capsys.readouterr()
        raise AssertionError(f"{argv} raised {error!r}; stderr: {captured.err}") from error
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def files_under(root: Path) -> set[Path]:
    return {Path(d) / f for d, _, files in os.walk(root) for f in files}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_command_on_hostile_input(
    case: HostileCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = base_project(tmp_path / "project")
    case.layout(project)
    out = tmp_path / "out"
    out.mkdir()
    before_outside = files_under(tmp_path) - files_under(out) - files_under(project)
    results = {}
    for argv in commands(project, out, case):
        code, stdout, stderr = run_cli(argv, capsys)
        results[argv[0] + (" --json" if "--json" in argv else "")] = (code, stdout, stderr)
        assert code in (0, 1), (argv, code, stderr)
        unsafe = UNSAFE.findall(stdout + stderr)
        assert not unsafe, f"{argv}: raw control characters {unsafe!r} reach the terminal"
        assert "Traceback" not in stderr
    # nothing was written outside the output folder (the project itself only by dry runs: no)
    assert files_under(tmp_path) - files_under(out) - files_under(project) == before_outside

    code, stdout, stderr = results["validate"]
    if case.accepted:
        assert code == 0, stdout + stderr
    else:
        assert code == 1, f"{case.name} was not refused: {stdout}{stderr}"
        lines = (stdout + stderr).splitlines()
        naming = [line for line in lines if case.offending in line]
        assert naming, f"no message names {case.offending}: {lines}"
        if case.line is not None:
            assert any(f":{case.line}:" in line for line in naming), naming
        if stdout == "":  # refused before any checking: exactly one line
            assert len(stderr.splitlines()) == 1, stderr


TEXT_CASES = [case for case in CASES if case.text is not None]


@pytest.mark.parametrize("case", TEXT_CASES, ids=[case.name for case in TEXT_CASES])
def test_offsets_round_trip_exactly(
    case: HostileCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = base_project(tmp_path / "project")
    case.layout(project)
    assert case.text is not None
    text = case.text
    (doc_id,) = [entry.id for entry in Corpus(project / "documents").entries if entry.id != "base"]
    assert Corpus(project / "documents").text(doc_id) == text
    if not text:
        return
    # a span over every code point boundary pattern: the whole text (capped), and the middle third
    extents = {
        (0, min(len(text), 300)),
        (len(text) // 3, max(len(text) // 3 + 1, 2 * len(text) // 3)),
    }
    spans = [
        Span(id=f"s{n}", start=start, end=end, label="entity", text=text[start:end])
        for n, (start, end) in enumerate(sorted(extents))
    ]
    record = AnnotationRecord(
        doc_id=doc_id, annotator="alice", text_sha256=text_sha256(text), spans=spans
    )
    path = project / "annotations" / "alice.jsonl"
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
    reread = AnnotationFile(path, "alice").get(doc_id)
    assert reread == record
    for span in reread.spans if reread else []:
        assert text[span.start : span.end] == span.text
    code, stdout, stderr = run_cli(["validate", str(project)], capsys)
    assert code == 0, stdout + stderr
    out = tmp_path / "exported.jsonl"
    code, _, stderr = run_cli(
        ["export", str(project), "--out", str(out), "--annotator", "alice"], capsys
    )
    assert code == 0, stderr


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "/etc/passwd",
        "a/b",
        "..",
        ".",
        ".hidden",
        "con",
        "NUL",
        "com1.x",
        "lpt9",
        "x" * 65,
        "",
        "a\x00b",
        "a\nb",
        "name.",
        "\x1b[2J",
        "-rf",
        "ünïcode",
        "a b",
    ],
)
def test_annotator_names_never_become_paths_outside(name: str) -> None:
    with pytest.raises(AnnotatorError):
        check_annotator_name(name)


@pytest.mark.parametrize("name", ["../x", "/tmp/abs", "con", "x" * 65, "a/../../b"])
def test_cli_refuses_bad_annotator_names(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = base_project(tmp_path / "project")
    before = files_under(tmp_path)
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "n1", "text": "new"}\n', encoding="utf-8")
    before = files_under(tmp_path)
    p = str(project)
    for argv in (
        ["import", p, str(source), "--format", "jsonl", "--annotator", name],
        ["export", p, "--out", str(tmp_path / "o.jsonl"), "--annotator", name],
        ["reanchor", p, "--annotator", name],
        ["agreement", p, "--annotators", f"bob,{name}"],
    ):
        code, _, stderr = run_cli(argv, capsys)
        assert code != 0, argv
        assert len(stderr.strip().splitlines()) >= 1
        assert not UNSAFE.findall(stderr)
    created = files_under(tmp_path) - before
    assert all(project in path.parents for path in created), created


HOSTILE_IDS = ["../../escape", "/tmp/absolute", "con", "x" * 300, "a/../../b", "..", "a\\..\\b"]


def test_document_ids_never_escape_the_export_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    init_project(project, [])
    lines = []
    for doc_id in HOSTILE_IDS:
        lines.append(orjson.dumps({"id": doc_id, "text": "Ana Ruiz spoke."}))
        record = AnnotationRecord(
            doc_id=doc_id,
            annotator="bob",
            text_sha256=text_sha256("Ana Ruiz spoke."),
            spans=[Span(id="s1", start=0, end=8, label="speaker", text="Ana Ruiz")],
        )
        with AnnotationFile(project / "annotations" / "bob.jsonl", "bob", writable=True) as f:
            f.save(record)
    (project / "documents" / "hostile.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "deep" / "out"
    out.mkdir(parents=True)
    before = files_under(tmp_path)
    for fmt, target in (("brat", out / "brat"), ("conll", out / "x.conll"), ("jsonl", out / "a")):
        code, _, stderr = run_cli(
            ["export", str(project), "--format", fmt, "--out", str(target), "--annotator", "bob"],
            capsys,
        )
        assert code in (0, 1), stderr
    created = files_under(tmp_path) - before
    outside = [path for path in created if out not in path.parents and project not in path.parents]
    assert outside == [], f"export wrote outside its folder: {outside}"


def test_the_real_entry_point_never_prints_a_traceback(tmp_path: Path) -> None:
    """A few hostile projects through `python -m annotator`, as a user runs it."""
    chosen = [
        c for c in CASES if c.name in ("name-invalid-utf8", "corpus-deep-array", "txt-set_title")
    ]
    assert len(chosen) == 3
    for case in chosen:
        project = base_project(tmp_path / case.name)
        case.layout(project)
        for command in ("validate", "stats"):
            result = subprocess.run(
                [sys.executable, "-m", "annotator", command, str(project)],
                capture_output=True,
                check=False,
            )
            assert result.returncode in (0, 1)
            assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
            assert b"\x1b" not in result.stdout + result.stderr


def test_count_of_hostile_inputs() -> None:
    """The number quoted in docs/reliability.md: hostile cases times commands run on each."""
    assert len(CASES) >= 80
    print(f"\nhostile cases: {len(CASES)}")


def hostile_folder_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, list[str]]:
    """Every command on a project whose folder name is markup and escape sequences.

    Returns, per command (without its paths), the unsafe characters that reached the output.
    """
    project = base_project(tmp_path / "[/] [bold]x \x1b]0;title\x07\x1b[2J")
    (project / "documents" / "bad.txt").write_bytes(b"\xff")  # so that errors name the path
    out = tmp_path / "out"
    out.mkdir()
    case = HostileCase("folder", False, lambda root: None)
    argv_list = [*commands(project, out, case), ["init", str(project)]]
    argv_list.append(["schema", "--out", str(out / "schemas \x1b[2J")])
    found = {}
    for argv in argv_list:
        code, stdout, stderr = run_cli(argv, capsys)
        assert code in (0, 1), (argv, stderr)
        name = " ".join(part for part in argv if str(tmp_path) not in part)
        found[name] = UNSAFE.findall(stdout + stderr)
    return found


# Printed by annotator/cli/agreement.py (table title, adjudicate report); reported to its owner.


def test_project_folder_with_a_hostile_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The folder name is printed by several commands: as text, never as markup or escapes."""
    found = hostile_folder_runs(tmp_path, capsys)
    assert len(found) >= 10
    unsafe = {name: chars for name, chars in found.items() if chars}
    assert unsafe == {}
