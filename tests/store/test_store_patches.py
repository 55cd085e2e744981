"""Patch lines: a large record saved with a RecordDelta appends only what changed.

The folded record must always equal what the caller saved, every reader must see it folded,
and a patch that does not fit its base must be a clear file:line error.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import main
from annotator.model.delta import RecordDelta, apply, diff, span_order
from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Relation, Span, Status
from annotator.model.session import EditingSession
from annotator.model.text import text_sha256
from annotator.store.annotations import AnnotationFile, StoreWriteError, encode_record
from annotator.store.index_cache import IndexCache
from annotator.store.jsonl import RawLineStream
from annotator.store.project import Project, init_project

from .helpers import patch_line_of

WORDS = 1500
TEXT = " ".join(f"w{index:05d}" for index in range(WORDS)) + "\n"
"""An article of 1500 six-letter words: a span on each makes a record of about 100 KB."""


def word(index: int, label: str = "claim", span_id: str | None = None) -> Span:
    start = index * 7
    return Span(
        id=span_id or f"s{index}", start=start, end=start + 6, label=label, text=TEXT[start:][:6]
    )


def big_record(doc_id: str = "big", count: int = WORDS) -> AnnotationRecord:
    spans = [word(index, "speaker" if index % 2 else "claim") for index in range(count)]
    relations = [
        Relation(id=f"r{index}", label="attributed_to", head=f"s{index}", tail=f"s{index + 1}")
        for index in range(0, min(count - 1, 200), 2)
    ]
    return AnnotationRecord(
        doc_id=doc_id,
        annotator="alice",
        text_sha256=text_sha256(TEXT),
        spans=spans,
        relations=relations,
        cursor=0,
    )


def small_record(doc_id: str = "small") -> AnnotationRecord:
    return big_record(doc_id, count=10)


def file_lines(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def edit(record: AnnotationRecord, delta: RecordDelta, **changes: object) -> AnnotationRecord:
    return apply(record, delta).model_copy(update=changes)


def test_large_record_with_a_delta_appends_a_small_patch_line(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    record = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        full = path.stat().st_size
        assert full > AnnotationFile.PATCH_MIN_BYTES
        for number in range(5):
            delta = RecordDelta(spans_set=(word(number, "speaker", f"n{number}"),))
            record = edit(record, delta, note=f"edit {number}", seconds_spent=float(number))
            before = path.stat().st_size
            annotations.save(record, delta)
            written = path.stat().st_size - before
            assert written < 600, written  # one span and the scalar fields, not 100 KB
        assert annotations.get("big") == record
        assert annotations.read_line(annotations.entries["big"]) == encode_record(record)[:-1]
        lines = file_lines(path)
        assert [line.get("patch") for line in lines] == [None, 1, 1, 1, 1, 1]
        assert lines[-1]["note"] == "edit 4" and lines[-1]["span_count"] == WORDS + 5
        # reading without closing (no compaction yet): another process sees the folded record
        reader = AnnotationFile(path, "alice")
        assert reader.get("big") == record
        assert reader.entries["big"].last_line == 6
    # closing compacts: the file is one ordinary full record again
    assert [line.get("patch") for line in file_lines(path)] == [None]
    assert AnnotationFile(path, "alice").get("big") == record


def test_small_record_keeps_one_full_record_per_line_even_with_a_delta(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    record = small_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        delta = RecordDelta(spans_removed=("s9",))
        record = edit(record, delta)
        annotations.save(record, delta)
        lines = file_lines(path)
        assert len(lines) == 2 and all("patch" not in line for line in lines)
        assert AnnotationRecord.model_validate(lines[-1]) == record


def test_first_save_of_a_document_is_always_a_full_record(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    record = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record, RecordDelta(spans_set=tuple(record.spans)))
    assert [line.get("patch") for line in file_lines(path)] == [None]


def test_record_read_back_with_get_accepts_deltas(tmp_path: Path) -> None:
    """The app reads the record with ``get`` and then saves deltas relative to it."""
    path = tmp_path / "alice.jsonl"
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(big_record())
    annotations = AnnotationFile(path, "alice", writable=True)
    record = annotations.get("big")
    assert record is not None
    delta = RecordDelta(spans_removed=("s3",), relations_removed=("r2",))
    record = edit(record, delta)
    annotations.save(record, delta)
    assert [line.get("patch") for line in file_lines(path)] == [None, 1]
    assert AnnotationFile(path, "alice").get("big") == record
    annotations.close()


def test_a_delta_that_does_not_fit_writes_the_whole_record(tmp_path: Path) -> None:
    """A wrong delta from the caller must never reach the file: the store checks it against
    the ids of the saved record and falls back to the full record."""
    path = tmp_path / "alice.jsonl"
    record = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        added = word(7, "speaker", "extra")
        record = edit(record, RecordDelta(spans_set=(added,)))
        annotations.save(record, RecordDelta())  # forgot to say a span was added
        missing = RecordDelta(spans_removed=("no-such-span",))
        annotations.save(record, missing)
        assert [line.get("patch") for line in file_lines(path)] == [None, None, None]
        assert AnnotationFile(path, "alice").get("big") == record


def test_after_a_failed_save_the_next_save_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "alice.jsonl"
    record = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        first = RecordDelta(spans_set=(word(1, "speaker", "lost"),))
        record = edit(record, first)
        real_fsync = os.fsync

        def refuse(fd: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", refuse)
        with pytest.raises(AnnotatorError):
            annotations.save(record, first)
        monkeypatch.setattr(os, "fsync", real_fsync)
        # The caller passes only the newest edit: the store must not trust it alone.
        second = RecordDelta(spans_set=(word(2, "speaker", "kept"),))
        record = edit(record, second)
        annotations.save(record, second)
        assert [line.get("patch") for line in file_lines(path)] == [None, None]
        third = RecordDelta(spans_removed=("lost",))
        record = edit(record, third)
        annotations.save(record, third)
        assert [line.get("patch") for line in file_lines(path)] == [None, None, 1]
        assert AnnotationFile(path, "alice").get("big") == record


def test_chain_of_patches_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AnnotationFile, "PATCH_MAX_CHAIN", 3)
    path = tmp_path / "alice.jsonl"
    record = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        for number in range(8):
            delta = RecordDelta(spans_set=(word(number, "entity", f"c{number}"),))
            record = edit(record, delta)
            annotations.save(record, delta)
        kinds = [line.get("patch") for line in file_lines(path)]
        assert kinds == [None, 1, 1, 1, None, 1, 1, 1, None]
        assert annotations.get("big") == record


def test_patch_bytes_are_capped_by_a_share_of_the_full_record(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    record = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        full = path.stat().st_size
        # a long note in every patch: the patches soon weigh a quarter of the record
        for number in range(12):
            delta = RecordDelta(spans_set=(word(number, "entity", f"c{number}"),))
            record = edit(record, delta, note="n" * 5000 + str(number))
            annotations.save(record, delta)
        entry = annotations.entries["big"]
        patch_bytes = sum(length for _line, _offset, length in entry.patches or [])
        assert patch_bytes <= entry.length * AnnotationFile.PATCH_MAX_SHARE
        assert path.stat().st_size > 2 * full  # some saves were whole
        assert annotations.get("big") == record


def test_compaction_folds_patches_into_full_records(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    record = big_record()
    other = small_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        annotations.save(other)
        for number in range(4):
            delta = RecordDelta(spans_set=(word(number, "entity", f"c{number}"),))
            record = edit(record, delta, status=Status.done)
            annotations.save(record, delta)
        annotations.compact()
        lines = file_lines(path)
        assert [line["doc_id"] for line in lines] == ["big", "small"]
        assert all("patch" not in line for line in lines)
        assert path.read_bytes() == encode_record(record) + encode_record(other)
        assert annotations.get("big") == record and annotations.status("big") == Status.done
        # patching goes on after compaction, on the folded record
        delta = RecordDelta(spans_removed=("c0",))
        record = edit(record, delta)
        annotations.save(record, delta)
        assert [line.get("patch") for line in file_lines(path)] == [None, None, 1]
    assert AnnotationFile(path, "alice").get("big") == record


def test_torn_patch_line_is_set_aside_and_the_record_before_it_kept(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    record = big_record()
    annotations = AnnotationFile(path, "alice", writable=True)
    annotations.save(record)
    delta = RecordDelta(spans_set=(word(1, "speaker", "kept"),))
    kept = edit(record, delta)
    annotations.save(kept, delta)
    delta = RecordDelta(spans_set=(word(2, "speaker", "torn"),))
    annotations.save(edit(kept, delta), delta)
    data = path.read_bytes()
    annotations.close()  # (compacts; the crash is simulated by writing the journal back)
    last = data.rindex(b"\n", 0, len(data) - 1) + 1
    torn = data[: last + 40]
    path.write_bytes(torn)  # a crash in the middle of the last patch line

    reader = AnnotationFile(path, "alice")
    assert reader.problems == []
    assert [warning.line for warning in reader.warnings] == [3]
    assert reader.get("big") == kept
    with AnnotationFile(path, "alice", writable=True) as writer:
        assert writer.get("big") == kept
    sides = list(tmp_path.glob("alice.jsonl.torn-*"))
    assert [side.read_bytes() for side in sides] == [torn[last:]]
    assert AnnotationFile(path, "alice").get("big") == kept


def test_index_cache_keeps_the_patch_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "alice.jsonl"
    record = big_record()
    writer = AnnotationFile(path, "alice", writable=True)
    writer.save(record)
    for number in range(3):
        delta = RecordDelta(spans_set=(word(number, "entity", f"c{number}"),))
        record = edit(record, delta, status=Status.flagged)
        writer.save(record, delta)
    cache = IndexCache(tmp_path / "cache")
    first = AnnotationFile(path, "alice", cache=cache)

    # a file written just now is cached too (with a content check): the second open reads
    # the index from the cache, not the file
    def no_scan(self: RawLineStream) -> None:
        raise AssertionError("the file was scanned again")

    monkeypatch.setattr(RawLineStream, "blocks", no_scan)
    second = AnnotationFile(path, "alice", cache=cache)
    assert second.entries == first.entries
    assert second.status("big") == Status.flagged
    assert second.get("big") == record
    writer.close()


def write_project(root: Path, lines: list[bytes]) -> Path:
    init_project(root, [])
    (root / "documents" / "big.txt").write_text(TEXT, encoding="utf-8")
    path = root / "annotations" / "alice.jsonl"
    path.write_bytes(b"".join(line.rstrip(b"\n") + b"\n" for line in lines))
    return path


def patch_line(**fields: object) -> bytes:
    return patch_line_of(big_record(), 1, **fields)


def run_validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", str(root)])
    return code, capsys.readouterr().out


def test_validate_accepts_good_patch_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = patch_line(spans_set=[word(5, "speaker").model_dump()], spans_after=["s4"], note="ok")
    write_project(tmp_path / "p", [encode_record(big_record()), good])
    assert run_validate(tmp_path / "p", capsys) == (0, "")


@pytest.mark.parametrize(
    ("fields", "line", "expected"),
    [
        (
            {"spans_removed": ["nope"], "span_count": WORDS - 1},
            2,
            "spans_removed[0]: removes 'nope'",
        ),
        ({"span_count": WORDS + 3}, 2, "span_count: says the record has 1503 spans"),
        (
            {
                "spans_set": [{"id": "x", "start": 9, "end": 3, "label": "claim", "text": "abc"}],
                "spans_after": [None],
                "span_count": WORDS + 1,
            },
            2,
            "spans_set[0]: end (3) must be greater",
        ),
        (
            {"spans_set": [word(3).model_dump()], "spans_after": ["gone"]},
            2,
            "spans_after[0]: places 's3' after 'gone', which the record does not have",
        ),
        (
            {"spans_set": [word(3).model_dump()]},
            2,
            "spans_after: expected a list of ids as long as spans_set",
        ),
        ({"colour": "red"}, 2, "colour: unknown field in a patch line"),
        ({"patch": 7}, 2, "patch: unknown patch format 7"),
    ],
)
def test_validate_names_the_bad_patch_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, object],
    line: int,
    expected: str,
) -> None:
    path = write_project(tmp_path / "p", [encode_record(big_record()), patch_line(**fields)])
    code, out = run_validate(tmp_path / "p", capsys)
    assert code == 1
    assert f"{path}:{line}: {expected}" in out, out


def test_a_patch_without_its_base_is_an_error_and_blocks_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_project(tmp_path / "p", [encode_record(small_record()), patch_line()])
    code, out = run_validate(tmp_path / "p", capsys)
    assert code == 1
    assert f"{path}:2: patch: patch line for document 'big' with no full record" in out
    before = path.read_bytes()
    with pytest.raises(AnnotatorError, match="cannot be fully read"):
        AnnotationFile(path, "alice", writable=True)
    assert path.read_bytes() == before


def test_a_bad_span_in_the_base_is_named_on_the_base_line(tmp_path: Path) -> None:
    value = orjson.loads(encode_record(big_record()))
    value["spans"][4]["label"] = ""
    path = write_project(tmp_path / "p", [orjson.dumps(value), patch_line(note="later")])
    with pytest.raises(AnnotatorError) as raised:
        AnnotationFile(path, "alice").get("big")
    assert (raised.value.line, raised.value.field) == (1, "spans[4].label")


# -- the folded record is what was saved, whatever the sequence of edits ----------------------

edits = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "replace", "relate", "unrelate", "status", "none"]),
        st.integers(min_value=0, max_value=WORDS - 1),
    ),
    min_size=1,
    max_size=25,
)


def random_edit(record: AnnotationRecord, kind: str, number: int, step: int) -> RecordDelta:
    spans, relations = record.spans, record.relations
    if kind == "add":
        return RecordDelta(spans_set=(word(number, "entity", f"a{step}"),))
    if kind == "remove" and spans:
        gone = spans[number % len(spans)].id
        dangling = tuple(r.id for r in relations if gone in (r.head, r.tail))
        return RecordDelta(spans_removed=(gone,), relations_removed=dangling)
    if kind == "replace" and spans:
        old = spans[number % len(spans)]
        return RecordDelta(spans_set=(word(number, "speaker", old.id),))
    if kind == "relate" and len(spans) > 1:
        head, tail = spans[number % len(spans)], spans[(number + 1) % len(spans)]
        link = Relation(id=f"l{step}", label="attributed_to", head=head.id, tail=tail.id)
        return RecordDelta(relations_set=(link,))
    if kind == "unrelate" and relations:
        return RecordDelta(relations_removed=(relations[number % len(relations)].id,))
    return RecordDelta()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits)
def test_folded_record_equals_what_was_saved(
    tmp_path_factory: pytest.TempPathFactory, sequence: list[tuple[str, int]]
) -> None:
    path = tmp_path_factory.mktemp("fold") / "alice.jsonl"
    record = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        for step, (kind, number) in enumerate(sequence):
            delta = random_edit(record, kind, number, step)
            status = Status.done if kind == "status" else record.status
            record = edit(record, delta, status=status, cursor=number, seconds_spent=step * 1.5)
            annotations.save(record, delta)
            assert annotations.get("big") == record
        assert annotations.status("big") == record.status
        assert any(line.get("patch") for line in file_lines(path))
        assert annotations.read_line(annotations.entries["big"]) == encode_record(record)[:-1]
        reader = AnnotationFile(path, "alice")
        assert [r for _line, r in reader.iter_records()] == [record]
        assert reader.problems == []
    assert AnnotationFile(path, "alice").get("big") == record


def test_diff_and_apply_agree() -> None:
    old = big_record(count=20)
    moved = [*old.spans[5:], *old.spans[:5]]
    for new_spans in (
        old.spans[3:],
        [*old.spans, word(30)],
        moved,
        [word(2, "speaker", "s0"), *old.spans[1:]],
    ):
        new = old.model_copy(update={"spans": new_spans})
        assert apply(old, diff(old, new)).spans == new_spans


def test_validate_names_the_line_each_bad_span_comes_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Spans that do not match the document: one from the full record, one from a patch."""
    value = orjson.loads(encode_record(big_record()))
    value["spans"][2]["text"] = "XXXXXX"
    bad = word(9, "speaker", "late").model_copy(update={"text": "YYYYYY"})
    path = write_project(
        tmp_path / "p",
        [
            orjson.dumps(value),
            patch_line(note="first"),
            patch_line(spans_set=[bad.model_dump()], spans_after=["s8"], span_count=WORDS + 1),
            patch_line(note="last", span_count=WORDS + 1),
        ],
    )
    code, out = run_validate(tmp_path / "p", capsys)
    assert code == 1
    assert f"{path}:1: spans[2].text: text 'XXXXXX' does not match" in out, out
    assert f"{path}:3: spans[9].text: text 'YYYYYY' does not match" in out, out


