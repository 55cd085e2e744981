"""Mistakes a user can make on the command line get one clear line (the user's path, the line
where there is one, the problem), a non-zero exit code, and nothing written or copied: never a
traceback, a temporary file's name, a silent skip or a half-made project (QA F33, F16, F26, F28,
F34, F22, F11, F19).

Read-only places are simulated (tests may run as root, which ignores permissions): an OS call
made to fail with EROFS, a path under a regular file, a missing folder."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotator.cli import main
from annotator.store.lock import FileLock

EROFS = os.strerror(errno.EROFS)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_error_line(err: str) -> str:
    """The only line of ``err``, an ``annotator: error:`` line (no traceback)."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("annotator: error: "), err
    return lines[0].removeprefix("annotator: error: ")


def files_under(root: Path) -> set[Path]:
    """Every file under ``root`` but the index cache (made by any command that reads)."""
    return {
        Path(d) / f for d, _, files in os.walk(root) for f in files if ".annotator-cache" not in d
    }


@pytest.fixture
def read_only_temp_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Creating a file in a folder fails as on a read-only file system, naming the temporary
    file (``.NAME.random.tmp``) as the OS does."""

    def refuse(suffix: str = "", prefix: str = "", dir: str | Path | None = None, **_: Any) -> None:
        name = Path(dir or ".") / f"{prefix}k3j9x_2a{suffix}"
        raise OSError(errno.EROFS, EROFS, str(name))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- F33: output paths of export, init, schema --------------------------------------------------


@pytest.mark.parametrize("format_name", ["jsonl", "spacy", "conll", "label-studio"])
def test_export_to_a_read_only_folder_names_the_out_path_not_the_temporary_file(
    sample_project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    read_only_temp_files: None,
    format_name: str,
) -> None:
    out = tmp_path / "ro" / "out.data"
    code, _, err = run(
        capsys, "export", str(sample_project), "--format", format_name, "--out", str(out),
        "--annotator", "alice",
    )  # fmt: skip
    assert code == 1
    assert one_error_line(err) == f"{out}: cannot write: {EROFS}"
    assert ".tmp" not in err
    assert not out.exists()


def test_export_with_splits_names_the_split_file(
    sample_project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    read_only_temp_files: None,
) -> None:
    out = tmp_path / "out.jsonl"
    code, _, err = run(
        capsys, "export", str(sample_project), "--out", str(out), "--annotator", "alice",
        "--split", "train=0.5,dev=0.5",
    )  # fmt: skip
    assert code == 1
    assert one_error_line(err) == f"{tmp_path / 'out.train.jsonl'}: cannot write: {EROFS}"


@pytest.mark.parametrize("format_name", ["jsonl", "brat", "spacy"])
def test_export_under_a_regular_file_says_which_file_is_in_the_way(
    sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], format_name: str
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine\n")
    out = blocker / "sub" / "out"
    code, _, err = run(
        capsys, "export", str(sample_project), "--format", format_name, "--out", str(out),
        "--annotator", "alice",
    )  # fmt: skip
    assert code == 1
    assert one_error_line(err) == f"{out}: cannot write: {blocker} is a file, not a folder"
    assert blocker.read_text() == "mine\n"


def test_brat_export_onto_a_file_is_refused_even_with_force(
    sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "alice.jsonl"
    out.write_text("keep me\n")
    code, _, err = run(
        capsys, "export", str(sample_project), "--format", "brat", "--out", str(out),
        "--annotator", "alice", "--force",
    )  # fmt: skip
    assert code == 1
    assert one_error_line(err) == f"{out}: is a file, not a folder (brat writes a folder)"
    assert out.read_text() == "keep me\n"


def test_export_to_a_missing_folder_creates_it(
    sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing parent folder is not a mistake: it is made (as before)."""
    out = tmp_path / "new" / "deeper" / "alice.jsonl"
    code, _, _ = run(
        capsys, "export", str(sample_project), "--out", str(out), "--annotator", "alice"
    )
    assert code == 0 and out.is_file()


def test_init_where_a_file_is_says_so_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "export.jsonl"
    blocker.write_text("{}\n")
    code, _, err = run(capsys, "init", str(blocker))
    assert code == 1
    assert one_error_line(err) == f"{blocker}: is a file, not a folder"
    code, _, err = run(capsys, "init", str(blocker / "project"))
    assert code == 1
    assert one_error_line(err) == (
        f"{blocker / 'project'}: cannot create the project: {blocker} is a file, not a folder"
    )
    assert files_under(tmp_path) == {blocker}


