"""Child process of test_crash_app.py: the real annotate app, headless, pressing random keys until
it is killed.

    python crash_app_child.py PROJECT ANNOTATOR SEED

Writes to stdout (straight to the file descriptor, one line per write):

- ``READY`` once the app is up;
- ``WILL <doc_id> <sha256>`` just before the store is asked to save a record (the kill may land
  before or after that record reaches the disk);
- ``ACK <doc_id> <sha256>`` for every record saved since the previous ACK, printed only once the
  status line says "saved": what the annotator was told is on disk;
- with ``CRASH_APP_SABOTAGE`` set, ``HOLD`` after the first ACKs, then it waits to be killed.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import sys
import time
from pathlib import Path

from annotator.model.delta import RecordDelta
from annotator.model.records import AnnotationRecord
from annotator.store.annotations import AnnotationFile, encode_record
from annotator.store.project import Project
from annotator.tui.app import AnnotateApp

MOVES = ["w", "w", "b", "j", "k", "l", "g", "G", "tab", "shift+tab", "right_curly_bracket"]
STEPS: list[tuple[float, list[str]]] = [
    (6, ["<move>"]),
    (6, ["<label>"]),
    (3, ["v", "w", "<label>"]),
    (2, ["x"]),
    (2, ["a", "enter"]),
    (1, ["A"]),
    (2, ["u"]),
    (1, ["ctrl+r"]),
    (1, ["ctrl+d"]),
    (1, ["ctrl+k"]),
    (1, ["ctrl+f", "n", "o", "enter"]),
    (1, ["right_square_bracket"]),
    (1, ["left_square_bracket"]),
]


def say(line: str) -> None:
    os.write(1, (line + "\n").encode("utf-8"))


def digest(record: AnnotationRecord) -> str:
    return hashlib.sha256(encode_record(record)).hexdigest()


SABOTAGE = bool(os.environ.get("CRASH_APP_SABOTAGE"))
"""Test the test: a store that acknowledges too early, and a pause after the first ACK."""

completed: list[tuple[str, str]] = []
"""(doc_id, digest) of each save that returned: digests taken then, as the screen's records
share the session's span list (see ``EditingSession(snapshots=False)``)."""
"""Records the store accepted since the last ACK."""


def instrument_saves() -> None:
    """Report each save around the real one (which is left exactly as it is)."""
    real_save = AnnotationFile.save
    held: list[tuple[AnnotationRecord, RecordDelta | None]] = []

    def save(
        self: AnnotationFile, record: AnnotationRecord, delta: RecordDelta | None = None
    ) -> None:
        summary = (record.doc_id, digest(record))
        say(f"WILL {summary[0]} {summary[1]}")
        if SABOTAGE:  # a broken store: each record reaches the file one save late
            if held:
                real_save(self, *held.pop())
            kept = record.model_copy(update={"spans": list(record.spans)})
            held.append((kept, delta))
        else:
            real_save(self, record, delta)
        completed.append(summary)

    AnnotationFile.save = save  # type: ignore[method-assign]


def status_line(app: AnnotateApp) -> str:
    return str(app.annotate_screen.query_one("#status").render())


async def drive(project_dir: Path, annotator: str, seed: int) -> None:
    rng = random.Random(seed)
    project = Project(project_dir)
    annotations = project.annotations(annotator, writable=True)
    app = AnnotateApp(project, annotations)
    weights = [weight for weight, _ in STEPS]
    async with app.run_test(size=(90, 28)) as pilot:
        await pilot.pause()
        say("READY")
        while True:
            [(_, keys)] = rng.choices(STEPS, weights=weights)
            for key in keys:
                if key == "<move>":
                    key = rng.choice(MOVES)
                elif key == "<label>":
                    key = rng.choice("1234")
                await pilot.press(key)
            await pilot.pause()
            if app.screen is not app.annotate_screen:
                await pilot.press("escape")  # a picker or dialog left open: close it
                await pilot.pause()
            status = status_line(app)
            if completed and status.rstrip().endswith("saved") and "NOT SAVED" not in status:
                for doc_id, record_digest in completed:
                    say(f"ACK {doc_id} {record_digest}")
                completed.clear()
                if SABOTAGE:
                    say("HOLD")
                    time.sleep(3600)  # wait for the kill with the late record still held


def main() -> None:
    project_dir, annotator, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    instrument_saves()
    asyncio.run(drive(project_dir, annotator, seed))


if __name__ == "__main__":
    main()
