"""The export reads the corpus file by file and finds records by the hash of their id: what it
writes and refuses must be what the whole index gives, and what it holds must not grow with the
corpus (guarded by counting structures, not by timing)."""

from __future__ import annotations

import gc
import itertools
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.cli import main
from annotator.formats.common import Selection, iter_items
from annotator.formats.exporting import ExportOptions, run_export
from annotator.formats.summary import Summary
from annotator.model.delta import RecordDelta, apply
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Span, Status
from annotator.model.text import text_sha256
from annotator.store import corpus_stream, record_lookup
from annotator.store.annotations import AnnotationFile, encode_record
from annotator.store.corpus import Corpus
from annotator.store.index_cache import json_pieces
from annotator.store.jsonl import LineBlock, RawLineStream
from annotator.store.project import Project, init_project


def text_of(number: int) -> str:
    return f"Ana met Bo number {number}. Bo left."


def record(
    doc_id: str, number: int, *, status: Status = Status.done, note: str = ""
) -> AnnotationRecord:
    text = text_of(number)
    return AnnotationRecord(
        doc_id=doc_id,
        annotator="alice",
        text_sha256=text_sha256(text),
        spans=[Span(id="s0", start=0, end=3, label="entity", text="Ana")],
        status=status,
        note=note,
    )


