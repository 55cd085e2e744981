"""The annotation journal: save/get, the lock, torn-line recovery, never writing a bad file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from annotator.model.config import ProjectConfig
from annotator.model.errors import AnnotatorError
from annotator.model.records import Status
from annotator.model.validate import check_record
from annotator.store.annotations import AnnotationFile, encode_record
from annotator.store.project import Project

from .helpers import ARTICLE, article_record, make_project, make_record


def test_save_then_reopen_gives_the_last_record_per_document(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    first = article_record()
    second = first.model_copy(update={"status": Status.done, "note": "checked"})
    other = make_record("x", doc_id="a2")
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(first)
        annotations.save(other)
        annotations.save(second)
        assert annotations.get("a1") == second
    reopened = AnnotationFile(path, "alice")
    assert reopened.get("a1") == second
    assert reopened.get("a2") == other
    assert reopened.status("a1") is Status.done
    assert sorted(record.doc_id for _, record in reopened.iter_records()) == ["a1", "a2"]
    # closing compacted the superseded line away
    assert len(path.read_bytes().splitlines()) == 2


def test_read_only_file_refuses_to_save(tmp_path: Path) -> None:
    annotations = AnnotationFile(tmp_path / "alice.jsonl", "alice")
    with pytest.raises(AnnotatorError, match="read-only"):
        annotations.save(article_record())


def test_record_of_another_annotator_is_refused(tmp_path: Path) -> None:
    annotations = AnnotationFile(tmp_path / "alice.jsonl", "alice", writable=True)
    with annotations, pytest.raises(AnnotatorError, match="'bob'"):
        annotations.save(article_record("bob"))


HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from annotator.store.annotations import AnnotationFile
    handle = AnnotationFile(Path(sys.argv[1]), sys.argv[2], writable=True)
    print("locked", flush=True)
    sys.stdin.readline()
    handle.close()
    """
)


def hold_lock(path: Path, annotator: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), annotator],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.close()
    assert holder.wait(timeout=30) == 0


def test_second_writer_is_refused_naming_the_holder_pid(tmp_path: Path) -> None:
    path = tmp_path / "annotations" / "alice.jsonl"
    holder = hold_lock(path, "alice")
    try:
        with pytest.raises(AnnotatorError) as caught:
            AnnotationFile(path, "alice", writable=True)
        assert f"process {holder.pid}" in str(caught.value)
        assert str(caught.value).startswith(f"{path}: already open for writing")
        # reading while someone writes is fine
        assert len(AnnotationFile(path, "alice")) == 0
        # another annotator writes at the same time
        with AnnotationFile(path.with_name("bob.jsonl"), "bob", writable=True) as bob:
            bob.save(article_record("bob"))
    finally:
        release(holder)
    with AnnotationFile(path, "alice", writable=True) as alice:
        alice.save(article_record())


