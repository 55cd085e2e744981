"""A lock file that cannot be opened is named as itself (QA A14: it was reported as a problem of
the annotation file, which did not even exist)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.model.errors import AnnotatorError
from annotator.store.annotations import AnnotationFile


def test_a_folder_in_the_way_of_the_lock_file_is_named(tmp_path: Path) -> None:
    lock = tmp_path / ".zed.jsonl.lock"
    lock.mkdir()
    with pytest.raises(AnnotatorError) as caught:
        AnnotationFile(tmp_path / "zed.jsonl", "zed", writable=True)
    message = str(caught.value)
    assert message.startswith(f"{lock}: cannot open the lock file of zed.jsonl: ")
    assert "directory" in message.lower()
    assert not (tmp_path / "zed.jsonl").exists()  # nothing created for it
