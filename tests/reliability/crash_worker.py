"""A writer that edits at random through the real store until it is killed.

Run as ``python crash_worker.py PROJECT ANNOTATOR SEED``. It opens the annotator's file for
writing (taking the lock), then performs random edits through the editing session (tag, delete,
link, unlink, undo, redo, status, document switch); alice saves each edit's delta as a patch
line. Around every save it prints, flushed:

    WILL <doc_id> <digest>   before calling save
    ACK <doc_id> <digest>    after save returned (the edit is acknowledged)

``digest`` is the sha256 of the encoded record, so the parent can check that what is on disk for
each document is the last acknowledged record (or the one whose save was under way at the kill).
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
from pathlib import Path

from annotator.model.records import AnnotationRecord, Status
from annotator.model.session import EditingSession
from annotator.store.annotations import AnnotationFile, encode_record
from annotator.store.project import Project


def digest(record: AnnotationRecord) -> str:
    return hashlib.sha256(encode_record(record)).hexdigest()


def main(project_dir: str, annotator: str, seed: int) -> None:
    rng = random.Random(seed)
    # Compact often so that kills also land in the middle of a compaction.
    AnnotationFile.COMPACT_MIN_LINES = 1
    if annotator == "alice":
        # alice saves every edit as a patch line (small records included) with the session's
        # delta; bob saves whole records: kills land in both kinds of line.
        AnnotationFile.PATCH_MIN_BYTES = 0
        AnnotationFile.PATCH_MAX_SHARE = 1000.0
    project = Project(Path(project_dir))
    annotations = project.annotations(annotator, writable=True)
    if os.environ.get("CRASH_WORKER_SABOTAGE"):
        sabotage(annotations)
    ids = project.corpus.ids()
    labels = project.config.label_names
    print("READY", flush=True)
    session: EditingSession | None = None
    while True:
        if session is None or rng.random() < 0.15:
            doc_id = rng.choice(ids)
            session = EditingSession(
                project.corpus.get(doc_id), project.config, annotator, annotations.get(doc_id)
            )
        record = edit(session, rng, labels)
        if record is None:
            continue
        mark = digest(record)
        print(f"WILL {record.doc_id} {mark}", flush=True)
        annotations.save(record, session.take_delta())
        print(f"ACK {record.doc_id} {mark}", flush=True)


def sabotage(annotations: AnnotationFile) -> None:
    """A broken store for the harness's own test: it acknowledges before the data is written,
    writing each record only once ten later ones were acknowledged. Some are always held, so
    every kill loses acknowledged edits (when it wrote all it held, a kill landing in the last
    write of a batch lost nothing: written but not yet fsynced survives a kill, and the check
    failed about once in a few hundred runs)."""
    real_save = annotations.save
    held: list[AnnotationRecord] = []

    def late_save(record: AnnotationRecord, delta: object = None) -> None:
        held.append(record)
        if len(held) >= 20:
            for item in held[:10]:
                real_save(item)
            del held[:10]

    annotations.save = late_save  # type: ignore[method-assign]


def edit(session: EditingSession, rng: random.Random, labels: list[str]) -> AnnotationRecord | None:
    action = rng.choice(["tag", "tag", "tag", "delete", "link", "unlink", "undo", "redo", "status"])
    text = session.text
    if action == "tag" and text:
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.randint(1, 30))
        session.select(start, end)
        return session.tag(rng.choice(labels))
    if action in ("delete", "unlink") and session.spans:
        span = rng.choice(session.spans)
        session.jump_to(span)
        return session.delete_span() if action == "delete" else session.unlink()
    if action == "link" and len(session.spans) >= 2:
        claims = [span for span in session.spans if span.label == "claim"]
        speakers = [span for span in session.spans if span.label == "speaker"]
        if claims and speakers:
            return session.link(rng.choice(claims).id, rng.choice(speakers).id, "attributed_to")
        return None
    if action == "undo":
        return session.undo()
    if action == "redo":
        return session.redo()
    if action == "status":
        return session.set_status(rng.choice(list(Status)), note=f"note {rng.randint(0, 99)}")
    return None


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