def test_lock_of_a_killed_process_is_released(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    holder = hold_lock(path, "alice")
    holder.kill()
    holder.wait(timeout=30)
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(article_record())


def test_same_process_twice_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    with AnnotationFile(path, "alice", writable=True), pytest.raises(AnnotatorError):
        AnnotationFile(path, "alice", writable=True)


def lines_of(count: int) -> bytes:
    return b"".join(encode_record(article_record(doc_id=f"d{index}")) for index in range(count))


def test_torn_final_line_is_reported_set_aside_and_cut(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    intact = lines_of(3)
    torn = encode_record(article_record(doc_id="d9"))[:57]
    path.write_bytes(intact + torn)

    reader = AnnotationFile(path, "alice")
    assert sorted(reader.entries) == ["d0", "d1", "d2"]
    assert reader.problems == []
    assert [w.line for w in reader.warnings] == [4]
    assert "torn" in str(reader.warnings[0])
    assert path.read_bytes() == intact + torn  # reading never changes the file

    with AnnotationFile(path, "alice", writable=True) as writer:
        writer.save(article_record(doc_id="d3"))
    sides = list(tmp_path.glob("alice.jsonl.torn-*"))
    assert [side.read_bytes() for side in sides] == [torn]
    after = AnnotationFile(path, "alice")
    assert after.problems == [] and after.warnings == []
    assert sorted(after.entries) == ["d0", "d1", "d2", "d3"]
    for _line, record in after.iter_records():
        assert check_record(record, ARTICLE, ProjectConfig()) == []


def test_unterminated_but_complete_final_line_is_kept_and_not_merged(tmp_path: Path) -> None:
    """A file whose last line lacks its newline (edited by hand) must not glue the next save."""
    path = tmp_path / "alice.jsonl"
    path.write_bytes(lines_of(2)[:-1])
    with AnnotationFile(path, "alice", writable=True) as writer:
        writer.save(article_record(doc_id="d5"))
        assert sorted(writer.entries) == ["d0", "d1", "d5"]
    reader = AnnotationFile(path, "alice")
    assert reader.problems == [] and reader.warnings == []
    assert sorted(reader.entries) == ["d0", "d1", "d5"]


def test_unterminated_line_without_close(tmp_path: Path) -> None:
    """Same, when the process dies before close (no compaction to hide the damage)."""
    path = tmp_path / "alice.jsonl"
    path.write_bytes(lines_of(1)[:-1])
    writer = AnnotationFile(path, "alice", writable=True)
    writer.save(article_record(doc_id="d5"))
    reader = AnnotationFile(path, "alice")
    assert reader.problems == []
    assert sorted(reader.entries) == ["d0", "d5"]
    writer.close()


@pytest.mark.parametrize(
    "bad_line",
    [
        b"{not json",
        b'["a list"]',
        b'{"annotator": "alice"}',
        b'{"doc_id": "x", "annotator": "bob"}',
    ],
)
def test_file_with_a_bad_middle_line_is_never_written(tmp_path: Path, bad_line: bytes) -> None:
    path = tmp_path / "alice.jsonl"
    content = lines_of(1) + bad_line + b"\n" + lines_of(2)
    path.write_bytes(content)
    reader = AnnotationFile(path, "alice")
    assert [problem.line for problem in reader.problems] == [2]
    with pytest.raises(AnnotatorError) as caught:
        AnnotationFile(path, "alice", writable=True)
    assert "will not be written to" in str(caught.value)
    assert "line 2" in str(caught.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == [".alice.jsonl.lock", "alice.jsonl"]


def test_compaction_keeps_every_current_record(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    expected = {}
    with AnnotationFile(path, "alice", writable=True) as writer:
        for round_number in range(40):
            for index in range(5):
                record = article_record(doc_id=f"d{index}").model_copy(
                    update={"note": f"round {round_number}"}
                )
                writer.save(record)
                expected[record.doc_id] = record
            if round_number % 7 == 0:
                writer.compact()
                assert len(path.read_bytes().splitlines()) == 5
            assert {doc: writer.get(doc) for doc in expected} == expected
    reader = AnnotationFile(path, "alice")
    assert {record.doc_id: record for _, record in reader.iter_records()} == expected


def test_project_annotation_paths(tmp_path: Path) -> None:
    project = Project(make_project(tmp_path / "p"))
    assert project.annotation_path("alice") == tmp_path / "p" / "annotations" / "alice.jsonl"
    with project.annotations("alice", writable=True) as alice:
        alice.save(article_record())
    (tmp_path / "p" / "annotations" / ".hidden.jsonl").write_text("", encoding="utf-8")
    assert project.annotators() == ["alice"]


def test_index_of_many_documents_holds_no_object_per_document(tmp_path: Path) -> None:
    """Memory: the index keeps parallel arrays; entries are made when asked for."""
    import gc

    from annotator.store.annotations import RecordEntry

    path = tmp_path / "alice.jsonl"
    path.write_bytes(lines_of(3000))
    reader = AnnotationFile(path, "alice")
    gc.collect()
    assert sum(isinstance(item, RecordEntry) for item in gc.get_objects()) == 0
    assert len(reader.entries) == 3000 and "d2999" in reader.entries
    entry = reader.entries.get("d1234")
    assert entry is not None and entry.line == 1235 and entry.patches is None
    assert reader.read_line(entry) == path.read_bytes().splitlines()[1234]
    assert reader.entries.get("nope") is None and reader.status("d7") is not None
    assert list(reader.entries)[:3] == ["d0", "d1", "d2"]
    assert {doc_id: e.status for doc_id, e in reader.entries.items()}["d5"] == reader.status("d5")


def test_a_big_record_saved_whole_again_and_again_does_not_grow_the_file_without_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review saves a book's gold record whole at each decision (19 MB at 10 MB of text):
    the file is compacted once the superseded records outweigh the current ones, not only
    after thousands of superseded lines, and every current record is kept."""
    monkeypatch.setattr(AnnotationFile, "COMPACT_MIN_BYTES", 20_000)
    path = tmp_path / "gold.jsonl"
    big = article_record(doc_id="book")
    small = article_record(doc_id="short")
    one_line = len(encode_record(big))
    with AnnotationFile(path, "alice", writable=True) as writer:
        writer.save(small)
        sizes = []
        for number in range(200):
            record = big.model_copy(update={"note": f"decision {number:03}" + "x" * 2000})
            writer.save(record)
            sizes.append(path.stat().st_size)
        assert max(sizes) < 20_000 + 3 * (one_line + 2100)  # compacted on the way, not at 200
        assert min(sizes[100:]) < 3 * (one_line + 2100)
        assert writer.lines < 200
        assert writer.get("book") == record and writer.get("short") == small
    reader = AnnotationFile(path, "alice")
    assert {doc: reader.get(doc) for doc in ("book", "short")} == {"book": record, "short": small}


def test_many_documents_saved_once_each_are_not_compacted_for_their_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AnnotationFile, "COMPACT_MIN_BYTES", 1_000)
    path = tmp_path / "alice.jsonl"
    with AnnotationFile(path, "alice", writable=True) as writer:
        for index in range(30):
            writer.save(article_record(doc_id=f"d{index}"))
        writer.save(article_record(doc_id="d0").model_copy(update={"note": "again"}))
        assert writer.lines == 31  # one superseded record among 30 current ones: left as is