def test_init_on_a_read_only_file_system_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Any, mode: int = 0o777, *args: Any, **kwargs: Any) -> None:
        if not Path(path).parent.exists():  # as the OS checks: the parent first
            raise OSError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
        raise OSError(errno.EROFS, EROFS, str(path))

    monkeypatch.setattr(os, "mkdir", refuse)
    project = tmp_path / "newp"
    code, _, err = run(capsys, "init", str(project))
    assert code == 1
    assert one_error_line(err) == f"{project}: cannot create the project: {EROFS}"


def test_schema_out_problems_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file.json"
    blocker.write_text("{}")
    code, out, err = run(capsys, "schema", "--out", str(blocker))
    assert (code, out) == (1, "")
    assert one_error_line(err) == f"{blocker}: is a file, not a folder"
    code, out, err = run(capsys, "schema", "--out", str(blocker / "schemas"))
    assert (code, out) == (1, "")
    assert one_error_line(err) == (
        f"{blocker / 'schemas'}: cannot write: {blocker} is a file, not a folder"
    )
    assert blocker.read_text() == "{}"

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, EROFS, str(tmp_path / "ro" / "schemas" / "x.json"))

    monkeypatch.setattr(Path, "write_text", refuse)
    code, _, err = run(capsys, "schema", "--out", str(tmp_path / "ro" / "schemas"))
    assert code == 1
    assert one_error_line(err) == f"{tmp_path / 'ro' / 'schemas' / 'x.json'}: cannot write: {EROFS}"


def test_schema_without_out_says_where_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "schema")
    assert code == 0
    assert f"into {tmp_path / 'schemas'}" in err
    written = {tmp_path / line for line in out.splitlines()}
    assert written == files_under(tmp_path) and len(written) >= 3


def test_validate_of_a_file_says_it_is_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "alice.jsonl"
    path.write_text("{}\n")
    code, _, err = run(capsys, "validate", str(path))
    assert code == 1
    assert one_error_line(err) == f"{path}: is a file, not a project folder"
    code, _, err = run(capsys, "validate", str(tmp_path / "missing"))
    assert code == 1 and "no such directory" in one_error_line(err)


# -- F16: export files get the mode open() gives them -------------------------------------------


@pytest.mark.parametrize(
    ("format_name", "extra"),
    [
        ("jsonl", []),
        ("spacy", []),
        ("conll", []),
        ("hf", []),
        ("doccano", []),
        ("label-studio", []),
        ("prodigy", []),
        ("jsonl", ["--split", "train=0.5,dev=0.5"]),
    ],
)
def test_export_files_follow_the_umask(
    sample_project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    umask_022: None,
    format_name: str,
    extra: list[str],
) -> None:
    out_dir = tmp_path / "ex"
    code, _, _ = run(
        capsys, "export", str(sample_project), "--format", format_name,
        "--out", str(out_dir / f"alice.{format_name}"), "--annotator", "alice", *extra,
    )  # fmt: skip
    assert code == 0
    written = files_under(out_dir)
    assert written
    assert {path.name: mode(path) for path in written} == {path.name: 0o644 for path in written}
    os.umask(0o027)
    code, _, _ = run(
        capsys, "export", str(sample_project), "--format", format_name, "--force",
        "--out", str(out_dir / f"alice.{format_name}"), "--annotator", "alice", *extra,
    )  # fmt: skip
    assert code == 0
    assert {path.name: mode(path) for path in written} == {path.name: 0o640 for path in written}


def test_brat_and_sharded_spacy_folders_follow_the_umask(
    sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], umask_022: None
) -> None:
    brat = tmp_path / "brat"
    assert run(
        capsys, "export", str(sample_project), "--format", "brat", "--out", str(brat),
        "--annotator", "alice",
    )[0] == 0  # fmt: skip
    files = files_under(brat)
    assert {path.name for path in files} >= {"annotation.conf"}
    assert {mode(path) for path in files} == {0o644}
    assert mode(brat) == 0o755
    shards = tmp_path / "alice.spacy"
    assert run(
        capsys, "export", str(sample_project), "--format", "spacy", "--out", str(shards),
        "--annotator", "alice", "--shard-size", "2",
    )[0] == 0  # fmt: skip
    assert shards.is_dir() and mode(shards) == 0o755
    parts = files_under(shards)
    assert len(parts) > 1 and {mode(path) for path in parts} == {0o644}


# -- F26: reanchor on a read-only project -------------------------------------------------------


