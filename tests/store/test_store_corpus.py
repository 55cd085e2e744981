"""Corpus readers: each problem names the file, the line (or byte offset) and the reason."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.model.errors import AnnotatorError
from annotator.store.corpus import Corpus


def problems(root: Path) -> list[str]:
    corpus = Corpus(root)
    list(corpus)  # loading the texts finds what the index cannot
    return [str(problem) for problem in corpus.problems]


def test_txt_ids_are_relative_paths_without_extension(tmp_path: Path) -> None:
    (tmp_path / "wire" / "2024").mkdir(parents=True)
    (tmp_path / "wire" / "2024" / "a.txt").write_text("one", encoding="utf-8")
    (tmp_path / "b.txt").write_text("two", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("no", encoding="utf-8")
    (tmp_path / "notes.md").write_text("no", encoding="utf-8")
    corpus = Corpus(tmp_path)
    assert corpus.ids() == ["b", "wire/2024/a"]
    assert corpus.text("wire/2024/a") == "one"


def test_invalid_utf8_in_txt_names_byte_offset(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"caf\xc3\xa9 ok \xff then")
    assert problems(tmp_path) == [f"{tmp_path / 'bad.txt'}: invalid UTF-8 at byte offset 9"]
    with pytest.raises(AnnotatorError, match="byte offset 9"):
        Corpus(tmp_path).get("bad")


def test_invalid_utf8_in_jsonl_names_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_bytes(b'{"id": "a", "text": "fine"}\n{"id": "b", "text": "bad \xfe"}\n')
    assert problems(tmp_path) == [f"{path}:2: invalid UTF-8 at byte 25 of the line"]
    assert Corpus(tmp_path).ids() == ["a"]


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("from txt", encoding="utf-8")
    path = tmp_path / "set.jsonl"
    path.write_text(
        '{"id": "y", "text": "1"}\n{"id": "x", "text": "2"}\n\n{"id": "y", "text": "3"}\n',
        encoding="utf-8",
    )
    found = problems(tmp_path)
    assert found == [
        f"{path}:4: duplicate document id 'y' (first defined at {path}:1)",
        f"{tmp_path / 'x.txt'}: duplicate document id 'x' (first defined at {path}:2)",
    ]
    assert Corpus(tmp_path).text("y") == "1"
    assert Corpus(tmp_path).text("x") == "2"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[1, 2]", "expected a JSON object, found list"),
        ('"text"', "expected a JSON object, found str"),
        ('{"text": "no id"}', "missing or empty string field 'id'"),
        ('{"id": "", "text": "x"}', "missing or empty string field 'id'"),
        ('{"id": ["a"], "text": "x"}', "missing or empty string field 'id'"),
        ('{"id": "d"}', "document 'd': missing string field 'text'"),
        ('{"id": "d", "text": 5}', "document 'd': missing string field 'text'"),
        ('{"id": "d", "text": "x", "title": 1}', "document 'd': 'title' must be a string"),
        ('{"id": "d", "text": "x",', "not valid JSON"),
    ],
)
def test_bad_jsonl_lines(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "ok", "text": "fine"}\n' + line + "\n", encoding="utf-8")
    found = problems(tmp_path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:2: {reason}")
    assert Corpus(tmp_path).ids() == ["ok"]


def test_meta_must_be_an_object_when_loaded(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "d", "text": "x", "meta": [1]}\n', encoding="utf-8")
    assert problems(tmp_path) == [f"{path}:1: document 'd': 'meta' must be an object"]


def test_unknown_document(tmp_path: Path) -> None:
    with pytest.raises(AnnotatorError, match="no document with id 'zz'"):
        Corpus(tmp_path).get("zz")


def test_jsonl_changed_after_opening_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "a", "text": "first version"}\n', encoding="utf-8")
    corpus = Corpus(tmp_path)
    path.write_text('{"id": "b", "text": "x"}\n{"id": "a", "text": "moved"}\n', encoding="utf-8")
    with pytest.raises(AnnotatorError, match="changed on disk"):
        corpus.get("a")
    # same length, other document at the same place: never returned under the wrong id
    path.write_text('{"id": "z", "text": "first version"}\n', encoding="utf-8")
    with pytest.raises(AnnotatorError, match="changed on disk"):
        corpus.get("a")


def test_every_id_is_found_at_its_place_and_no_other(tmp_path: Path) -> None:
    ids = [f"doc-{number}" for number in range(3000)] + ["é", "日本/記事", "12", "a b"]
    lines = [f'{{"id": {orjson.dumps(doc_id).decode()}, "text": "t"}}' for doc_id in ids]
    (tmp_path / "set.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "z.txt").write_text("last", encoding="utf-8")
    corpus = Corpus(tmp_path)
    assert corpus.ids() == [*ids, "z"]
    for position, doc_id in enumerate(corpus.ids()):
        assert corpus.index_of(doc_id) == position
        assert doc_id in corpus
        assert corpus.shared_id(str(doc_id)) is corpus.ids()[position]
    assert corpus.entry("日本/記事").line == 3002
    for missing in ("doc-3000", "doc-", "", "Z", "z.txt", 12):
        assert missing not in corpus
    with pytest.raises(AnnotatorError, match="no document with id 'doc-3000'"):
        corpus.entry("doc-3000")
    with pytest.raises(KeyError):
        corpus.index_of("nope")


def test_walking_the_entries_gives_each_entry_as_asked_one_by_one(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        '{"id": "t1", "title": "One", "text": "x"}\n\n{"id": "t2", "title": "Twö", "text": "y"}\n',
        encoding="utf-8",
    )
    (tmp_path / "c.jsonl").write_text('{"id": "u1", "text": "x"}\n{"id": "u2", "text": "y"}\n')
    (tmp_path / "d.jsonl").write_text(
        '{"id": "m1", "text": "x"}\r\n{"id": "t1", "text": "dup"}\r\n'
        '{"id": "m2", "title": "T", "text": "y"}\r\n'
    )
    (tmp_path / "e.jsonl").write_text("")
    (tmp_path / "f.jsonl").write_text(
        '{"id": "bad", "text": 1}\n{"id": "ok", "title": "K", "text": "z"}\n'
    )
    corpus = Corpus(tmp_path)
    walked = list(corpus.entries)
    assert walked == [corpus.entry_at(index) for index in range(len(corpus))]
    # the document list reads titles alone, without the entries
    assert [corpus.title_at(index) for index in range(len(corpus))] == [e.title for e in walked]
    assert [(entry.id, entry.line, entry.title) for entry in walked] == [
        ("a", None, None),
        ("t1", 1, "One"),
        ("t2", 3, "Twö"),
        ("u1", 1, None),
        ("u2", 2, None),
        ("m1", 1, None),
        ("m2", 3, "T"),
        ("ok", 2, "K"),
    ]
    texts = [corpus.load(entry).text for entry in walked]
    assert texts == ["alpha", "x", "y", "x", "y", "x", "y", "z"]
    assert walked[2].path == tmp_path / "b.jsonl" and walked[6].length == len(
        '{"id": "m2", "title": "T", "text": "y"}'
    )