def sorted_edit(record: AnnotationRecord, delta: RecordDelta, at: int) -> AnnotationRecord:
    """Like the editing session: spans kept in span_order (a new or moved span lands in the
    middle), a new relation inserted at position ``at`` (as undo puts one back)."""
    changed = apply(record, delta)
    new_relations = {relation.id for relation in delta.relations_set} - {
        relation.id for relation in record.relations
    }
    relations = [r for r in changed.relations if r.id not in new_relations]
    for relation in changed.relations:
        if relation.id in new_relations:
            relations.insert(at % (len(relations) + 1), relation)
    return changed.model_copy(
        update={"spans": sorted(changed.spans, key=span_order), "relations": relations}
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits)
def test_folded_record_keeps_the_saved_order(
    tmp_path_factory: pytest.TempPathFactory, sequence: list[tuple[str, int]]
) -> None:
    path = tmp_path_factory.mktemp("order") / "alice.jsonl"
    record = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        for step, (kind, number) in enumerate(sequence):
            delta = random_edit(record, kind, number, step)
            record = sorted_edit(record, delta, number)
            annotations.save(record, delta)
        assert any(line.get("patch") for line in file_lines(path))
        assert annotations.read_line(annotations.entries["big"]) == encode_record(record)[:-1]
        assert AnnotationFile(path, "alice").get("big") == record
    assert AnnotationFile(path, "alice").get("big") == record


