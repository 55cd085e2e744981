"""7. Export: jsonl, conll and spacy of the 100k-document project; docs/s and peak RSS."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

from benchmarks import generate
from benchmarks.framework import Row, Settings, Stats, Suite, ratio_target

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("jsonl", "conll", "spacy")
SUFFIX = {"jsonl": "jsonl", "conll": "conll", "spacy": "spacy"}


MEMORY_LIMIT_GB = 8.0


class OutOfMemory(Exception):
    pass


def _run(work: Path, side: str, project: Path, kind: str) -> dict[str, float]:
    result = work / "result.json"
    out = work / f"out.{SUFFIX[kind]}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.export_child",
            str(result),
            side,
            str(project),
            kind,
            str(out),
            str(MEMORY_LIMIT_GB),
        ],
        cwd=ROOT,
        timeout=3600,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        if "MemoryError" in done.stderr or "std::bad_alloc" in done.stderr:
            raise OutOfMemory
        raise RuntimeError(done.stderr[-2000:])
    value: dict[str, float] = orjson.loads(result.read_bytes())
    if out.is_dir():  # a sharded spacy export is a folder of .spacy files
        shutil.rmtree(out)
    else:
        out.unlink(missing_ok=True)
    return value


def _as_one_file(project: Path, target: Path) -> Path:
    """The same project with its corpus kept as one JSONL file (the annotators' files linked)."""
    (target / "documents").mkdir(parents=True)
    shutil.copyfile(project / "annotator.toml", target / "annotator.toml")
    (target / "annotations").symlink_to(project / "annotations", target_is_directory=True)
    with (target / "documents" / "all.jsonl").open("wb") as whole:
        for part in sorted((project / "documents").glob("*.jsonl")):
            with part.open("rb") as source:
                shutil.copyfileobj(source, whole, 1 << 20)
    return target


def run(settings: Settings) -> Suite:
    suite = Suite("export")
    small, large = settings.pick((1_000, 100_000), (200, 1_000))
    reps = settings.pick(3, 1)
    work = Path(tempfile.mkdtemp(prefix="export-", dir=generate.DATA))
    try:
        rss: dict[tuple[str, int], Stats] = {}
        for count in (small, large):
            project = generate.project(count)
            records = int(count * 0.6)  # alice's share (see generate.project)
            for kind in FORMATS:
                ours: list[dict[str, float]] = []
                peer: list[dict[str, float]] = []
                try:
                    for rep in range(reps if kind != "spacy" or count == small else 1):
                        if kind == "jsonl" and rep % 2 == 0:
                            peer.append(_run(work, "peer", project, kind))
                        ours.append(_run(work, "ours", project, kind))
                        if kind == "jsonl" and rep % 2 == 1:
                            peer.append(_run(work, "peer", project, kind))
                except OutOfMemory:
                    suite.rows.append(
                        Row(
                            "7 export",
                            f"{kind}, {count:,} docs: stopped at the "
                            f"{MEMORY_LIMIT_GB:.0f} GB memory limit",
                            "MB",
                            Stats.of([MEMORY_LIMIT_GB * 1024]),
                            target="RSS flat (<= 1.2x)",
                            met=False,
                        )
                    )
                    continue
                rate = Stats.of([records / item["seconds"] for item in ours])
                rss[(kind, count)] = Stats.of([item["rss_mb"] for item in ours])
                if count != large:
                    continue
                row = Row(
                    "7 export", f"{kind}, {count:,} docs ({records:,} records)", "docs/s", rate
                )
                if kind == "jsonl":
                    row.peer = Stats.of([records / item["seconds"] for item in peer])
                    row.peer_name = "bare orjson read+write"
                    ratio_target(row, 0.5, at_most=False)
                suite.rows.append(row)
        one_file: dict[int, Stats] = {}
        for count in (small, large):
            project = _as_one_file(generate.project(count), work / f"one-file-{count}")
            one_file[count] = Stats.of(
                [_run(work, "ours", project, "jsonl")["rss_mb"] for _ in range(reps)]
            )
        for kind in FORMATS:
            if (kind, large) not in rss:
                continue
            row = Row(
                "7 export",
                f"{kind} peak RSS, {large:,} vs {small:,} docs",
                "MB",
                rss[(kind, large)],
                rss[(kind, small)],
                f"same at {small:,} docs",
            )
            suite.rows.append(ratio_target(row, 1.2))
        row = Row(
            "7 export",
            f"jsonl peak RSS, corpus as one file, {large:,} vs {small:,} docs",
            "MB",
            one_file[large],
            one_file[small],
            f"same at {small:,} docs",
        )
        suite.rows.append(ratio_target(row, 1.2))
        suite.notes.append(
            "alice's records (60% of the documents) exported with the real `annotator export "
            "--annotator alice` command line, each run in a fresh process (timed inside it, "
            "after the interpreter starts; RSS is its VmHWM, spaCy's own import included "
            "for spacy); the peer merges each document line with its record line and writes "
            "it, with orjson and nothing else; the benchmark corpus is in files of 5,000 "
            "documents, and the one-file row exports the same corpus kept as one JSONL file"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return suite
