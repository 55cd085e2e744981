"""The quick first scan of a corpus file gives the same index and the same problems as the
careful line-by-line scan it falls back to."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.store.corpus import Corpus

GOOD_LINES = [
    b'{"id": "a", "text": "Ana said so.", "title": "First"}\n',
    b"\n",
    b'{"id": 7, "text": "A numeric id.", "meta": {"source": "wire"}}\r\n',
    b"   \n",
    b'{"id": "c", "text": "Caf\\u00e9 \xf0\x9f\x98\x80 and \\"quotes\\"", "extra": 1}\n',
    b'{"id": "d", "text": "no newline at the end", "title": null}',
]


def _careful(root: Path) -> Corpus:
    """The corpus as the line-by-line scan indexes it."""

    class Careful(Corpus):
        def _scan_jsonl(self, path: Path) -> None:
            self._scan_lines(path, None)

    return Careful(root)


def _write(tmp_path: Path, lines: list[bytes], prefix: bytes = b"") -> Path:
    root = tmp_path / "documents"
    root.mkdir()
    (root / "docs.jsonl").write_bytes(prefix + b"".join(lines))
    return root


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["plain", "bom"])
def test_quick_scan_indexes_like_the_careful_scan(tmp_path: Path, prefix: bytes) -> None:
    root = _write(tmp_path, GOOD_LINES, prefix)
    quick, careful = Corpus(root), _careful(root)
    assert not quick.problems
    assert list(quick.entries) == list(careful.entries)
    assert [quick.get(doc_id).text for doc_id in quick.ids()] == [
        careful.get(doc_id).text for doc_id in careful.ids()
    ]
    assert quick.ids() == ["a", "7", "c", "d"]
    assert quick.entry("7").line == 3 and quick.entry("d").title is None


BAD_LINES = {
    "bad json": b'{"id": "x", "text": "cut\n',
    "bad utf-8": b'{"id": "x", "text": "\xff"}\n',
    "no text": b'{"id": "x"}\n',
    "empty id": b'{"id": "", "text": "t"}\n',
    "bool id": b'{"id": true, "text": "t"}\n',
    "title number": b'{"id": "x", "text": "t", "title": 3}\n',
    "not an object": b'["x", "t"]\n',
    "duplicate id": b'{"id": "a", "text": "again"}\n',
}


@pytest.mark.parametrize("name", sorted(BAD_LINES))
def test_a_bad_line_is_reported_as_the_careful_scan_reports_it(tmp_path: Path, name: str) -> None:
    lines = [*GOOD_LINES[:2], BAD_LINES[name], *GOOD_LINES[2:]]
    root = _write(tmp_path, lines)
    quick, careful = Corpus(root), _careful(root)
    assert [str(problem) for problem in quick.problems] == [
        str(problem) for problem in careful.problems
    ]
    assert len(quick.problems) == 1 and quick.problems[0].line == 3
    assert list(quick.entries) == list(careful.entries)
    assert "a" in quick and "d" in quick