def test_editing_session_deltas_fold_to_what_it_saved(tmp_path: Path) -> None:
    """The real session: tag, delete, link, unlink, undo, redo, with take_delta on each save."""
    root = tmp_path / "p"
    init_project(root, [])
    (root / "documents" / "big.txt").write_text(TEXT, encoding="utf-8")
    project = Project(root)
    document = project.corpus.get("big")
    path = root / "annotations" / "alice.jsonl"
    base = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(base)
    rng = random.Random(5)
    annotations = AnnotationFile(path, "alice", writable=True)
    session = EditingSession(document, project.config, "alice", annotations.get("big"))
    patches = 0
    for _step in range(150):
        action = rng.choice(["tag", "tag", "delete", "link", "unlink", "undo", "redo", "status"])
        record: AnnotationRecord | None = None
        if action == "tag":
            start = rng.randrange(len(TEXT) - 20)
            session.select(start, start + rng.randint(1, 15))
            record = session.tag(rng.choice(["claim", "speaker"]))
        elif action in ("delete", "unlink") and session.spans:
            session.jump_to(rng.choice(session.spans))
            record = session.delete_span() if action == "delete" else session.unlink()
        elif action == "link":
            claims = [span for span in session.spans[:200] if span.label == "claim"]
            speakers = [span for span in session.spans[:200] if span.label == "speaker"]
            record = session.link(rng.choice(claims).id, rng.choice(speakers).id, "attributed_to")
        elif action == "undo":
            record = session.undo()
        elif action == "redo":
            record = session.redo()
        elif action == "status":
            record = session.set_status(rng.choice(list(Status)), note=f"n{rng.randint(0, 9)}")
        if record is None:
            continue
        before = path.stat().st_size
        annotations.save(record, session.take_delta())
        patches += path.stat().st_size - before < 5000
        assert annotations.get("big") == record
    assert patches > 100  # nearly every save was a patch line
    assert AnnotationFile(path, "alice").get("big") == record
    annotations.close()
    assert AnnotationFile(path, "alice").get("big") == record