def make_corpus(root: Path, files: int = 3, per_file: int = 4) -> list[str]:
    """``files`` JSONL files of ``per_file`` documents, and one .txt document; the ids in
    corpus order."""
    init_project(root, [])
    ids: list[str] = []
    for file in range(files):
        lines = []
        for row in range(per_file):
            number = file * per_file + row
            lines.append(orjson.dumps({"id": f"d{number}", "text": text_of(number)}))
            ids.append(f"d{number}")
        (root / "documents" / f"part-{file}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (root / "documents" / "zz").mkdir()
    (root / "documents" / "zz" / "note.txt").write_text(text_of(99), encoding="utf-8")
    ids.append("zz/note")
    return ids


def export_lines(root: Path, kind: str = "jsonl") -> list[dict[str, Any]]:
    out = root.parent / f"out.{kind}"
    run_export(
        Project(root, index_corpus=False),
        kind,
        out,
        Selection(annotators=("alice",)),
        ExportOptions(force=True),
    )
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def test_records_out_of_order_superseded_and_patched_come_out_as_the_full_index_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    ids = make_corpus(root)
    path = root / "annotations" / "alice.jsonl"
    # a record patched: saved whole, then with a delta (a patch line), the bytes kept before
    # closing compacts them
    monkeypatch.setattr(AnnotationFile, "PATCH_MIN_BYTES", 0)
    monkeypatch.setattr(AnnotationFile, "PATCH_MAX_SHARE", 100.0)
    base = record("d5", 5)
    added = Span(id="s1", start=8, end=10, label="entity", text="Bo")
    delta = RecordDelta(spans_set=(added,))
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(base)
        annotations.save(apply(base, delta), delta)
        journal = path.read_bytes()
    assert b'"patch":1' in journal
    lines = [
        encode_record(record("d9", 9)),  # out of corpus order
        encode_record(record("zz/note", 99, status=Status.flagged)),
        encode_record(record("d1", 1, note="first")),
        journal,
        encode_record(record("d1", 1, note="second")),  # supersedes the first
        encode_record(record("d0", 0, status=Status.skipped)),
    ]
    path.write_bytes(b"".join(lines))

    expected = []
    with Project(root).annotations("alice") as full:
        for doc_id in ids:
            found = full.get(doc_id)
            if found is not None:
                expected.append(found)
    written = export_lines(root)
    assert [line["id"] for line in written] == [r.doc_id for r in expected]
    assert [line["id"] for line in written] == ["d0", "d1", "d5", "d9", "zz/note"]
    for line, found in zip(written, expected, strict=True):
        assert line["status"] == found.status.value
        assert line["spans"] == [span.model_dump(mode="json") for span in found.spans]
    by_id = {line["id"]: line for line in written}
    assert [span["id"] for span in by_id["d5"]["spans"]] == ["s0", "s1"]  # the patch folded


def test_a_document_id_in_two_files_stops_the_export_naming_both_places(tmp_path: Path) -> None:
    root = tmp_path / "p"
    make_corpus(root)
    (root / "documents" / "part-2.jsonl").write_bytes(
        orjson.dumps({"id": "d1", "text": "again"}) + b"\n"
    )
    (root / "annotations" / "alice.jsonl").write_bytes(encode_record(record("d0", 0)))
    out = tmp_path / "out.jsonl"
    with pytest.raises(
        AnnotatorError, match=r"duplicate document id 'd1' \(first defined at .*part-0.jsonl:2\)"
    ) as caught:
        run_export(
            Project(root, index_corpus=False), "jsonl", out, Selection(("alice",)), ExportOptions()
        )
    assert "part-2.jsonl:1" in str(caught.value)
    assert not out.exists()


def replace_line(path: Path, index: int, line: bytes) -> None:
    """Line ``index`` (0-based) of the corpus file ``path`` becomes ``line``."""
    lines = path.read_bytes().splitlines()
    lines[index] = line
    path.write_bytes(b"\n".join(lines) + b"\n")


def test_a_bad_line_mid_file_stops_the_cli_export_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    make_corpus(root)
    replace_line(root / "documents" / "part-1.jsonl", 2, b'{"id": "broken", "text": ')
    (root / "annotations" / "alice.jsonl").write_bytes(encode_record(record("d0", 0)))
    out = tmp_path / "out.jsonl"
    code = main(["export", str(root), "--annotator", "alice", "--out", str(out), "--no-progress"])
    assert code != 0
    assert "part-1.jsonl:3" in capsys.readouterr().err
    assert not out.exists()


def test_the_export_never_indexes_the_whole_corpus_and_holds_one_file_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    ids = make_corpus(root, files=6, per_file=3)
    (root / "annotations" / "alice.jsonl").write_bytes(
        b"".join(encode_record(record(doc_id, int(doc_id[1:]))) for doc_id in ids[:-1])
    )

    def whole_scan(self: Corpus) -> None:
        raise AssertionError("the whole corpus was indexed")

    monkeypatch.setattr(Corpus, "_scan", whole_scan)
    alive: list[weakref.ref[Corpus]] = []
    most = 0
    original = Corpus.of_file.__func__  # type: ignore[attr-defined]

    def of_file(cls: type[Corpus], /, *args: object, **kwargs: object) -> Corpus:
        nonlocal most
        part: Corpus = original(cls, *args, **kwargs)
        alive.append(weakref.ref(part))
        most = max(most, sum(1 for ref in alive if ref() is not None))
        return part

    monkeypatch.setattr(Corpus, "of_file", classmethod(of_file))
    gc.disable()  # freed by reference counts alone, not by a collection
    try:
        written = export_lines(root)
    finally:
        gc.enable()
    assert [line["id"] for line in written] == ids[:-1]
    assert len(alive) == 7  # six JSONL files and the .txt
    assert most == 1  # never two files' indexes at once


def test_the_record_index_of_an_export_keeps_no_document_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    ids = make_corpus(root)
    (root / "annotations" / "alice.jsonl").write_bytes(
        b"".join(encode_record(record(doc_id, int(doc_id[1:]))) for doc_id in ids[:-1])
    )
    cache = root / ".annotator-cache"
    scans: list[Path] = []
    blocks = RawLineStream.blocks

    def counted(self: RawLineStream) -> Iterator[LineBlock]:
        scans.append(self.path)
        return blocks(self)

    monkeypatch.setattr(RawLineStream, "blocks", counted)
    for attempt in range(2):  # scanned (and cached), then from the index cache
        before = sorted(cache.glob("annotations-*")) if cache.exists() else []
        with Project(root, index_corpus=False).annotations("alice", hashed=True) as hashed:
            assert len(sorted(cache.glob("annotations-*"))) == 1  # stored by the first
            assert (before == []) == (attempt == 0)
            # the file itself read only the first time: then its index comes from the cache
            assert scans.count(hashed.path) == 1
            entries = hashed.entries
            assert isinstance(entries, record_lookup.HashedRecordIndex)
            assert len(entries) == len(ids) - 1
            assert not entries._rows  # no id kept
            with pytest.raises(TypeError):
                list(entries)
            assert entries.get("d3") is not None and entries.get("d3").line == 4  # type: ignore[union-attr]
            assert entries.get("nope") is None


def test_ids_that_share_a_hash_are_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    ids = make_corpus(root)
    (root / "annotations" / "alice.jsonl").write_bytes(
        b"".join(
            encode_record(record(doc_id, int(doc_id[1:]), note=f"note of {doc_id}"))
            for doc_id in ids[:-1]
        )
    )

    def same_hash(value: str) -> int:
        return 7 if value in ("d2", "d6", "d10") else hash(value)

    monkeypatch.setattr(record_lookup, "hash", same_hash, raising=False)
    monkeypatch.setattr(corpus_stream, "hash", same_hash, raising=False)
    written = export_lines(root)
    assert [line["id"] for line in written] == ids[:-1]
    with Project(root, index_corpus=False).annotations("alice", hashed=True) as hashed:
        assert isinstance(hashed.entries, record_lookup.HashedRecordIndex)
        assert hashed.entries._shared == {7}  # told apart by name, read back from the file
        for doc_id in ("d2", "d6", "d10"):
            entry = hashed.entries.get(doc_id)
            assert entry is not None
            assert orjson.loads(hashed.read_line(entry))["doc_id"] == doc_id


def test_json_pieces_cut_only_between_strings() -> None:
    values = ['a",', "b\\", '","', "x" * 30, "ok", ""] * 50
    data = orjson.dumps(values)
    pieces = list(json_pieces(data, 40))
    assert len(pieces) > 10
    assert [value for piece in pieces for value in orjson.loads(piece)] == values
    assert list(json_pieces(b"[]")) == []


def test_the_hash_set_finds_a_hash_met_before_across_growth() -> None:
    seen = corpus_stream.HashSet()
    assert seen.add_all(range(-5000, 5000, 3))  # grows several times; 0 is a member too
    assert len(seen) == len(range(-5000, 5000, 3))
    assert not seen.add_all([7, 4999])  # 7 is new, 4999 (= -5000 + 3 * 3333) is not
    assert seen.add_all([8])
    sized = corpus_stream.HashSet()
    sized.expect(10_000)
    assert sized.add_all(range(10_000)) and not sized.add_all([0]) and not sized.add_all([1])


def one_big_file(root: Path, count: int = 30) -> list[str]:
    """A corpus kept as one JSONL file of ``count`` documents (each record annotated)."""
    init_project(root, [])
    ids = [f"d{number}" for number in range(count)]
    (root / "documents" / "all.jsonl").write_bytes(
        b"".join(
            orjson.dumps({"id": doc_id, "title": f"T{n}", "text": text_of(n)}) + b"\n"
            for n, doc_id in enumerate(ids)
        )
    )
    (root / "annotations" / "alice.jsonl").write_bytes(
        b"".join(encode_record(record(doc_id, n)) for n, doc_id in enumerate(ids))
    )
    return ids


def in_stretches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read any file of more than 100 bytes a stretch of ~200 bytes (a few lines) at a time."""
    monkeypatch.setattr(corpus_stream.CorpusStream, "PIECE_FILE_BYTES", 100)
    monkeypatch.setattr(corpus_stream.CorpusStream, "PIECE_BYTES", 200)
    monkeypatch.setattr(RawLineStream, "BLOCK_SIZE", 64)  # a line or two a block


def test_a_big_file_is_exported_a_stretch_at_a_time_as_it_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    ids = one_big_file(root)
    whole = export_lines(root)
    assert [line["id"] for line in whole] == ids
    in_stretches(monkeypatch)
    alive: list[weakref.ref[Corpus]] = []
    most = 0
    original = Corpus.of_columns.__func__  # type: ignore[attr-defined]

    def of_columns(cls: type[Corpus], /, *args: object) -> Corpus:
        nonlocal most
        part: Corpus = original(cls, *args)
        alive.append(weakref.ref(part))
        most = max(most, sum(1 for ref in alive if ref() is not None))
        return part

    monkeypatch.setattr(Corpus, "of_columns", classmethod(of_columns))
    ticks: list[int] = []
    stream = Project(root, index_corpus=False).corpus_stream()
    stretches = [(start, end, len(part)) for part, start, end in stream.parts()]
    assert len(stretches) > 5
    assert stretches[0][0] == 0 and stretches[-1][1] == stream.total_bytes()
    assert all(a[1] == b[0] for a, b in itertools.pairwise(stretches))  # no gap, no overlap
    assert sum(count for _, _, count in stretches) == len(ids)
    alive.clear()  # (the loop above held each stretch while it made the next)
    most = 0
    gc.disable()  # freed by reference counts alone, not by a collection
    try:
        summary = Summary()
        items = list(
            iter_items(
                Project(root, index_corpus=False),
                Selection(annotators=("alice",)),
                summary,
                ticks.append,
            )
        )
        assert export_lines(root) == whole  # the same bytes as the file read whole
    finally:
        gc.enable()
    assert [item.document.id for item in items] == ids
    assert [item.document.title for item in items] == [f"T{n}" for n in range(len(ids))]
    assert most == 1  # one stretch's index at a time
    assert sum(ticks) == stream.total_bytes() and min(ticks) > 0


def test_a_document_id_twice_in_a_big_file_stops_the_export_naming_both_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    one_big_file(root)
    path = root / "documents" / "all.jsonl"
    path.write_bytes(path.read_bytes() + orjson.dumps({"id": "d2", "text": "again"}) + b"\n")
    in_stretches(monkeypatch)
    out = tmp_path / "out.jsonl"
    with pytest.raises(
        AnnotatorError,
        match=r"all.jsonl:31: duplicate document id 'd2' \(first defined at .*all.jsonl:3\)",
    ):
        run_export(
            Project(root, index_corpus=False), "jsonl", out, Selection(("alice",)), ExportOptions()
        )
    assert not out.exists()


def test_a_bad_line_late_in_a_big_file_stops_the_cli_export_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    one_big_file(root)
    replace_line(root / "documents" / "all.jsonl", 26, b'{"id": "broken", "text": 5}')
    in_stretches(monkeypatch)
    out = tmp_path / "out.jsonl"
    code = main(["export", str(root), "--annotator", "alice", "--out", str(out), "--no-progress"])
    assert code != 0
    assert "all.jsonl:27: document 'broken': missing string field 'text'" in capsys.readouterr().err
    assert not out.exists()
