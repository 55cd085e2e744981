"""An export stopped by SIGTERM (``kill``, ``timeout``, a batch scheduler) cleans up as Ctrl-C
does: "annotator: interrupted", exit 143, no temporary output left (QA B16)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from annotator.cli import main

from .helpers import DocSpec, make_project

DOCS = tuple(
    DocSpec(f"doc-{n}", f"Lee said {n} things.", (("Lee", 0, "speaker"),)) for n in range(5)
)

# Runs the export with the format's writer sending SIGTERM to its own process after the second
# document, when the temporary output holds data (so the signal comes at a known point).
SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from annotator.formats.exporting import load_format
    from annotator.cli import main

    writer = load_format(sys.argv[1]).writer
    original = writer.write
    written = []

    def write(self, item):
        original(self, item)
        written.append(item)
        if len(written) == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    writer.write = write
    sys.exit(main(sys.argv[2:]))
    """
)


@pytest.mark.parametrize(
    ("name", "extra"), [("conll", ()), ("jsonl", ()), ("spacy", ("--shard-size", "1"))]
)
def test_sigterm_leaves_no_temporary_output(
    tmp_path: Path, name: str, extra: tuple[str, ...]
) -> None:
    root = make_project(tmp_path / "p", DOCS)
    out = tmp_path / "out"
    out.mkdir()
    args = ["export", str(root), "--format", name, "--out", str(out / f"x.{name}"), *extra]
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, name, *args, "--no-progress"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (143, "annotator: interrupted\n")
    assert sorted(path.name for path in out.iterdir()) == []


def test_the_signal_handler_is_put_back(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", DOCS)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["export", str(root), "--format", "conll", "--out", str(tmp_path / "x")]) == 0
    assert signal.getsignal(signal.SIGTERM) is before
