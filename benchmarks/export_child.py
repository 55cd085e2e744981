"""Child of the export benchmark: one export (or the bare peer) timed, with its peak RSS.

``python -m benchmarks.export_child RESULT_JSON ours PROJECT FORMAT OUT`` runs the real
``annotator export`` command line in this process; ``... peer PROJECT jsonl OUT`` is the bare
orjson read + write of the same records (each document line merged with alice's record).
"""

from __future__ import annotations

import contextlib
import io
import resource
import sys
import time
from pathlib import Path

import orjson

from benchmarks.rss import peak_rss_mb


def bare_copy(project: Path, out: Path) -> int:
    records = (project / "annotations" / "alice.jsonl").open("rb")
    written = 0
    pending = orjson.loads(records.readline() or b"null")
    with out.open("wb") as target:
        for path in sorted((project / "documents").glob("*.jsonl")):
            with path.open("rb") as documents:
                for line in documents:
                    if pending is None:
                        break
                    document = orjson.loads(line)
                    if document["id"] != pending["doc_id"]:
                        continue
                    document.update(
                        annotator=pending["annotator"],
                        status=pending["status"],
                        spans=pending["spans"],
                        relations=pending["relations"],
                    )
                    target.write(orjson.dumps(document) + b"\n")
                    written += 1
                    pending = orjson.loads(records.readline() or b"null")
    records.close()
    return written


def main() -> None:
    result, side, project, kind, out = sys.argv[1:6]
    if len(sys.argv) > 6:  # address-space limit in GB, so a run that grows without bound stops
        limit = int(float(sys.argv[6]) * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    start = time.perf_counter()
    if side == "peer":
        bare_copy(Path(project), Path(out))
    else:
        from annotator.cli import main as cli_main

        with contextlib.redirect_stderr(io.StringIO()):
            code = cli_main(
                [
                    "export",
                    project,
                    "--format",
                    kind,
                    "--annotator",
                    "alice",
                    "--out",
                    out,
                    "--force",
                    "--no-progress",
                ]
            )
        if code:
            raise SystemExit(f"export failed with {code}")
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    Path(result).write_bytes(orjson.dumps({"seconds": seconds, "rss_mb": peak}))


if __name__ == "__main__":
    main()
