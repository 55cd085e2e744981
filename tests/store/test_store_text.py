"""Offsets are code points of the newline-normalized text; the span text check guards them."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.model.config import ProjectConfig
from annotator.model.text import display_safe, normalize_text, text_sha256
from annotator.model.validate import check_record
from annotator.store.corpus import Corpus

from .helpers import make_record, span


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb\r", "a\nb\n"),
        ("a\r\n\rb", "a\n\nb"),
        ("\ufeffhello\r\n", "hello\n"),
        ("no change\n", "no change\n"),
        ("\ufeff", ""),
    ],
)
def test_normalize_text_line_endings_and_bom(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_only_a_leading_bom_is_dropped() -> None:
    assert normalize_text("a\ufeffb") == "a\ufeffb"


@pytest.mark.parametrize(
    "raw",
    [b"Line one\r\nLine two\r\n", b"Line one\rLine two\r", b"\xef\xbb\xbfLine one\nLine two\n"],
)
def test_corpus_offsets_are_defined_after_normalization(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / "d.txt").write_bytes(raw)
    text = Corpus(tmp_path).text("d")
    assert text == "Line one\nLine two\n"
    assert text.index("two") == 14


def test_jsonl_document_text_is_normalized(tmp_path: Path) -> None:
    (tmp_path / "set.jsonl").write_bytes(
        b'\xef\xbb\xbf{"id": "x", "text": "\\ufeffA\\r\\nB\\rC"}\r\n{"id": 7, "text": ""}\r\n'
    )
    corpus = Corpus(tmp_path)
    assert corpus.problems == []
    assert corpus.text("x") == "A\nB\nC"
    assert corpus.ids() == ["x", "7"]


def test_offsets_count_code_points_not_bytes_or_utf16() -> None:
    text = "家族👨‍👩‍👧 met Zoë (e\u0301) and 北京."
    found = span(text, "北京", "entity", "s1")
    assert (found.start, found.end) == (text.index("北京"), text.index("北京") + 2)
    record = make_record(text, spans=[found, span(text, "👨‍👩‍👧", "entity", "s2")])
    assert check_record(record, text, ProjectConfig()) == []
    # the family emoji is 5 code points; a span counting it as 1 or as UTF-16 units misses
    shifted = found.model_copy(update={"start": found.start + 1, "end": found.end + 1})
    bad = make_record(text, spans=[shifted])
    problems = check_record(bad, text, ProjectConfig(), file="f.jsonl", line=3)
    assert [p.field for p in problems] == ["spans[0].text"]


def test_hash_is_of_utf8_of_normalized_text() -> None:
    import hashlib

    assert text_sha256("é\n") == hashlib.sha256("é\n".encode()).hexdigest()
    assert text_sha256(normalize_text("a\r\n")) == text_sha256("a\n")


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "\x1b[2J\x1b]0;title\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x1b]52;c;aGk=\x07",
        "\u202eevil\u202c \u2066iso\u2069",
        "\x00\x7f\x85\x9b",
        "a\tb\nc",
        "\ud800 lone",
        "é\u0301 👩‍💻 北京",
    ],
)
def test_display_safe_keeps_length_and_removes_controls(text: str) -> None:
    shown = display_safe(text)
    assert len(shown) == len(text)
    for char in shown:
        code = ord(char)
        assert char in "\n\t" or (code >= 0x20 and code != 0x7F and not 0x80 <= code < 0xA0)
        assert char not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        assert not 0xD800 <= code <= 0xDFFF
    # printable text is left exactly as it was, so offsets and what is seen agree
    for original, copy in zip(text, shown, strict=True):
        if original.isprintable() and original not in "\u202e\u202c\u2066\u2069":
            assert copy == original
