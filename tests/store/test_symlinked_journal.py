"""An annotation file kept elsewhere and linked into the project (a synced or shared folder)."""

from __future__ import annotations

from pathlib import Path

from annotator.store.annotations import AnnotationFile

from .helpers import article_record


def test_compaction_writes_through_a_symlinked_annotation_file(tmp_path: Path) -> None:
    store = tmp_path / "synced"
    store.mkdir()
    target = store / "alice.jsonl"
    target.touch()
    path = tmp_path / "alice.jsonl"
    path.symlink_to(target)
    records = [article_record().model_copy(update={"note": f"v{n}"}) for n in range(3)]
    with AnnotationFile(path, "alice", writable=True) as writer:
        for record in records:
            writer.save(record)
        writer.compact()
        writer.save(records[0].model_copy(update={"note": "after compaction"}))
    assert path.is_symlink() and path.resolve() == target  # the link is still the link
    # compacted (again when closed) in the target itself, with the save made after compaction
    assert b'"note":"after compaction"' in target.read_bytes()
    reader = AnnotationFile(path, "alice")
    latest = reader.get(records[0].doc_id)
    assert latest is not None and latest.note == "after compaction"
    assert sorted(p.name for p in store.iterdir()) == ["alice.jsonl"]  # no temporary left
