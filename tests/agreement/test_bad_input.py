"""Bad input is never used silently by ``agreement``, ``adjudicate`` and ``review``.

Each test runs the real command (``annotator.cli.main``) on a copy of the sample corpus or a
project built with the helpers: a line that cannot be read, or a record ``annotator validate``
rejects, gets one line naming file and line and exit 1; nothing is written to gold; agreement
computes without them only when told (``--skip-bad``), with the documents listed as excluded;
good input gives the same figures as before.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.agreement import adjudicate, report
from annotator.agreement.adjudicate import auto_adjudicate
from annotator.cli import main
from annotator.model.errors import AnnotatorError
from annotator.store.project import Project

from .helpers import build_project

SAMPLE = Path(__file__).resolve().parents[2] / "sample_corpus"
OSAKA = "trade-talks-osaka"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(SAMPLE, root)
    return root


def rewrite_line(path: Path, number: int, change: Any) -> None:
    """Line ``number`` (1-based) of ``path`` replaced by ``change(line)``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = change(lines[number - 1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def edit_record(path: Path, number: int, change: Any) -> None:
    def edited(line: str) -> str:
        value = json.loads(line)
        change(value)
        return json.dumps(value, ensure_ascii=False)

    rewrite_line(path, number, edited)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_error(err: str) -> str:
    """The one line the command printed on stderr (no progress bar off a terminal)."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("annotator: error: ")
    return lines[0]


def gold(root: Path) -> Path:
    return root / "annotations" / "gold.jsonl"


# -- a line that is not JSON (F21) ---------------------------------------------------------------


@pytest.fixture
def corrupt(corpus: Path) -> Path:
    """alice's record of trade-talks-osaka (line 4) cut short, as by a bad copy."""
    rewrite_line(corpus / "annotations" / "alice.jsonl", 4, lambda line: line[:100])
    return corpus


def test_agreement_refuses_a_line_that_is_not_json_naming_file_and_line(
    corrupt: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "agreement", str(corrupt))
    assert code == 1
    assert out == ""
    line = one_error(err)
    assert f"{corrupt}/annotations/alice.jsonl:4: not valid JSON" in line
    assert "--skip-bad" in line


def test_agreement_with_skip_bad_excludes_the_document_and_says_so_first(
    corrupt: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "agreement", str(corrupt), "--skip-bad", "--format", "json")
    assert code == 0
    data = json.loads(out)
    problem = f"{corrupt}/annotations/alice.jsonl:4: not valid JSON: unexpected end of data"
    assert data["problems"] == [problem]
    reasons = {item["doc_id"]: item["reason"] for item in data["documents"]["excluded"]}
    assert reasons[OSAKA] == f"unreadable record ({problem})"
    assert err.splitlines()[:2] == [
        "warning: 1 bad line(s) or record(s) left out (--skip-bad); their documents are excluded:",
        f"  {problem}",
    ]
    # the figures are those of the intact corpus without that document
    intact = tmp_path / "intact"
    shutil.copytree(SAMPLE, intact)
    others = tmp_path / "others.txt"
    ids = [doc_id for doc_id in Project(intact).corpus.ids() if doc_id != OSAKA]
    others.write_text("\n".join(ids) + "\n", encoding="utf-8")
    code, out, _err = run(
        capsys, "agreement", str(intact), "--docs", str(others), "--format", "json"
    )
    assert code == 0
    expected = json.loads(out)
    assert data["overall"] == expected["overall"]
    assert data["pairs"] == expected["pairs"]
    assert data["documents"]["counted"] == expected["documents"]["counted"]


def test_agreement_table_with_skip_bad_prints_the_problem_before_the_tables(
    corrupt: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "agreement", str(corrupt), "--skip-bad")
    assert code == 0
    assert "alice.jsonl:4" in err.splitlines()[1]
    assert "alice.jsonl:4" not in out  # not repeated after ~60 lines of tables
    assert "1 × unreadable record" in out


@pytest.mark.parametrize("dry_run", [False, True])
def test_adjudicate_refuses_a_line_that_is_not_json_and_writes_nothing(
    corrupt: Path, capsys: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    code, out, err = run(
        capsys, "adjudicate", str(corrupt), "--auto", *(["--dry-run"] if dry_run else [])
    )
    assert code == 1
    assert out == ""
    assert f"{corrupt}/annotations/alice.jsonl:4: not valid JSON" in one_error(err)
    assert not gold(corrupt).exists()


def test_review_refuses_before_its_screen_opens(
    corrupt: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.tui.review import app

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the review screen was opened")

    monkeypatch.setattr(app.ReviewApp, "run", never)
    code, _out, err = run(capsys, "review", str(corrupt))
    assert code == 1
    assert f"{corrupt}/annotations/alice.jsonl:4: not valid JSON" in one_error(err)
    assert not gold(corrupt).exists()  # refused before the gold file was opened


# -- records that validate rejects (F25) ---------------------------------------------------------


def unknown_label(value: dict[str, Any]) -> None:
    value["spans"][0]["label"] = "person"


def shifted_offsets(value: dict[str, Any]) -> None:
    value["spans"][1]["start"] += 1


def missing_span(value: dict[str, Any]) -> None:
    value["relations"].append({"id": "rX", "label": "attributed_to", "head": "s999", "tail": "s1"})


INVALID = [
    (unknown_label, 1, "spans[0].label: unknown label 'person'"),
    (shifted_offsets, 2, "spans[1]: text has"),
    (missing_span, 3, "head: points to missing span 's999'"),
]


@pytest.mark.parametrize(("change", "line", "message"), INVALID)
def test_agreement_refuses_a_record_that_validate_rejects(
    corpus: Path, capsys: pytest.CaptureFixture[str], change: Any, line: int, message: str
) -> None:
    edit_record(corpus / "annotations" / "carol.jsonl", line, change)
    code, out, err = run(capsys, "agreement", str(corpus), "--format", "json")
    assert code == 1
    assert out == ""
    error = one_error(err)
    assert f"{corpus}/annotations/carol.jsonl:{line}: " in error
    assert message in error


@pytest.mark.parametrize(("change", "line", "message"), INVALID)
@pytest.mark.parametrize("dry_run", [False, True])
def test_adjudicate_refuses_a_record_that_validate_rejects_and_writes_nothing(
    corpus: Path,
    capsys: pytest.CaptureFixture[str],
    change: Any,
    line: int,
    message: str,
    dry_run: bool,
) -> None:
    edit_record(corpus / "annotations" / "carol.jsonl", line, change)
    code, out, err = run(
        capsys, "adjudicate", str(corpus), "--auto", *(["--dry-run"] if dry_run else [])
    )
    assert code == 1
    assert out == ""
    error = one_error(err)
    assert f"{corpus}/annotations/carol.jsonl:{line}: " in error and message in error
    assert not gold(corpus).exists()


def test_every_problem_is_counted_and_the_first_in_file_order_named(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    carol = corpus / "annotations" / "carol.jsonl"
    for change, line, _message in INVALID:
        edit_record(carol, line, change)
    code, _out, err = run(capsys, "adjudicate", str(corpus), "--auto")
    assert code == 1
    error = one_error(err)
    assert "carol.jsonl:1: spans[0].label: unknown label 'person'" in error
    assert "(2 more problem(s); run `annotator validate`)" in error
    code, out, err = run(capsys, "agreement", str(corpus), "--skip-bad", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert len(data["problems"]) == 3
    excluded = {item["doc_id"]: item["reason"] for item in data["documents"]["excluded"]}
    for doc_id, line in (("world/summit-geneva", 1), ("world/ceasefire-kell", 2)):
        assert excluded[doc_id].startswith(
            f"invalid record ({corpus}/annotations/carol.jsonl:{line}"
        )
    assert [line for line in err.splitlines() if line.startswith("  ")] == [
        f"  {problem}" for problem in sorted(data["problems"], key=lambda p: p.split(":")[1])
    ]


def many_documents(root: Path, bad: str | None = None) -> Path:
    """Twenty documents two annotators agree on; ``bad``: alice's span there has a label the
    config does not know."""
    text = "Mayor Ana Ruiz said the bridge opens."
    documents = {f"d{index:02}": text for index in range(20)}
    spans: dict[str, Any] = {doc_id: [(6, 14, "speaker")] for doc_id in documents}
    alice = dict(spans)
    if bad is not None:
        alice[bad] = [(6, 14, "person")]
    build_project(root, documents, {"alice": alice, "bob": spans})
    return root


def test_records_checked_by_worker_processes_are_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = many_documents(tmp_path / "p", bad="d13")
    monkeypatch.setattr(adjudicate, "CHECK_CHUNK", 3)
    monkeypatch.setattr(report, "CHUNK", 3)
    with pytest.raises(AnnotatorError, match=r"alice\.jsonl:14: spans\[0\]\.label: unknown label"):
        auto_adjudicate(Project(root), workers=2)
    assert not gold(root).exists()
    code, _out, err = run(capsys, "agreement", str(root), "--jobs", "2")
    assert code == 1
    assert "alice.jsonl:14: spans[0].label: unknown label 'person'" in one_error(err)


def test_a_refused_agreement_leaves_no_unit_table(
    corrupt: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units = tmp_path / "units.csv"
    code, _out, _err = run(capsys, "agreement", str(corrupt), "--units", str(units))
    assert code == 1
    assert list(tmp_path.iterdir()) == [corrupt]
    code, _out, err = run(capsys, "agreement", str(corrupt), "--units", str(units), "--skip-bad")
    assert code == 0
    assert units.read_text(encoding="utf-8").startswith("doc_id")
    assert f"unit table written to {units}" in err


# -- good input: the same as before ------------------------------------------------------------


def test_good_input_gives_figures_and_gold(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "agreement", str(corpus), "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert "problems" not in data and "error" not in data
    assert data["documents"]["counted"] == 8
    assert data["overall"]["span_f1_exact"] is not None
    code, out, _err = run(capsys, "adjudicate", str(corpus), "--auto")
    assert code == 0
    assert len(gold(corpus).read_text(encoding="utf-8").splitlines()) == 8


def test_a_record_of_a_changed_text_is_still_only_set_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a problem of the file: the document changed since (``reanchor`` is the remedy)."""
    root = many_documents(tmp_path / "p")
    (root / "documents" / "d03.txt").write_text("Another text entirely.", encoding="utf-8")
    code, out, _err = run(capsys, "agreement", str(root), "--format", "json")
    assert code == 0
    excluded = {item["doc_id"]: item["reason"] for item in json.loads(out)["documents"]["excluded"]}
    assert "text_sha256 differs" in excluded["d03"]


# -- --min-votes, dry-run wording (F13) ---------------------------------------------------------


def test_min_votes_above_the_annotators_compared_is_refused_and_gold_kept(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "adjudicate", str(corpus), "--auto", "--min-votes", "2")[0] == 0
    before = gold(corpus).read_bytes()
    code, out, err = run(capsys, "adjudicate", str(corpus), "--auto", "--min-votes", "9")
    assert code == 1
    assert out == ""
    assert one_error(err) == (
        "annotator: error: --min-votes 9 is more than the 3 annotator(s) compared "
        "(alice, bob, carol)"
    )
    assert gold(corpus).read_bytes() == before
    code, _out, err = run(
        capsys, "adjudicate", str(corpus), "--auto", "--min-votes", "2", "--annotators", "alice,bob"
    )
    assert code == 0
    code, _out, err = run(
        capsys, "adjudicate", str(corpus), "--auto", "--min-votes", "3", "--annotators", "alice,bob"
    )
    assert code == 1
    assert "--min-votes 3 is more than the 2 annotator(s) compared (alice, bob)" in one_error(err)


def test_dry_run_lines_say_what_would_be_done(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "adjudicate", str(corpus), "--auto", "--dry-run")
    assert code == 0
    lines = out.splitlines()
    assert lines and all(": would create: " in line for line in lines)
    assert err.startswith("would write 8 new")
    assert not gold(corpus).exists()
    assert run(capsys, "adjudicate", str(corpus), "--auto", "--min-votes", "2")[0] == 0
    code, out, _err = run(capsys, "adjudicate", str(corpus), "--auto", "--dry-run")
    assert code == 0
    assert out and all(": would update: " in line for line in out.splitlines())
    code, out, _err = run(capsys, "adjudicate", str(corpus), "--auto")
    assert out and all(": updated: " in line for line in out.splitlines())


# -- nothing to compare (F20), numeric options ---------------------------------------------------


@pytest.fixture
def apart(tmp_path: Path) -> Path:
    """alice and bob never annotated the same document."""
    text = "Mayor Ana Ruiz said the bridge opens."
    return build_project(
        tmp_path / "p",
        {"d1": text, "d2": text},
        {"alice": {"d1": [(6, 14, "speaker")]}, "bob": {"d2": [(6, 14, "speaker")]}},
    ).root


def test_no_comparable_document_is_one_line_and_exit_1(
    apart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for output in ("table", "csv"):
        code, out, err = run(capsys, "agreement", str(apart), "--format", output)
        assert code == 1
        assert out == ""
        assert one_error(err) == (
            "annotator: error: no document was annotated by two or more of alice, bob"
        )


def test_no_comparable_document_in_json_is_still_a_report_with_the_reason(
    apart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "agreement", str(apart), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["error"] == "no document was annotated by two or more of alice, bob"
    assert data["documents"]["counted"] == 0
    assert [item["doc_id"] for item in data["documents"]["excluded"]] == ["d1", "d2"]
    assert one_error(err).endswith(data["error"])


def test_no_usable_document_names_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = many_documents(tmp_path / "p")
    for path in (root / "documents").iterdir():
        path.write_text("Changed since.", encoding="utf-8")
    code, _out, err = run(capsys, "agreement", str(root))
    assert code == 1
    error = one_error(err)
    assert "no document has usable records by two or more of alice, bob (20 excluded" in error
    assert "text_sha256 differs" in error


@pytest.mark.parametrize("value", ["0", "-3"])
def test_jobs_below_one_is_refused(
    corpus: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    code, out, err = run(capsys, "agreement", str(corpus), "--jobs", value)
    assert code == 1 and out == ""
    assert one_error(err) == f"annotator: error: --jobs must be at least 1, got {value}"


def test_min_votes_below_one_is_refused(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "adjudicate", str(corpus), "--auto", "--min-votes", "0")
    assert code == 1
    assert one_error(err) == "annotator: error: --min-votes must be at least 1, got 0"
    assert not gold(corpus).exists()


def test_a_torn_final_line_is_a_warning_printed_first(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A crash (or a save under way) leaves a torn last line: the record's previous version is
    used, and both commands say so before anything else."""
    bob = corpus / "annotations" / "bob.jsonl"
    lines = bob.read_text(encoding="utf-8").splitlines()
    bob.write_text("\n".join(lines) + "\n" + lines[0][:50], encoding="utf-8")
    torn = f"warning: {bob}:{len(lines) + 1}: incomplete final line"
    code, out, err = run(capsys, "agreement", str(corpus))
    assert code == 0
    assert err.splitlines()[0].startswith(torn)
    assert "incomplete final line" not in out
    code, _out, err = run(capsys, "adjudicate", str(corpus), "--auto", "--dry-run")
    assert code == 0
    assert err.splitlines()[0].startswith(torn)


def test_an_empty_annotation_file_is_no_annotator_to_compare(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Someone opened the app and saved nothing (QA F19): their empty file is not an annotator
    in the agreement, unless named with --annotators."""
    code, before, _ = run(capsys, "agreement", str(corpus), "--format", "json")
    assert code == 0
    (corpus / "annotations" / "t2.jsonl").write_bytes(b"")
    code, after, _ = run(capsys, "agreement", str(corpus), "--format", "json")
    assert code == 0 and after == before
    assert "t2" not in orjson.loads(after)["annotators"]
    code, _, err = run(capsys, "agreement", str(corpus), "--annotators", "alice,t2")
    assert code == 1 and "no document was annotated by two or more of alice, t2" in err
