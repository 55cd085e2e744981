"""`annotator validate`, `stats`, `init` and `schema` as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.model.records import Status
from annotator.store.annotations import AnnotationFile, encode_record

from .helpers import ARTICLE, article_record, make_project

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def good_project(root: Path) -> Path:
    make_project(root, {"a1": ARTICLE, "a2": ARTICLE.upper()})
    for name in ("alice", "bob"):
        with AnnotationFile(root / "annotations" / f"{name}.jsonl", name, writable=True) as file:
            file.save(article_record(name))
    return root


def test_validate_good_project_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = good_project(tmp_path / "p")
    code, out, err = run(capsys, "validate", str(project))
    assert (code, out) == (0, "")
    assert "2 document(s), 2 annotation file(s), 2 record(s): no problems" in err


def test_validate_corrupted_copy_exits_1_with_file_line_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = good_project(tmp_path / "p")
    alice = project / "annotations" / "alice.jsonl"
    record = article_record()
    moved = record.model_dump(mode="json")
    moved["spans"][0]["start"] += 1
    moved["spans"][0]["end"] += 1
    moved["doc_id"] = "a2"
    alice.write_bytes(
        encode_record(record) + b"{broken\n" + json.dumps(moved).encode() + b"\n" + b'{"doc'
    )
    code, out, err = run(capsys, "validate", str(project))
    assert code == 1
    lines = out.splitlines()
    assert f"{alice}:2: not valid JSON" in out
    assert any(line.startswith(f"{alice}:3: text_sha256: document 'a2' changed") for line in lines)
    assert any(line.startswith(f"{alice}:4: incomplete final line") for line in lines)
    assert all(line.startswith(f"{alice}:") for line in lines)
    assert "problem(s)" in err


def test_validate_reports_span_text_mismatch_with_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = good_project(tmp_path / "p")
    bob = project / "annotations" / "bob.jsonl"
    value = article_record("bob").model_dump(mode="json")
    value["spans"][0]["text"] = "Ana Ruis"
    bob.write_text(json.dumps(value) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(project))
    assert code == 1
    assert out.splitlines() == [
        f"{bob}:1: spans[0].text: text 'Ana Ruis' does not match the document there ('Ana Ruiz')"
    ]


def test_validate_reports_documents_and_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = good_project(tmp_path / "p")
    (project / "documents" / "bad.txt").write_bytes(b"\xff")
    code, out, _ = run(capsys, "validate", str(project))
    assert code == 1
    assert out == f"{project / 'documents' / 'bad.txt'}: invalid UTF-8 at byte offset 0\n"
    (project / "annotator.toml").write_text("labels = [\n", encoding="utf-8")
    code, out, err = run(capsys, "validate", str(project))
    assert code == 1
    assert err.startswith(f"annotator: error: {project / 'annotator.toml'}:")
    assert len(err.splitlines()) == 1


def test_validate_not_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "nowhere"))
    assert code == 1
    assert (
        err
        == f"annotator: error: {tmp_path / 'nowhere'}: not a project folder (no such directory)\n"
    )


def test_stats_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = good_project(tmp_path / "p")
    code, out, _ = run(capsys, "stats", str(project), "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["documents"] == 2
    assert stats["annotators"]["alice"]["spans"] == {
        "speaker": 1,
        "claim": 1,
        "entity": 1,
        "event": 0,
    }
    assert stats["annotators"]["bob"]["not_started"] == 1


def test_stats_read_by_msgspec_count_what_the_models_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`stats` reads records the models would accept with msgspec (12.5 -> 4.9 s at 100,000
    documents); records it cannot vouch for go to the models, so the figures are the same, and
    a bad record still stops it with its file and line."""
    project = good_project(tmp_path / "p")
    record = article_record("alice").model_copy(
        update={"doc_id": "a2", "seconds_spent": 12.5, "status": Status.done}
    )
    with AnnotationFile(project / "annotations" / "alice.jsonl", "alice", writable=True) as file:
        file.save(record)
    with (project / "annotations" / "bob.jsonl").open("ab") as handle:
        line = json.loads(encode_record(article_record("bob")))
        line.update(doc_id="a2", cursor=3.0)  # the models take 3.0; msgspec leaves it to them
        handle.write(json.dumps(line).encode() + b"\n")
    read: list[str] = []
    from annotator.cli import project as project_command
    from annotator.formats import fast_records

    def counted(line: bytes) -> object:
        found = fast_records.model_record(line)
        read.append("msgspec" if found is not None else "models")
        return found

    monkeypatch.setattr(project_command, "model_record", counted)
    code, fast, _ = run(capsys, "stats", str(project), "--json")
    assert code == 0 and sorted(read) == ["models", "msgspec", "msgspec", "msgspec"]
    monkeypatch.setattr(project_command, "model_record", lambda line: None)
    code, models, _ = run(capsys, "stats", str(project), "--json")
    assert code == 0 and fast == models
    stats = json.loads(fast)["annotators"]
    assert stats["alice"]["status"]["done"] == 1 and stats["alice"]["seconds_spent"] == 12.5
    assert stats["bob"]["records"] == 2
    with (project / "annotations" / "bob.jsonl").open("ab") as handle:
        line = json.loads(encode_record(article_record("bob")))
        line["spans"][0]["end"] = line["spans"][0]["start"]
        handle.write(json.dumps(line).encode() + b"\n")
    monkeypatch.setattr(project_command, "model_record", fast_records.model_record)
    code, _, err = run(capsys, "stats", str(project), "--json")
    assert code == 1 and "bob.jsonl:3" in err and "end" in err


