"""Commands that go through every document show a progress bar in a terminal, and only there.

Each command runs for real, its stderr a pseudo-terminal (as in a shell) or a pipe (as in a
script or CI log): the bar is drawn on the terminal, never written into a pipe, and the
command's own output is the same either way.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.agreement.review_project import ReviewProject
from annotator.cli.progress import PROGRESS_MIN_ITEMS, progress_bar
from annotator.store.project import Project

from .helpers import build_project

DOCUMENTS = 260
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two annotators over more documents than a bar needs."""
    root = tmp_path_factory.mktemp("progress") / "project"
    texts = {
        f"d{index:03}": f"Mayor Ana Ruiz said the bridge {index} opens."
        for index in range(DOCUMENTS)
    }
    build_project(
        root,
        texts,
        {
            "alice": {doc_id: [(0, 14, "speaker")] for doc_id in texts},
            "bob": {doc_id: [(6, 14, "speaker")] for doc_id in texts},
        },
    )
    return root


def run(arguments: list[str], *, terminal: bool, code: str | None = None) -> tuple[str, str]:
    """stdout and stderr of ``annotator ARGUMENTS`` (or of a Python ``code``), stderr on a
    pseudo-terminal when ``terminal``."""
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "annotator"]
    command += arguments
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    if not terminal:
        done = subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=120, check=False
        )
        assert done.returncode in (0, 1), done.stderr
        return done.stdout, done.stderr
    main, child = pty.openpty()
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=child,
        env=environment,
    )
    os.close(child)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.stdout is not None
    stdout = process.stdout.read().decode()
    process.wait(timeout=120)
    os.close(main)
    return stdout, b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize(
    ("arguments", "steps"),
    [
        (["validate"], ["documents", "alice's records", "bob's records"]),
        (["stats"], ["alice's records", "bob's records"]),
        (["agreement", "--format", "json"], ["agreement"]),
        (["adjudicate", "--auto", "--dry-run"], ["adjudicate"]),
    ],
)
def test_a_terminal_shows_each_step_and_a_pipe_gets_no_bar(
    big_project: Path, arguments: list[str], steps: list[str]
) -> None:
    command = [arguments[0], str(big_project), *arguments[1:]]
    piped_out, piped_err = run(command, terminal=False)
    shown_out, shown_err = run(command, terminal=True)
    assert "━" not in piped_err and "\x1b[" not in piped_err
    drawn = ANSI.sub("", shown_err)
    for step in steps:
        assert re.search(rf"{re.escape(step)} .*━.* {DOCUMENTS}/{DOCUMENTS}", drawn), (step, drawn)
    assert shown_out == piped_out  # the command's own output is unchanged


def test_review_shows_the_agreement_it_sorts_by_before_its_screen_opens(big_project: Path) -> None:
    # the real command line, with only the screen left out (it would wait for keys)
    code = (
        "import sys\n"
        "from annotator.tui.review.app import ReviewApp\n"
        "ReviewApp.run = lambda self: print('screen opens')\n"
        "from annotator.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    stdout, stderr = run(["review", str(big_project)], terminal=True, code=code)
    assert stdout == "screen opens\n"
    assert re.search(rf"agreement .*━.* {DOCUMENTS}/{DOCUMENTS}", ANSI.sub("", stderr)), stderr


def test_review_project_reports_progress_up_to_every_document(big_project: Path) -> None:
    seen: list[tuple[int, int]] = []
    review = ReviewProject(
        Project(big_project), progress=lambda done, total: seen.append((done, total))
    )
    review.close()
    assert seen[-1] == (DOCUMENTS, DOCUMENTS)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_short_steps_and_switched_off_bars_draw_nothing() -> None:
    with progress_bar(enabled=True) as bar:
        bar.step("few")(10, PROGRESS_MIN_ITEMS - 1)
        assert bar.steps == []
        bar.step("many")(10, PROGRESS_MIN_ITEMS)
        assert bar.steps == ["many"]
    with progress_bar(enabled=False) as bar:
        bar.step("many")(10, 10 * PROGRESS_MIN_ITEMS)
        assert bar.steps == []
