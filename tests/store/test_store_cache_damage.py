"""A damaged index cache whose stamp still matches the file (bit rot, a backup of
``.annotator-cache/`` restored, a bug in a writer) is found out by the lines it points at, dropped
and rebuilt: never a record read as another document's (QA s7 A7)."""

from __future__ import annotations

import shutil
from array import array
from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.store.annotations import AnnotationFile
from annotator.store.index_cache import CACHE_DIR_NAME, IndexCache
from annotator.store.project import Project

SAMPLE = Path(__file__).resolve().parents[2] / "sample_corpus"
_MAGIC = b"annotator-index\n"


def sample(tmp_path: Path) -> Path:
    root = tmp_path / "c3"
    shutil.copytree(SAMPLE, root)
    return root


def cache_file(root: Path, annotator: str) -> Path:
    path = IndexCache(root / CACHE_DIR_NAME)._slot(
        "annotations", root / "annotations" / f"{annotator}.jsonl"
    )
    assert path.exists()
    return path


def damage(path: Path, columns: tuple[str, ...], change: object) -> None:
    """Rewrite int64 ``columns`` of the cache file at ``path`` in place with ``change(array)``,
    the header (and so the stamp) untouched."""
    data = bytearray(path.read_bytes())
    size = int.from_bytes(data[len(_MAGIC) : len(_MAGIC) + 8], "little")
    header = orjson.loads(bytes(data[len(_MAGIC) + 8 : len(_MAGIC) + 8 + size]))
    body = len(_MAGIC) + 8 + size
    for name, code, offset, length in header["columns"]:
        if name in columns:
            numbers = array(code)
            numbers.frombytes(bytes(data[body + offset : body + offset + length]))
            change(numbers)  # type: ignore[operator]
            data[body + offset : body + offset + length] = numbers.tobytes()
    path.write_bytes(bytes(data))


def swap(first: int, second: int) -> object:
    def change(numbers: array[int]) -> None:
        numbers[first], numbers[second] = numbers[second], numbers[first]

    return change


def ids_in_file_order(root: Path, annotator: str) -> list[str]:
    lines = (root / "annotations" / f"{annotator}.jsonl").read_bytes().splitlines()
    return [orjson.loads(line)["doc_id"] for line in lines]


def plain_records(root: Path) -> dict[str, object]:
    """alice's records read without the cache (no project, so no cache)."""
    reader = AnnotationFile(root / "annotations" / "alice.jsonl", "alice")
    records = {record.doc_id: record for _line, record in reader.iter_records()}
    reader.close()
    return dict(records)


def build_cache(root: Path) -> None:
    assert main(["validate", str(root)]) == 0
    cache_file(root, "alice")


def test_swapped_rows_are_found_out_and_validate_says_nothing_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sample(tmp_path)
    build_cache(root)
    damage(cache_file(root, "alice"), ("line", "offsets", "lengths"), swap(4, 6))
    capsys.readouterr()
    assert main(["validate", str(root)]) == 0
    out = capsys.readouterr()
    assert "changed since it was annotated" not in out.out + out.err
    # the cache was rebuilt: a later open reads it, right, without scanning again
    annotations = Project(root).annotations("alice")
    assert annotations._from_cache
    for doc_id in ids_in_file_order(root, "alice"):
        record = annotations.get(doc_id)
        assert record is not None and record.doc_id == doc_id
    assert annotations._rescans == 0
    annotations.close()


@pytest.mark.parametrize(
    ("columns", "change"),
    [
        (("line", "offsets", "lengths"), swap(4, 6)),
        (("offsets",), swap(0, 3)),
        (("lengths",), swap(1, 2)),
    ],
    ids=["rows swapped", "offsets swapped", "lengths swapped"],
)
def test_each_record_read_through_a_damaged_cache_is_its_own(
    tmp_path: Path, columns: tuple[str, ...], change: object
) -> None:
    root = sample(tmp_path)
    build_cache(root)
    pristine = plain_records(root)
    damage(cache_file(root, "alice"), columns, change)
    annotations = Project(root).annotations("alice")
    assert annotations._from_cache
    got = {record.doc_id: record for _line, record in annotations.iter_records()}
    assert got == pristine
    assert annotations.problems == []
    assert annotations._rescans == 1
    for doc_id, record in pristine.items():  # by id too
        assert annotations.get(doc_id) == record
    annotations.close()


def test_a_writer_opened_on_a_damaged_cache_saves_and_compacts_right(tmp_path: Path) -> None:
    root = sample(tmp_path)
    build_cache(root)
    before = plain_records(root)
    damage(cache_file(root, "alice"), ("line", "offsets", "lengths"), swap(0, 5))
    writer = Project(root).annotations("alice", writable=True)
    first = next(iter(before))
    record = writer.get(first)
    assert record == before[first]
    changed = record.model_copy(update={"note": "checked"})
    writer.save(changed)
    writer.compact()
    writer.close()
    after = plain_records(root)
    assert after == {**before, first: changed}
    assert main(["validate", str(root)]) == 0