@pytest.fixture
def read_only_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening an annotator's file for writing fails as on a read-only file system."""

    def refuse(self: FileLock) -> None:
        raise OSError(errno.EROFS, EROFS, str(self.path))

    monkeypatch.setattr(FileLock, "acquire", refuse)


def test_reanchor_with_nothing_to_do_never_opens_for_writing(
    sample_project: Path, capsys: pytest.CaptureFixture[str], read_only_locks: None
) -> None:
    code, out, err = run(capsys, "reanchor", str(sample_project), "--annotator", "alice")
    assert (code, out) == (0, "")
    assert err == "0 record(s) made on an older text: re-anchored 0, left unchanged 0\n"


def test_reanchor_error_is_not_followed_by_a_summary(
    sample_project: Path, capsys: pytest.CaptureFixture[str], read_only_locks: None
) -> None:
    document = sample_project / "documents" / "world" / "summit-geneva.txt"
    document.write_text(document.read_text(encoding="utf-8") + "\nUpdated.\n", encoding="utf-8")
    alice = sample_project / "annotations" / "alice.jsonl"
    before = alice.read_bytes()
    code, _, err = run(capsys, "reanchor", str(sample_project), "--annotator", "alice")
    assert code == 1
    assert one_error_line(err) == f"{alice}: cannot open for writing: {EROFS}"
    assert "record(s) made on an older text" not in err
    assert alice.read_bytes() == before


# -- F28: init checks the document files before copying any -------------------------------------


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"latin.txt": b"Latin-1 caf\xe9\n"}, "latin.txt: invalid UTF-8 at byte offset 11"),
        (
            {"dup.jsonl": b'{"id":"a","text":"one"}\n{"id":"a","text":"two"}\n'},
            "dup.jsonl:2: duplicate document id 'a' (first defined at {src}/dup.jsonl:1)",
        ),
        ({"noid.jsonl": b'{"text":"no id"}\n'}, "noid.jsonl:1: missing or empty string field 'id'"),
        (
            {"one.jsonl": b'{"id":"a","text":"one"}\n', "two.jsonl": b'{"id":"a","text":"x"}\n'},
            "two.jsonl:1: duplicate document id 'a' (first defined at {src}/one.jsonl:1)",
        ),
        ({"bad.jsonl": b'{"id":"a","text":"one"}\n{"id":"b",\n'}, "bad.jsonl:2: not valid JSON"),
    ],
)
def test_init_refuses_documents_the_project_could_not_read_and_copies_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, bytes],
    message: str,
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name, data in files.items():
        (source / name).write_bytes(data)
    project = tmp_path / "in1"
    code, _, err = run(capsys, "init", str(project), *(str(source / name) for name in files))
    assert code == 1
    line = one_error_line(err)
    assert line.startswith(f"{source}/" + message.format(src=source)), line
    assert line.endswith("(nothing copied)")
    assert not project.exists()


def test_init_lists_every_problem_and_refuses_an_id_the_project_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "ok.jsonl").write_bytes(b'{"id":"a","text":"one"}\n')
    (source / "again.jsonl").write_bytes(b'{"id":"a","text":"two"}\n')
    (source / "latin.txt").write_bytes(b"caf\xe9")
    project = tmp_path / "p"
    assert run(capsys, "init", str(project), str(source / "ok.jsonl"))[0] == 0
    before = files_under(project)
    code, _, err = run(
        capsys, "init", str(project), str(source / "again.jsonl"), str(source / "latin.txt")
    )
    assert code == 1 and "Traceback" not in err
    assert err.splitlines() == [
        f"{source}/again.jsonl:1: duplicate document id 'a' (first defined at "
        f"{project}/documents/ok.jsonl:1)",
        f"{source}/latin.txt: invalid UTF-8 at byte offset 3",
        "annotator: error: 2 problems in the document files; nothing copied",
    ]
    assert files_under(project) == before


def test_init_copies_good_documents_that_the_project_then_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.txt").write_text("Plain text.\n", encoding="utf-8")
    (source / "b.jsonl").write_bytes(b'{"id":"b","text":"two"}\n')
    project = tmp_path / "p"
    code, out, _ = run(capsys, "init", str(project), str(source / "a.txt"), str(source / "b.jsonl"))
    assert code == 0 and "2 document file(s) copied" in out
    code, _, err = run(capsys, "validate", str(project))
    assert code == 0 and "2 document(s)" in err


# -- F34: a file in annotations/ that is no annotator's ----------------------------------------


