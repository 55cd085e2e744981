"""The block scan (many lines decoded in one C call) indexes a file exactly as reading it line by
line does: the same entries, the same problems naming the same lines, on files of every sort."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import annotator.store.annotations as annotations_module
import annotator.store.corpus as corpus_module
from annotator.store.annotations import AnnotationFile
from annotator.store.corpus import Corpus
from annotator.store.jsonl import RawLineStream, iter_raw_lines

DOCUMENT_LINES = [
    b'{"id":"d1","title":"One","text":"Alpha beta."}',
    b'{"id":"d2","text":"Gamma \\"quoted\\" \\u00e9 \\ud83d\\ude00","meta":{"n":1,"x":[1.5,null]}}',
    b'{"id":7,"text":"number id","title":null}',
    b'{"id":"d1","text":"duplicate id"}',
    b'{"id":"d3","text":"caf\xc3\xa9 in UTF-8","title":"T\xc3\xa9"}',
    b'  {"id":"d4","text":"spaces around"}  ',
    b'{"id":"d5","text":"extra field","source":"web"}',
    b'{"id":"d6","text":"big meta number","meta":{"n":1e999}}',
    b'{"id":"d7","text":"big extra number","n":' + b"1" * 400 + b"}",
    b'{"id":' + b"1" * 30 + b',"text":"id beyond 64 bits"}',
    b'{"id":18446744073709551615,"text":"largest u64 id"}',
    b'{"id":-9223372036854775809,"text":"below i64 id"}',
    b'{"id":true,"text":"bool id"}',
    b'{"id":"","text":"empty id"}',
    b'{"id":"d8","text":5}',
    b'{"id":"d9"}',
    b'{"id":"d10","text":null}',
    b'{"id":"d11","text":"x","title":3}',
    b'{"id":"d12","text":"x","meta":"not an object"}',
    b'{"id":"d13","text":"lone \\udc00 surrogate"}',
    b'{"id":"d14","text":"bad \xff byte"}',
    b'{"id":"d15","text":"bad escape \\q"}',
    b'{"id":"a","text":"x"} {"id":"b","text":"y"}',
    b'{"id":"d16",',
    b'"text":"the rest of a line above"}',
    b"[1, 2]",
    b'"a string"',
    b"",
    b"   ",
    b"not json",
]

RECORD_LINES = [
    b'{"doc_id":"a","annotator":"alice","status":"done","spans":[{"id":"s1","text":"x"}]}',
    b'{"doc_id":"b","annotator":"alice"}',
    b'{"doc_id":"a","annotator":"alice","status":"in_progress"}',
    b'{"doc_id":"c","annotator":"alice","status":"skipped","note":"caf\xc3\xa9"}',
    b'{"doc_id":"d","annotator":"alice","status":"nonsense"}',
    b'{"doc_id":"e","annotator":"alice","status":3}',
    b'{"doc_id":"e","annotator":"alice","status":["done"]}',
    b'{"doc_id":"a","annotator":"alice","patch":1,"status":"done","spans_set":[]}',
    b'{"doc_id":"z","annotator":"alice","patch":1}',
    b'{"doc_id":"a","annotator":"alice","patch":99}',
    b'{"doc_id":"f","annotator":"bob"}',
    b'{"doc_id":"g","annotator":7}',
    b'{"doc_id":"","annotator":"alice"}',
    b'{"doc_id":5,"annotator":"alice"}',
    b'{"annotator":"alice"}',
    b'{"doc_id":"h","annotator":"alice","x":1e999}',
    b'{"doc_id":"i","annotator":"alice","x":"bad \xff byte"}',
    b'{"doc_id":"j","annotator":"alice"} {"doc_id":"k","annotator":"alice"}',
    b'{"doc_id":"l",',
    b'"annotator":"alice"}',
    b" ",
    b"",
    b"[]",
    b"{not json}",
]


GOOD_LINES = {
    *(line for line in DOCUMENT_LINES[:7]),
    b'{"id":18446744073709551615,"text":"largest u64 id"}',
    b'{"id":"d12","text":"x","meta":"not an object"}',
    *(line for line in RECORD_LINES[:8]),
}
"""Lines that the careful scan indexes (a duplicate id and a patch line among them)."""


def file_bytes(
    lines: list[bytes], *, crlf: bool, bom: bool, final_newline: bool, torn: bytes
) -> bytes:
    newline = b"\r\n" if crlf else b"\n"
    data = b"".join(line + newline for line in lines)
    if not final_newline and data:
        data = data[: -len(newline)]
    return (b"\xef\xbb\xbf" if bom else b"") + data + torn


RARELY = st.sampled_from([False, False, False, True])


@st.composite
def line_files(draw: st.DrawFn, pool: list[bytes]) -> bytes:
    """Mostly lines the careful scan accepts, with at most one other line among them: a file
    with a bad line is read line by line whole, so the block scan meets a bad line of each
    kind only among good ones."""
    good = [line for line in pool if line in GOOD_LINES]
    lines = draw(st.lists(st.sampled_from(good), max_size=10))
    odd = draw(st.sampled_from([None, *pool]))
    if odd is not None:
        lines.insert(draw(st.integers(0, len(lines))), odd)
    return file_bytes(
        lines,
        crlf=draw(RARELY),
        bom=draw(RARELY),
        final_newline=not draw(RARELY),
        torn=draw(st.sampled_from([b"", b"", b"", b'{"id":"t', b'{"doc_id":"t","annotator":"al'])),
    )


def plain_files(pool: list[bytes]) -> st.SearchStrategy[bytes]:
    """Files the block scan takes whole: valid lines only, each ``{...}`` and a newline."""
    return st.lists(st.sampled_from(pool), min_size=1, max_size=12).map(
        lambda lines: b"".join(line + b"\n" for line in lines)
    )


def corpus_index(root: Path) -> tuple[list[tuple[object, ...]], list[str]]:
    corpus = Corpus(root)
    return [tuple(entry) for entry in corpus.entries], [str(problem) for problem in corpus.problems]


def careful_corpus_index(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    with monkeypatch.context() as patch:
        patch.setattr(corpus_module, "_scan_columns", lambda path: None)
        return corpus_index(root)


def annotations_index(path: Path) -> tuple[object, ...]:
    annotations = AnnotationFile(path, "alice")
    try:
        entries = [
            (entry.doc_id, entry.line, entry.offset, entry.length, entry.status, entry.patches)
            for entry in (annotations.entries[doc_id] for doc_id in annotations.entries)
        ]
        return (
            entries,
            [str(problem) for problem in annotations.problems],
            [str(warning) for warning in annotations.warnings],
            annotations.lines,
            annotations._size,
        )
    finally:
        annotations.close()


def careful_annotations_index(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    with monkeypatch.context() as patch:
        patch.setattr(annotations_module, "record_heads", lambda block: None)
        return annotations_index(path)


SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(data=line_files(DOCUMENT_LINES), block_size=st.sampled_from([16, 64, 200, 1 << 22]))
def test_a_corpus_file_is_indexed_as_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, block_size: int
) -> None:
    root = tmp_path / "documents"
    root.mkdir(exist_ok=True)
    (root / "part.jsonl").write_bytes(data)
    monkeypatch.setattr(RawLineStream, "BLOCK_SIZE", block_size)
    assert corpus_index(root) == careful_corpus_index(root, monkeypatch)


@SETTINGS
@given(data=line_files(RECORD_LINES), block_size=st.sampled_from([16, 64, 200, 1 << 22]))
def test_an_annotation_file_is_indexed_as_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, block_size: int
) -> None:
    path = tmp_path / "alice.jsonl"
    path.write_bytes(data)
    monkeypatch.setattr(RawLineStream, "BLOCK_SIZE", block_size)
    assert annotations_index(path) == careful_annotations_index(path, monkeypatch)


def test_a_plain_corpus_file_is_not_read_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "documents"
    root.mkdir()
    (root / "part.jsonl").write_bytes(b"".join(line + b"\n" for line in DOCUMENT_LINES[:5]))

    def no_line(*args: object) -> bool:
        raise AssertionError("a line read on its own")

    monkeypatch.setattr(corpus_module, "_scan_block_lines", no_line)
    corpus = Corpus(root)
    assert corpus.ids() == ["d1", "d2", "7", "d3"]
    assert [entry.title for entry in corpus.entries] == ["One", None, None, "T\u00e9"]
    assert len(corpus.problems) == 1 and "duplicate document id 'd1'" in str(corpus.problems[0])


def test_a_plain_annotation_file_is_not_read_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "alice.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in RECORD_LINES[:7]))

    def no_line(self: AnnotationFile, raw: object) -> None:
        raise AssertionError(f"line {raw} read on its own")

    monkeypatch.setattr(AnnotationFile, "_scan_line", no_line)
    annotations = AnnotationFile(path, "alice")
    assert list(annotations.entries) == ["a", "b", "c", "d", "e"]
    assert annotations.lines == 7


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"\n", b"\r\n", b"{}", b" ", b"\xef\xbb\xbf", b"ab"])).map(
        b"".join
    ),
    block_size=st.sampled_from([1, 2, 5, 1 << 22]),
)
def test_the_stream_gives_the_lines_of_the_whole_file(data: bytes, block_size: int) -> None:
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "f.jsonl"
        path.write_bytes(data)
        stream = RawLineStream(path)
        stream.BLOCK_SIZE = block_size
        assert list(stream) == list(iter_raw_lines(path))
        assert stream.size == len(data)
        descriptor = os.open(path, os.O_RDONLY)
        try:
            again = RawLineStream(path, descriptor)
            again.BLOCK_SIZE = block_size
            assert list(again) == list(iter_raw_lines(path))
        finally:
            os.close(descriptor)
