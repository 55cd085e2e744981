"""SIGTERM (``kill``) and SIGHUP (the terminal closed) quit the annotate app the way ``q`` does:
the cursor and time spent are saved, edits the disk refused are tried once more, and the
terminal is given back (alternate screen left, mouse reporting off) (QA s7 A8)."""

from __future__ import annotations

import errno
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot

from annotator.tui.app import AnnotateApp

from .conftest import FakeClock, saved_records
from .test_annotate_keys import DOC, run, search
from .test_disk_faults_app import DiskFault, journal, wait_for


@contextmanager
def caught_if_unhandled(number: int) -> Iterator[list[int]]:
    """A handler for the signal while the test runs: without the app's own, the signal would
    end the test run instead of failing the test."""
    hits: list[int] = []
    previous = signal.signal(number, lambda got, frame: hits.append(got))
    try:
        yield hits
    finally:
        signal.signal(number, previous)


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_quit_signal_saves_the_cursor_and_time_and_exits(project_root: Path, name: str) -> None:
    number = getattr(signal, name)
    clock = FakeClock()

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await pilot.pause()
        saved = saved_records(project_root)[DOC]
        clock.now += 30.0  # reading on for half a minute, then moving on
        await pilot.press("w", "w", "w")
        await pilot.pause()
        cursor = app.annotate_screen.session.cursor
        assert cursor != saved["cursor"]
        os.kill(os.getpid(), number)
        await wait_for(pilot, lambda: not app.is_running or bool(unhandled))
        assert not unhandled
        record = saved_records(project_root)[DOC]
        assert record["cursor"] == cursor
        assert record["seconds_spent"] >= saved["seconds_spent"] + 30.0  # type: ignore[operator]
        assert record["spans"] == saved["spans"]
        assert app.return_code == 128 + number

    with caught_if_unhandled(number) as unhandled:  # installed before the app's own
        run(project_root, scenario, clock=clock)


def test_a_quit_signal_tries_refused_edits_once_more(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk refused an edit; it accepts again by the time the signal comes: the edit is
    written (no dialog can be answered)."""
    from annotator.tui.annotate_screen import AnnotateScreen

    monkeypatch.setattr(AnnotateScreen, "RETRY_SECONDS", 3600.0)
    fault = DiskFault(monkeypatch, journal(project_root), errno.ENOSPC, partial=False)

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        fault.active = True
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await pilot.pause()
        assert DOC not in saved_records(project_root)
        fault.active = False
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_for(pilot, lambda: not app.is_running or bool(unhandled))
        assert not unhandled

    with caught_if_unhandled(signal.SIGTERM) as unhandled:
        run(project_root, scenario)
    assert [span["text"] for span in saved_records(project_root)[DOC]["spans"]] == [  # type: ignore[attr-defined]
        "Irena Vashti"
    ]


# -- in a real terminal (a pseudo-terminal): the terminal is given back -------------------------

LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
MOUSE_OFF = b"\x1b[?1000l"
WAIT_SECONDS = 60.0
"""Bound on waiting for the app (a hang fails the test; no speed is measured)."""


class Terminal:
    """The real ``annotator annotate`` in a pseudo-terminal of 120x40."""

    def __init__(self, root: Path) -> None:
        master, slave = pty.openpty()
        os.set_blocking(master, False)
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
        environment.pop("TEXTUAL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "annotator", "annotate", str(root), "--annotator", "tester"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # its controlling terminal
            close_fds=True,
        )
        os.close(slave)
        self.master: int | None = master
        self.output = b""

    def read_until(self, wanted: bytes, since: int = 0) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while wanted not in self.output[since:]:
            if time.monotonic() > deadline or not self._read(0.2):
                if self.process.poll() is not None and not self._read(0):
                    break
                if time.monotonic() > deadline:
                    break
        assert wanted in self.output[since:], self.output[-2000:]

    def read_some(self) -> None:
        self._read(0.1)

    def _read(self, timeout: float) -> bool:
        """Read what is there; False at the end of the output."""
        assert self.master is not None
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError as error:  # EIO: the other side is closed
            if error.errno == errno.EIO:
                return False
            raise
        self.output += chunk
        return bool(chunk)

    def send(self, keys: bytes) -> None:
        assert self.master is not None
        os.write(self.master, keys)

    def wait(self) -> int:
        deadline = time.monotonic() + WAIT_SECONDS
        while self.process.poll() is None and time.monotonic() < deadline:
            if self.master is not None:
                self._read(0.1)
            else:
                time.sleep(0.05)
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait()
        while self.master is not None and self._read(0):
            pass
        return code

    def close(self) -> None:
        if self.master is not None:
            os.close(self.master)
            self.master = None
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_and_tag(root: Path) -> tuple[Terminal, int]:
    terminal = Terminal(root)
    terminal.read_until(b"not saved yet")
    terminal.send(b"3")  # tag the word under the cursor
    deadline = time.monotonic() + WAIT_SECONDS
    while not saved_records(root) and time.monotonic() < deadline:
        terminal.read_some()
    record = next(iter(saved_records(root).values()))
    terminal.send(b"www")  # then move on
    time.sleep(0.5)  # let the moves be drawn (not a measurement)
    return terminal, int(record["cursor"])  # type: ignore[call-overload]


def test_sigterm_in_a_real_terminal_saves_and_gives_the_terminal_back(project_root: Path) -> None:
    terminal, cursor = start_and_tag(project_root)
    try:
        mark = len(terminal.output)
        terminal.process.send_signal(signal.SIGTERM)
        code = terminal.wait()
        assert code == 128 + signal.SIGTERM  # as a shell reports a process a signal ended
        after = terminal.output[mark:]
        assert LEAVE_ALTERNATE_SCREEN in after
        assert MOUSE_OFF in after
        assert b"Traceback" not in terminal.output
    finally:
        terminal.close()
    records = list(saved_records(project_root).values())
    assert len(records) == 1 and records[0]["cursor"] != cursor  # the moves after the tag


def test_closing_the_terminal_saves_the_cursor(project_root: Path) -> None:
    terminal, cursor = start_and_tag(project_root)
    try:
        master = terminal.master
        assert master is not None
        terminal.master = None
        os.close(master)  # the window closes: the app gets SIGHUP, its terminal is gone
        terminal.wait()
    finally:
        terminal.close()
    records = list(saved_records(project_root).values())
    assert len(records) == 1 and records[0]["cursor"] != cursor
    assert json.loads(journal(project_root).read_text().splitlines()[-1])["spans"]