def test_a_stray_copy_in_annotations_is_ignored_and_noted_by_validate(
    sample_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    annotations = sample_project / "annotations"
    stray = annotations / "bob copy.jsonl"
    stray.write_bytes((annotations / "bob.jsonl").read_bytes())
    code, out, _ = run(capsys, "stats", str(sample_project), "--json")
    assert code == 0
    assert sorted(json.loads(out)["annotators"]) == ["alice", "bob", "carol"]
    code, out, _ = run(capsys, "agreement", str(sample_project), "--format", "json")
    assert code == 0 and "bob copy" not in out
    code, _, err = run(capsys, "adjudicate", str(sample_project), "--auto", "--dry-run")
    assert code == 0 and "invalid annotator name" not in err
    code, out, err = run(capsys, "validate", str(sample_project))
    assert code == 0
    notes = [line for line in err.splitlines() if "ignored" in line]
    assert notes == [
        f"{stray}: ignored: not an annotator file name (names are 1-64 letters, digits, "
        "'.', '_' or '-'); rename it to count it, or move it away"
    ]
    assert err.splitlines()[-1].endswith("3 annotation file(s), 21 record(s): no problems")


# -- F22: stats on a corpus with a bad line ------------------------------------------------------


def test_stats_refuses_a_corpus_with_a_bad_line_like_the_other_commands(
    sample_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = sample_project / "documents" / "wire-2024-03.jsonl"
    lines = corpus.read_bytes().split(b"\n")
    lines[2] = lines[2][:80]
    corpus.write_bytes(b"\n".join(lines))
    for argv in (["stats"], ["stats", "--json"], ["export", "--out", "x.jsonl"]):
        code, out, err = run(capsys, argv[0], str(sample_project), *argv[1:])
        assert (code, out) == (1, "")
        assert one_error_line(err).startswith(f"{corpus}:3: not valid JSON"), argv


# -- F11: stats table at 80 columns -------------------------------------------------------------


def test_stats_table_is_readable_at_80_columns(
    sample_project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    long_name = "annotator_with_a_long_name"
    bob = (sample_project / "annotations" / "bob.jsonl").read_text(encoding="utf-8")
    (sample_project / "annotations" / f"{long_name}.jsonl").write_text(
        bob.replace('"annotator":"bob"', f'"annotator":"{long_name}"'), encoding="utf-8"
    )
    code, out, _ = run(capsys, "stats", str(sample_project))
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    counts = out.split("┃ document")[0]  # the notes table after it may quote a "…"
    assert "…" not in counts  # nothing cut
    names = ("alice", "bob", "carol", long_name)
    for name in names:  # one row per table, the name whole
        rows = [line for line in lines if line.startswith(f"│ {name} ")]
        assert len(rows) >= 2, (name, out)
    for header in ("done", "skipped", "flagged", "hours", "speaker", "claim", "entity", "links"):
        assert f" {header} " in out, header
    code, out, _ = run(capsys, "stats", str(sample_project), "--json")
    stats = json.loads(out)
    assert sorted(stats["annotators"]) == sorted(names)
    assert set(stats["annotators"]["alice"]) == {
        "records", "status", "not_started", "spans", "relations", "seconds_spent", "text_changed"
    }  # fmt: skip


# -- F19: a failed start of annotate leaves nothing behind ---------------------------------------


@pytest.fixture(autouse=True)
def _no_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """A start that should be refused but is not fails the test instead of opening the app."""
    from annotator.tui.app import AnnotateApp

    def refuse(self: AnnotateApp, *args: Any, **kwargs: Any) -> None:
        pytest.fail("the annotation screen was opened")

    monkeypatch.setattr(AnnotateApp, "run", refuse)


def test_annotate_with_an_unknown_document_creates_no_file(
    sample_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_under(sample_project)
    code, _, err = run(
        capsys, "annotate", str(sample_project), "--doc", "nosuch", "--annotator", "t2"
    )
    assert code == 1
    assert one_error_line(err) == f"{sample_project}: no document with id 'nosuch' in the project"
    assert files_under(sample_project) == before


@pytest.mark.parametrize("name", ["", "  "])
def test_annotate_refuses_an_empty_annotator_name(
    sample_project: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    before = files_under(sample_project)
    code, _, err = run(capsys, "annotate", str(sample_project), "--annotator", name)
    assert code == 1
    assert one_error_line(err) == "--annotator: the name is empty"
    assert files_under(sample_project) == before


def test_annotate_refuses_an_invalid_annotator_name_before_creating_anything(
    sample_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_under(sample_project)
    code, _, err = run(capsys, "annotate", str(sample_project), "--annotator", "bob copy")
    assert code == 1
    assert one_error_line(err).startswith("invalid annotator name 'bob copy'")
    assert files_under(sample_project) == before