def test_validate_words_the_same_problems_when_it_vouches_for_good_records_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`validate` lets the export's check vouch for records (23 -> 8 s at 100,000 documents);
    what it cannot vouch for is checked the careful way, so the report is the same."""
    project = good_project(tmp_path / "p")
    base = json.loads(encode_record(article_record("carol")))
    bad = {
        "a2": {**base, "doc_id": "a2"},  # the text of a1: its hash and spans do not fit a2
        "gone": {**base, "doc_id": "gone"},  # no such document
        "a1": {**base, "spans": [{**base["spans"][0], "label": "person"}, *base["spans"][1:]]},
    }
    with (project / "annotations" / "carol.jsonl").open("wb") as handle:
        for value in bad.values():
            handle.write(json.dumps(value).encode() + b"\n")
    with (project / "annotations" / "dan.jsonl").open("wb") as handle:
        handle.write(encode_record(article_record("dan")))
        broken = {**base, "annotator": "dan", "doc_id": "a2", "cursor": -1}
        handle.write(json.dumps(broken).encode() + b"\n")
    from annotator.formats.fast_records import RecordRules

    vouched: list[bool] = []
    stored = RecordRules.stored

    def counted(self: RecordRules, line: bytes, text: str, digest: str) -> object:
        found = stored(self, line, text, digest)
        vouched.append(found is not None)
        return found

    monkeypatch.setattr(RecordRules, "stored", counted)
    quick = run(capsys, "validate", str(project))
    assert vouched.count(True) == 3  # alice's, bob's and dan's good records
    monkeypatch.setattr(RecordRules, "stored", lambda *args: None)
    careful = run(capsys, "validate", str(project))
    assert quick == careful
    code, out, err = quick
    assert code == 1
    assert "2 document(s), 4 annotation file(s), 6 record(s): 5 problem(s)" in err
    assert "carol.jsonl:3" in out and "'person'" in out and "dan.jsonl:2" in out


def test_init_copies_documents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.txt"
    source.write_text("text", encoding="utf-8")
    code, _, _ = run(capsys, "init", str(tmp_path / "p"), str(source))
    assert code == 0
    assert (tmp_path / "p" / "documents" / "in.txt").read_text(encoding="utf-8") == "text"
    code, _, err = run(capsys, "init", str(tmp_path / "p"), str(source))
    assert code == 1 and "already in the project" in err
    code, _, err = run(capsys, "init", str(tmp_path / "q"), str(tmp_path / "none.txt"))
    assert code == 1 and "no such file" in err


def test_schema_output_equals_committed_schemas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(capsys, "schema", "--out", str(tmp_path))
    assert code == 0
    generated = sorted(path.name for path in tmp_path.iterdir())
    committed = sorted(path.name for path in (ROOT / "schemas").glob("*.json"))
    assert generated == committed
    for name in generated:
        assert (tmp_path / name).read_text(encoding="utf-8") == (ROOT / "schemas" / name).read_text(
            encoding="utf-8"
        ), f"schemas/{name} is stale: run `annotator schema`"


def test_sample_corpus_validates(tmp_path: Path) -> None:
    copy = tmp_path / "sample"
    shutil.copytree(ROOT / "sample_corpus", copy)
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "validate", str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_stats_lists_the_notes_of_flagged_and_skipped_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA F31: a flag note (why an annotator set a document aside) is for the lead to read."""
    project = good_project(tmp_path / "p")
    with AnnotationFile(project / "annotations" / "bob.jsonl", "bob", writable=True) as file:
        file.save(
            article_record("bob").model_copy(
                update={"status": Status.flagged, "note": "Is a [bold]quote[/] a claim?"}
            )
        )
        file.save(
            article_record("bob").model_copy(
                update={"doc_id": "a2", "status": Status.done, "note": "done, no question"}
            )
        )
    code, out, _ = run(capsys, "stats", str(project), "--json")
    assert code == 0
    assert json.loads(out)["notes"] == [
        {
            "doc_id": "a1",
            "annotator": "bob",
            "status": "flagged",
            "note": "Is a [bold]quote[/] a claim?",
        }
    ]
    code, out, _ = run(capsys, "stats", str(project))
    assert code == 0
    assert "notes of flagged and skipped documents" in out
    assert "Is a [bold]quote[/] a claim?" in " ".join(out.split())  # shown, not parsed
    assert "done, no question" not in out