def test_after_a_refused_save_the_next_save_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before writing (the file looked changed): the next delta may not cover it."""
    path = tmp_path / "alice.jsonl"
    record = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(record)
        first = RecordDelta(spans_removed=("s5",))
        record = edit(record, first)
        original = AnnotationFile._check_unchanged

        def refuse(self: AnnotationFile, handle: int) -> None:
            raise StoreWriteError("was replaced", file=path, error_number=None)

        monkeypatch.setattr(AnnotationFile, "_check_unchanged", refuse)
        with pytest.raises(StoreWriteError):
            annotations.save(record, first)
        monkeypatch.setattr(AnnotationFile, "_check_unchanged", original)
        second = RecordDelta(spans_removed=("s6",))
        record = edit(record, second)
        annotations.save(record, second)
        assert [line.get("patch") for line in file_lines(path)] == [None, None]
        assert AnnotationFile(path, "alice").get("big") == record


def test_a_bad_patch_does_not_block_the_other_documents_and_a_whole_save_mends_it(
    tmp_path: Path,
) -> None:
    other = small_record()
    lines = [encode_record(big_record()), patch_line(spans_removed=["nope"])]
    lines += [encode_record(other)] * 300  # enough superseded lines to compact on opening
    path = write_project(tmp_path / "p", lines)
    with AnnotationFile(path, "alice", writable=True) as annotations:
        with pytest.raises(AnnotatorError, match=":2: spans_removed"):
            annotations.get("big")
        annotations.save(other.model_copy(update={"note": "still saved"}))
        mended = big_record()
        annotations.save(mended)
    reader = AnnotationFile(path, "alice")
    assert reader.get("big") == mended
    small = reader.get("small")
    assert small is not None and small.note == "still saved"


def test_record_in_another_order_takes_patch_lines_without_a_whole_rewrite(
    tmp_path: Path,
) -> None:
    """A large record whose spans are not in the session's order (written by another tool, or
    imported) is edited with patch lines from the first edit on; the fold keeps every span."""
    path = tmp_path / "alice.jsonl"
    base = big_record()
    with AnnotationFile(path, "alice", writable=True) as annotations:
        annotations.save(base.model_copy(update={"spans": list(reversed(base.spans))}))
    annotations = AnnotationFile(path, "alice", writable=True)
    loaded = annotations.get("big")
    assert loaded is not None
    # the editing session keeps the spans sorted
    record = loaded.model_copy(update={"spans": sorted(loaded.spans, key=span_order)})
    for step in range(5):
        delta = RecordDelta(spans_set=(word(step * 7, "entity", f"n{step}"),))
        record = sorted_edit(record, delta, 0).model_copy(update={"note": f"edit {step}"})
        before = path.stat().st_size
        annotations.save(record, delta)
        assert path.stat().st_size - before < 600  # a patch line, not the 100 KB record
    folded = annotations.get("big")
    assert folded is not None
    assert sorted(folded.spans, key=span_order) == record.spans
    assert folded.model_copy(update={"spans": record.spans}) == record
    annotations.close()
    reopened = AnnotationFile(path, "alice").get("big")
    assert reopened is not None and sorted(reopened.spans, key=span_order) == record.spans
