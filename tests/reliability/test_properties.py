"""Property-based: readers raise nothing but AnnotatorError on random bytes; save then load is the
identity for random valid records."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.model.errors import AnnotatorError
from annotator.model.records import AnnotationRecord, Relation, Span, Status
from annotator.model.text import normalize_text, text_sha256
from annotator.store.annotations import AnnotationFile, encode_record
from annotator.store.config_file import load_config
from annotator.store.corpus import Corpus

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# bytes that look a little like the real thing, so parsers get past their first check
FRAGMENTS = st.sampled_from(
    [
        b"{",
        b"}",
        b"[",
        b"]",
        b'"',
        b":",
        b",",
        b"\n",
        b"\r",
        b"\\",
        b"\xef\xbb\xbf",
        b"\xff",
        b'"id"',
        b'"text"',
        b'"doc_id"',
        b'"annotator": "alice"',
        b'"spans"',
        b"1e999",
        b"-1",
        b"null",
        b"true",
        b'"a"',
        b"\x00",
        b"\xc3",
        b"\xe2\x80\xae",
        b" ",
        b"[[labels]]",
        b"=",
    ]
)
RANDOM_BYTES = st.one_of(st.binary(max_size=300), st.lists(FRAGMENTS, max_size=60).map(b"".join))


def only_annotator_errors(action: Callable[[], object]) -> None:
    """Run ``action``; any exception other than AnnotatorError fails the test."""
    with contextlib.suppress(AnnotatorError):
        action()


@SETTINGS
@given(txt=RANDOM_BYTES, jsonl=RANDOM_BYTES)
def test_corpus_readers_raise_only_annotator_error(txt: bytes, jsonl: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "a.txt").write_bytes(txt)
        (root / "b.jsonl").write_bytes(jsonl)
        corpus = Corpus(root)
        for problem in corpus.problems:
            assert isinstance(problem, AnnotatorError) and problem.file
        for doc_id in corpus.ids():
            only_annotator_errors(lambda doc_id=doc_id: corpus.get(doc_id))
        list(corpus)


@SETTINGS
@given(data=RANDOM_BYTES)
def test_annotation_reader_raises_only_annotator_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "alice.jsonl"
        path.write_bytes(data)
        reader = AnnotationFile(path, "alice")
        list(reader.iter_records())
        for doc_id in list(reader.entries):
            only_annotator_errors(lambda doc_id=doc_id: reader.get(doc_id))
        for problem in reader.problems:
            assert problem.file == str(path) and problem.line is not None
        try:
            writer = AnnotationFile(path, "alice", writable=True)
        except AnnotatorError:
            assert path.read_bytes() == data  # refused files are never touched
            return
        record = AnnotationRecord(doc_id="fresh", annotator="alice", text_sha256="0" * 64)
        writer.save(record)
        writer.close()
        after = AnnotationFile(path, "alice")
        assert after.problems == [] and after.warnings == []
        assert after.get("fresh") == record


@SETTINGS
@given(data=RANDOM_BYTES)
def test_config_reader_raises_only_annotator_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "annotator.toml").write_bytes(data)
        only_annotator_errors(lambda: load_config(Path(directory)))


TEXT = (
    st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=80)
    .map(normalize_text)
    .filter(bool)
)


@st.composite
def records(draw: st.DrawFn) -> tuple[str, AnnotationRecord]:
    text = draw(TEXT)
    spans = []
    for index in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        label = draw(st.sampled_from(["speaker", "claim", "entity", "event"]))
        spans.append(Span(id=f"s{index}", start=start, end=end, label=label, text=text[start:end]))
    relations = []
    if len(spans) >= 2:
        relations.append(Relation(id="r1", label="attributed_to", head="s0", tail="s1"))
    record = AnnotationRecord(
        doc_id=draw(st.text(min_size=1, max_size=20)),  # any text: ids are not file names
        annotator="alice",
        text_sha256=text_sha256(text),
        spans=spans,
        relations=relations,
        status=draw(st.sampled_from(list(Status))),
        note=draw(st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)),
        seconds_spent=draw(st.floats(0, 1e9, allow_nan=False)),
        cursor=draw(st.none() | st.integers(0, len(text))),
    )
    return text, record


@SETTINGS
@given(items=st.lists(records(), min_size=1, max_size=6))
def test_save_then_load_is_identity(items: list[tuple[str, AnnotationRecord]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "alice.jsonl"
        expected: dict[str, AnnotationRecord] = {}
        with AnnotationFile(path, "alice", writable=True) as writer:
            for text, record in items:
                writer.save(record)
                expected[record.doc_id] = record
                assert writer.get(record.doc_id) == record
                for span in record.spans:
                    assert text[span.start : span.end] == span.text
        reader = AnnotationFile(path, "alice")
        assert reader.problems == []
        assert {r.doc_id: r for _, r in reader.iter_records()} == expected
        for record in expected.values():
            assert AnnotationRecord.model_validate_json(encode_record(record)) == record
