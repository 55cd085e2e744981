"""Child process of the corpus-scale benchmark: one measurement, printed as JSON.

``python -m benchmarks.scale_child MODE PROJECT`` with MODE one of ``open`` (ours: open the
project, the annotator's writable file, pick and load the first document not done), ``naive``
(the peer: orjson-parse every line of every corpus file) or ``baseline`` (imports only). The
peak RSS (``VmHWM``, see benchmarks.rss) is the child's own, so each figure has a fresh process.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson

from annotator.model.records import Status
from annotator.store.project import Project
from benchmarks.rss import peak_rss_mb


def open_first_document(root: Path, annotator: str = "alice") -> str:
    project = Project(root)
    annotations = project.annotations(annotator, writable=True)
    try:
        chosen = None
        for entry in project.corpus.entries:
            if annotations.status(entry.id) is not Status.done:
                chosen = entry
                break
        if chosen is None:
            chosen = project.corpus.entries[0]
        document = project.corpus.load(chosen)
        annotations.get(chosen.id)
        return document.id
    finally:
        annotations.close()


def naive_parse(root: Path) -> int:
    count = 0
    for path in sorted((root / "documents").glob("*.jsonl")):
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    orjson.loads(line)
                    count += 1
    return count


def main() -> None:
    mode, root = sys.argv[1], Path(sys.argv[2])
    start = time.perf_counter()
    if mode == "open":
        result: object = open_first_document(root)
    elif mode == "naive":
        result = naive_parse(root)
    else:
        result = None
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    sys.stdout.write(orjson.dumps({"seconds": seconds, "rss_mb": peak, "result": result}).decode())


if __name__ == "__main__":
    main()
