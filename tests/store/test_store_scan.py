"""The quick scan of annotation lines vouches only for lines the careful parse reads alike."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.model.records import Status
from annotator.store.annotations import AnnotationFile
from annotator.store.scan import record_head

from .helpers import article_record

RECORD = (
    b'{"schema_version":1,"doc_id":"d1","annotator":"alice","text_sha256":"ab12",'
    b'"spans":[{"id":"s1","start":0,"end":9,"label":"event","text":"Quan\xc3\xa9rber"},'
    b'{"x":[1.5,-2e3,true,null,{"y":"\\u00e9\\""}]}],"status":"done","note":"a\\nb"}'
)
BYTES = b'{}[]",:\\0123456789.eE+-tfnul \xc3\xa9\xff\x00\x1f\x7fabcdpatchstus'


def refuse(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def careful_head(data: bytes) -> tuple[str, str, str] | None:
    """What the careful path (orjson, then the store's checks) makes of a line; a number too
    big for a double, which orjson refuses, is valid JSON, read by the stdlib here."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        if "number" not in str(error):
            return None
        try:
            value = json.loads(data, parse_constant=refuse)
        except ValueError:
            return None
    if not isinstance(value, dict) or "patch" in value:
        return None
    doc_id, annotator = value.get("doc_id"), value.get("annotator")
    if not isinstance(doc_id, str) or not doc_id or not isinstance(annotator, str):
        return None
    status = value.get("status", "in_progress")
    return doc_id, annotator, status if isinstance(status, str) else "in_progress"


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(RECORD)), st.sampled_from(BYTES), st.integers(0, 2)),
        min_size=1,
        max_size=4,
    )
)
def test_a_line_the_quick_scan_vouches_for_parses_alike(edits: list[tuple[int, int, int]]) -> None:
    line = bytearray(RECORD)
    for position, byte, kind in edits:
        position = min(position, len(line) - 1)
        if kind == 0:
            line[position] = byte
        elif kind == 1:
            line.insert(position, byte)
        else:
            del line[position]
    data = bytes(line)
    quick = record_head(data)
    if quick is not None:
        assert quick == careful_head(data)


@pytest.mark.parametrize(
    "data",
    [
        RECORD.replace(b"Quan\xc3\xa9rber", b"Quan\xffrber"),  # bad UTF-8 in a span's text
        RECORD.replace(b'"note":"a\\nb"', b'"note":"a\x01b"'),  # a raw control character
        RECORD.replace(b'"end":9', b'"end":9,'),  # a stray comma deep inside
        RECORD.replace(b'"\\u00e9', b'"\\ud800'),  # a lone surrogate
        RECORD.replace(b'"status":"done"', b'"status":"done","patch":1'),  # a patch line
        RECORD.replace(b'"doc_id":"d1"', b'"doc_id":1'),
        RECORD[:-1],  # torn
        b"[1, 2]",
        b"",
    ],
)
def test_lines_the_quick_scan_leaves_to_the_careful_path(data: bytes) -> None:
    assert record_head(data) is None


def test_statuses_as_the_store_reads_them() -> None:
    assert record_head(RECORD) == ("d1", "alice", "done")
    assert record_head(RECORD.replace(b',"status":"done"', b"")) == ("d1", "alice", "in_progress")
    assert record_head(RECORD.replace(b'"done"', b"7")) == ("d1", "alice", "in_progress")


def test_a_bad_line_among_good_ones_is_still_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    good = orjson.dumps(article_record().model_dump(mode="json", exclude_none=True))
    bad = good.replace(b'"a1"', b'"a2"').replace(b"Ruiz", b"Ru\xffz")
    path.write_bytes(good + b"\n" + bad + b"\n" + good.replace(b'"a1"', b'"a3"') + b"\n")
    annotations = AnnotationFile(path, "alice")
    assert [(problem.line, "UTF-8" in problem.message) for problem in annotations.problems] == [
        (2, True)
    ]
    assert list(annotations.entries) == ["a1", "a3"]
    assert annotations.status("a3") is Status.in_progress


@pytest.mark.parametrize(
    "data",
    [
        b'{"doc_id":"a","annotator":"x","doc\\u005fid":"b"}',  # an escaped key, given twice
        b'{"doc_id":"a","annotator":"x","status":"d\\u006fne","status":"flagged"}',
        b'{"doc_id":"a","annotator":"x","p\\u0061tch":1}',  # an escaped patch key
        b'{"doc_id":"a","annotator":"x","status":null}',
        b'{"doc_id":"a","annotator":"y"}',  # another annotator: the caller decides
    ],
)
def test_keys_are_read_as_the_careful_path_reads_them(data: bytes) -> None:
    assert record_head(data) == careful_head(data)
