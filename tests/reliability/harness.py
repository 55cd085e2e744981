"""The crash harness: start the writer, SIGKILL it at a random moment, check what survived."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from annotator.model.validate import check_record
from annotator.store.annotations import AnnotationFile, encode_record
from annotator.store.project import Project, init_project

WORKER = Path(__file__).with_name("crash_worker.py")

DOCUMENTS = {
    "summit": (
        "BRUSSELS (Wire) — Prime Minister Lena Okafor said on Friday that the summit had "
        "“cleared the way” for a ceasefire, according to two officials.\n\n"
        "“We are not there yet,” said the foreign minister, Pavel Droz.\n"
    ),
    "court": (
        "A federal court ruled on Monday that the election results stand. Judge Amira Sol "
        "wrote that the complaint was “without merit”.\r\nThe opposition said it would appeal.\r\n"
    ),
    "cjk": "東京 (Wire) — 山田太郎 said 👩‍👩‍👧 families “need help”, citing a report. é\u0301\n",
    "short": "Yes.",
    "markup": "[bold]Officials[/bold] said [citation needed] the talks failed.\tNo comment.\n",
}


def make_crash_project(root: Path) -> Path:
    init_project(root, [])
    for doc_id, text in DOCUMENTS.items():
        (root / "documents" / f"{doc_id}.txt").write_bytes(text.encode("utf-8"))
    return root


@dataclass
class CrashTally:
    kills: int = 0
    """Rounds: every writer running at that moment is killed at once."""
    writers_killed: int = 0
    acknowledged: int = 0
    killed_mid_save: int = 0
    torn_lines_recovered: int = 0
    lost: list[str] = field(default_factory=list)


def _digest_on_disk(annotations: AnnotationFile, doc_id: str) -> str | None:
    record = annotations.get(doc_id)
    return None if record is None else hashlib.sha256(encode_record(record)).hexdigest()


def check_project(
    project_dir: Path, annotator: str, expected: dict[str, set[str | None]]
) -> list[str]:
    """Every file parses and validates, and each document's record is an allowed one."""
    failures: list[str] = []
    project = Project(project_dir)
    annotations = project.annotations(annotator)
    failures += [str(problem) for problem in annotations.problems]
    for line, record in annotations.iter_records():
        text = project.corpus.text(record.doc_id)
        failures += [str(p) for p in check_record(record, text, project.config, line=line)]
    failures += [str(problem) for problem in annotations.problems]
    for doc_id, allowed in expected.items():
        found = _digest_on_disk(annotations, doc_id)
        if found not in allowed:
            failures.append(f"{doc_id}: on disk {found}, acknowledged {sorted(allowed)}")
    return failures


def _start(project_dir: Path, annotator: str, seed: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(project_dir), annotator, str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill(worker: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGKILL the worker; its stdout (every line printed before death) and stderr."""
    assert worker.stdout is not None and worker.stderr is not None
    os.kill(worker.pid, signal.SIGKILL)
    output = worker.stdout.read()
    worker.wait()
    errors = worker.stderr.read()
    worker.stdout.close()
    worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL, errors
    assert "Traceback" not in errors, errors
    return output, errors


def run_kills(
    project_dir: Path,
    annotators: str | list[str],
    kills: int,
    seed: int,
    *,
    acks_before_kill: int = 0,
) -> CrashTally:
    """Kill the writers ``kills`` times at random moments; check after each restart.

    With several annotators, one writer per annotator runs at the same time and all are killed
    together. One kill in five lands during start-up, before the writer says it is ready (while
    it recovers a torn line or compacts on opening). With ``acks_before_kill``, every kill waits
    until each writer has acknowledged that many saves (so a slow machine cannot make a round
    end before anything was acknowledged).
    """
    names = [annotators] if isinstance(annotators, str) else list(annotators)
    rng = random.Random(seed)
    tally = CrashTally()
    # annotator -> doc id -> the last acknowledged digest
    acknowledged: dict[str, dict[str, str]] = {name: {} for name in names}
    for round_number in range(kills):
        workers = {
            name: _start(project_dir, name, seed * 100_000 + round_number * 10 + index)
            for index, name in enumerate(names)
        }
        early: dict[str, str] = {name: "" for name in names}
        if rng.random() < 0.2 and not acks_before_kill:
            time.sleep(rng.uniform(0.05, 0.5))  # somewhere in start-up or the first edits
        else:
            for name, worker in workers.items():
                assert worker.stdout is not None and worker.stderr is not None
                first = worker.stdout.readline()
                if first != "READY\n":
                    worker.kill()
                    raise AssertionError(f"worker did not start: {first!r} {worker.stderr.read()}")
                early[name] = first
                while early[name].count("\nACK ") < acks_before_kill:
                    line = worker.stdout.readline()
                    assert line, f"worker ended early: {worker.stderr.read()}"
                    early[name] += line
            time.sleep(rng.uniform(0.0, 0.25))
        outputs = {name: early[name] + _kill(worker)[0] for name, worker in workers.items()}
        tally.kills += 1
        tally.writers_killed += len(workers)
        for name in names:
            tally.lost.extend(
                f"kill {round_number}, {name}: {failure}"
                for failure in _account(project_dir, name, outputs[name], acknowledged[name], tally)
            )
    return tally


def _account(
    project_dir: Path, annotator: str, output: str, acknowledged: dict[str, str], tally: CrashTally
) -> list[str]:
    """Check one annotator's file against what its killed writer acknowledged."""
    pending: dict[str, str] = {}
    for line in output.splitlines():
        if line == "READY":
            continue
        kind, doc_id, mark = line.split(" ")
        if kind == "WILL":
            pending = {doc_id: mark}
        elif kind == "ACK":
            acknowledged[doc_id] = mark
            tally.acknowledged += 1
            pending = {}
    tally.killed_mid_save += bool(pending)
    expected: dict[str, set[str | None]] = {doc_id: {mark} for doc_id, mark in acknowledged.items()}
    for doc_id, mark in pending.items():
        allowed = expected.setdefault(doc_id, {None})  # None: never saved before
        allowed.add(mark)
    path = Project(project_dir).annotation_path(annotator)
    tally.torn_lines_recovered += len(AnnotationFile(path, annotator).warnings)
    failures = check_project(project_dir, annotator, expected)
    # what the next run starts from: an unacknowledged save that landed is the new state
    reader = AnnotationFile(path, annotator)
    for doc_id in pending:
        found = _digest_on_disk(reader, doc_id)
        if found is not None:
            acknowledged[doc_id] = found
    return failures
