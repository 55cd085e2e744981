"""SIGKILL the real annotate app (headless, random keys) at random moments: every edit the status
line reported as saved is on disk after the restart, and the file validates.

The default run kills the app twice; ``pytest -m stress`` kills it many more times
(``ANNOTATOR_APP_STRESS_KILLS``, default 60). The child is crash_app_child.py beside this file.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from reliability.harness import check_project, make_crash_project

from annotator.store.annotations import AnnotationFile, encode_record
from annotator.store.project import Project

CHILD = Path(__file__).with_name("crash_app_child.py")
STRESS_KILLS = int(os.environ.get("ANNOTATOR_APP_STRESS_KILLS", "60"))
ANNOTATOR = "crash"
WATCHDOG_SECONDS = 120.0
"""A child still alive after this long is killed (a hang fails the test instead of blocking)."""


@dataclass
class AppCrashTally:
    kills: int = 0
    acknowledged: int = 0
    killed_before_ack: int = 0
    lost: list[str] = field(default_factory=list)


def _digest_on_disk(project_dir: Path, doc_id: str) -> str | None:
    reader = AnnotationFile(Project(project_dir).annotation_path(ANNOTATOR), ANNOTATOR)
    try:
        record = reader.get(doc_id)
    finally:
        reader.close()
    return None if record is None else hashlib.sha256(encode_record(record)).hexdigest()


def _run_child_until_killed(
    project_dir: Path, seed: int, rng: random.Random, *, after_ack: bool = False
) -> str:
    """Start the app, let it press keys for a random while (or until it holds), kill it."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(project_dir), ANNOTATOR, str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stderr is not None
    watchdog = threading.Timer(WATCHDOG_SECONDS, child.kill)  # never hang the test run
    watchdog.start()
    first = child.stdout.readline()
    if first != "READY\n":
        child.kill()
        child.wait()
        watchdog.cancel()
        raise AssertionError(f"the app did not start: {first!r} {child.stderr.read()}")
    if after_ack:
        lines = [first]
        while lines[-1] not in ("HOLD\n", ""):
            lines.append(child.stdout.readline())
        first = "".join(lines)
    else:
        time.sleep(rng.uniform(0.3, 2.5))  # a few dozen key presses in
    os.kill(child.pid, signal.SIGKILL)
    output = first + child.stdout.read()
    child.wait()
    watchdog.cancel()
    errors = child.stderr.read()
    child.stdout.close()
    child.stderr.close()
    assert child.returncode == -signal.SIGKILL, errors
    assert "Traceback" not in errors, errors
    return output


def run_app_kills(
    project_dir: Path, kills: int, seed: int, *, after_ack: bool = False
) -> AppCrashTally:
    rng = random.Random(seed)
    tally = AppCrashTally()
    acknowledged: dict[str, str] = {}
    """doc id -> the digest of its last record the app reported as saved."""
    for round_number in range(kills):
        output = _run_child_until_killed(
            project_dir, seed * 1000 + round_number, rng, after_ack=after_ack
        )
        tally.kills += 1
        in_flight: dict[str, set[str]] = {}
        """Saves asked for after the last ACK of their document: may or may not be on disk."""
        for line in output.splitlines():
            if line in ("READY", "HOLD"):
                continue
            kind, doc_id, mark = line.split(" ")
            if kind == "WILL":
                in_flight.setdefault(doc_id, set()).add(mark)
            else:
                assert kind == "ACK", line
                acknowledged[doc_id] = mark
                tally.acknowledged += 1
                in_flight.get(doc_id, set()).discard(mark)
        tally.killed_before_ack += any(in_flight.values())
        expected: dict[str, set[str | None]] = {doc: {mark} for doc, mark in acknowledged.items()}
        for doc_id, marks in in_flight.items():
            allowed = expected.setdefault(doc_id, {None})
            allowed.update(marks)
        tally.lost += [
            f"kill {round_number}: {failure}"
            for failure in check_project(project_dir, ANNOTATOR, expected)
        ]
        for doc_id in in_flight:  # a save that landed unacknowledged is the next round's state
            found = _digest_on_disk(project_dir, doc_id)
            if found is not None:
                acknowledged[doc_id] = found
    return tally


def assert_app_survives(project_dir: Path, kills: int, seed: int) -> None:
    tally = run_app_kills(project_dir, kills, seed)
    assert tally.kills == kills
    assert tally.lost == []
    assert tally.acknowledged > 0, "the app never reported a save before it was killed"
    print(
        f"\napp kills survived: {tally.kills}, acknowledged saves: {tally.acknowledged}, "
        f"killed with saves not yet acknowledged: {tally.killed_before_ack}, "
        f"edits lost: {len(tally.lost)}"
    )


def test_killing_the_app_loses_no_edit_it_reported_saved(tmp_path: Path) -> None:
    assert_app_survives(make_crash_project(tmp_path / "p"), kills=2, seed=11)


@pytest.mark.stress
def test_killing_the_app_many_times_loses_nothing(tmp_path: Path) -> None:
    assert_app_survives(make_crash_project(tmp_path / "p"), kills=STRESS_KILLS, seed=5)


def test_the_harness_catches_an_app_that_reports_saved_too_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRASH_APP_SABOTAGE", "1")
    tally = run_app_kills(make_crash_project(tmp_path / "p"), kills=1, seed=11, after_ack=True)
    assert tally.acknowledged > 0
    assert tally.lost, "an app that says saved while the record is only in memory must be caught"
