"""3. Cold start: ``annotator annotate sample_corpus`` to first frame vs a one-Static app."""

from __future__ import annotations

import compileall
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import generate
from benchmarks.framework import Row, Settings, Suite, alternate, ratio_target

ROOT = Path(__file__).resolve().parent.parent


def _start(*arguments: str) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.coldstart_child", *arguments],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    process.wait(timeout=60)
    if line != "FRAME\n":
        raise RuntimeError(f"no first frame: {process.stderr.read() if process.stderr else ''}")
    return elapsed


def run(settings: Settings) -> Suite:
    suite = Suite("coldstart")
    generate.DATA.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="coldstart-", dir=generate.DATA))
    # Installed programs start from bytecode (pip compiles on install, and Python caches it
    # on first import); this environment may set PYTHONDONTWRITEBYTECODE, which would make
    # every timed start recompile our sources while Textual's bytecode is already there.
    compileall.compile_dir(ROOT / "annotator", quiet=1)
    try:
        project = work / "sample_corpus"
        shutil.copytree(ROOT / "sample_corpus", project)
        ours, peer = alternate(
            lambda: _start("annotate", str(project)),
            lambda: _start("floor"),
            settings.pick(max(settings.reps, 7), settings.reps),
        )
        suite.rows.append(
            ratio_target(
                Row(
                    "3 cold start",
                    "`annotator annotate sample_corpus` to first frame",
                    "s",
                    ours,
                    peer,
                    "Textual app, one Static",
                ),
                1.3,
            )
        )
        suite.notes.append(
            "each figure is a new Python process, timed by the parent from spawn to the child's "
            "FRAME line (interpreter start and imports included); the index cache is warm after "
            "the warm-up run, as on every start after the first; our package's bytecode is "
            "compiled first (as pip does on install), since the peer's Textual bytecode is "
            "already cached"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return suite
