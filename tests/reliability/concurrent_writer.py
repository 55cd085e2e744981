"""A writer for the two-process tests: saves and compacts in a loop until told to stop.

``python concurrent_writer.py FILE ANNOTATOR ROUNDS`` prints ``READY`` once the file is open
(the lock is held), then ``DONE`` after ROUNDS rounds of saving 8 records and compacting, and
waits for a line on stdin before closing. Every record's note is ``<doc_id>:<round>`` so a reader
can tell a record from another document's bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from annotator.model.records import AnnotationRecord
from annotator.model.text import text_sha256


def record(annotator: str, doc_id: str, round_number: int) -> AnnotationRecord:
    return AnnotationRecord(
        doc_id=doc_id,
        annotator=annotator,
        text_sha256=text_sha256(doc_id),
        note=f"{doc_id}:{round_number}" + "." * (round_number % 13) * 40,
    )


def main(path: Path, annotator: str, rounds: int) -> None:
    from annotator.store.annotations import AnnotationFile

    annotations = AnnotationFile(path, annotator, writable=True)
    print("READY", flush=True)
    for round_number in range(rounds):
        for index in range(8):
            annotations.save(record(annotator, f"doc{index}", round_number))
        annotations.compact()
    print("DONE", flush=True)
    sys.stdin.readline()
    annotations.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
