"""Disk faults in the running app: edits wait in memory, a persistent warning says so, retries
(timer and next edit) save them, quitting asks first, and the file on disk is never damaged."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from annotator.store.annotations import AnnotationFile
from annotator.tui.annotate_screen import AnnotateScreen
from annotator.tui.app import AnnotateApp
from annotator.tui.dialogs import QuitUnsavedDialog

from .conftest import saved_spans, screen_of
from .test_annotate_keys import DOC, run, search, status_text


class DiskFault:
    """``os.write``/``os.fsync`` on the annotation file fail while :attr:`active` is set."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, path: Path, error_number: int, *, partial: bool
    ) -> None:
        self.path = path
        self.error_number = error_number
        self.partial = partial
        self.active = False
        self.refused = 0
        real_write, real_fsync = os.write, os.fsync

        def write(fd: int, data: bytes) -> int:
            if self.active and self._is_target(fd):
                self.refused += 1
                if self.partial and len(data) > 1:
                    return real_write(fd, data[: len(data) // 2])  # then the next call fails
                raise OSError(self.error_number, os.strerror(self.error_number))
            return real_write(fd, data)

        def fsync(fd: int) -> None:
            if self.active and self._is_target(fd):
                self.refused += 1
                raise OSError(self.error_number, os.strerror(self.error_number))
            real_fsync(fd)

        monkeypatch.setattr(os, "write", write)  # the store calls os.write / os.fsync
        monkeypatch.setattr(os, "fsync", fsync)

    def _is_target(self, fd: int) -> bool:
        try:
            return os.readlink(f"/proc/self/fd/{fd}") == str(self.path)
        except OSError:
            return False


def journal(root: Path) -> Path:
    return root / "annotations" / "tester.jsonl"


def assert_file_clean(root: Path) -> None:
    """Every line parses; no torn line was left behind."""
    reader = AnnotationFile(journal(root), "tester")
    try:
        assert reader.problems == [] and reader.warnings == []
        list(reader.iter_records())
        assert reader.problems == []
    finally:
        reader.close()


def banner(app: AnnotateApp) -> str:
    return str(app.screen.query_one("#save-warning").render())


def banner_visible(app: AnnotateApp) -> bool:
    """The warning is mounted when first needed: none yet is not visible."""
    return any(warning.has_class("-visible") for warning in app.screen.query("#save-warning"))


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let the app's timers run until ``condition`` holds (bounded, not a speed check)."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the condition never held")


@pytest.mark.parametrize(
    ("error_number", "reason", "partial"),
    [
        (errno.ENOSPC, "disk full", False),
        (errno.ENOSPC, "disk full", True),
        (errno.EACCES, "no permission to write", False),
        (errno.EROFS, "read-only file system", False),
    ],
)
def test_refused_save_warns_keeps_edits_and_the_timer_saves_them_later(
    project_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    error_number: int,
    reason: str,
    partial: bool,
) -> None:
    monkeypatch.setattr(AnnotateScreen, "RETRY_SECONDS", 0.05)

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await pilot.pause()
        before = journal(project_root).read_bytes()
        fault = DiskFault(monkeypatch, journal(project_root), error_number, partial=partial)
        fault.active = True
        await search(pilot, "Viktor Halloran")
        await pilot.press("1")
        await search(pilot, "Central Electoral Commission")
        await pilot.press("3")
        await pilot.pause()
        assert f"NOT SAVED: {reason} — retrying" in status_text(app)
        assert banner_visible(app)
        assert "kept in memory" in banner(app) and "Quitting now would lose them" in banner(app)
        # The edits are on screen and in the session; the file is exactly as it was.
        assert sorted(span.text for span in screen_of(app).session.spans) == [
            "Central Electoral Commission",
            "Irena Vashti",
            "Viktor Halloran",
        ]
        assert journal(project_root).read_bytes() == before
        # The timer keeps trying while the fault lasts ...
        refused = fault.refused
        await wait_for(pilot, lambda: fault.refused > refused + 1)
        assert journal(project_root).read_bytes() == before
        assert banner_visible(app)
        # ... and saves everything once the disk accepts writes again; the warning goes away.
        fault.active = False
        await wait_for(pilot, lambda: not banner_visible(app))
        await pilot.pause()
        assert status_text(app).rstrip().endswith("saved")
        assert "NOT SAVED" not in status_text(app)
        assert sorted(saved_spans(project_root, DOC)) == [
            ("entity", "Central Electoral Commission"),
            ("speaker", "Irena Vashti"),
            ("speaker", "Viktor Halloran"),
        ]
        assert_file_clean(project_root)

    run(project_root, scenario)
    assert_file_clean(project_root)


def test_next_edit_retries_and_edits_of_another_document_are_kept_across_switches(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AnnotateScreen, "RETRY_SECONDS", 3600.0)  # only edits retry here

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        fault = DiskFault(monkeypatch, journal(project_root), errno.ENOSPC, partial=False)
        fault.active = True
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await pilot.pause()
        assert "NOT SAVED: disk full" in status_text(app)
        await pilot.press("right_square_bracket")  # next document, still failing
        await pilot.pause()
        assert screen_of(app).session.document.id != DOC
        assert banner_visible(app)
        await pilot.press("left_square_bracket")  # back: the unsaved span is still there
        await pilot.pause()
        assert [span.text for span in screen_of(app).session.spans] == ["Irena Vashti"]
        assert not journal(project_root).exists() or saved_spans(project_root, DOC) == []
        fault.active = False
        await search(pilot, "Viktor Halloran")
        await pilot.press("1")
        await pilot.pause()
        assert not banner_visible(app)
        assert "NOT SAVED" not in status_text(app)
        assert sorted(saved_spans(project_root, DOC)) == [
            ("speaker", "Irena Vashti"),
            ("speaker", "Viktor Halloran"),
        ]

    run(project_root, scenario)
    assert_file_clean(project_root)


def test_quitting_with_unsaved_edits_asks_and_says_what_would_be_lost(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AnnotateScreen, "RETRY_SECONDS", 3600.0)

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await pilot.pause()
        before = journal(project_root).read_bytes()
        fault = DiskFault(monkeypatch, journal(project_root), errno.ENOSPC, partial=True)
        fault.active = True
        await search(pilot, "Viktor Halloran")
        await pilot.press("1")
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QuitUnsavedDialog)
        lost = str(app.screen.query_one("#quit-lost").render())
        assert f"{DOC}: 2 span(s)" in lost and "the file has 1 span(s)" in lost
        await pilot.press("escape")  # keep working
        await pilot.pause()
        assert app.return_code is None and isinstance(app.screen, AnnotateScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitUnsavedDialog)
        await pilot.press("r")  # retry: still failing, so the question stays
        await pilot.pause()
        assert app.return_code is None and isinstance(app.screen, QuitUnsavedDialog)
        assert journal(project_root).read_bytes() == before
        fault.active = False
        await pilot.press("r")  # retry succeeds: saved, then quits
        await pilot.pause()
        assert app.return_code == 0

    run(project_root, scenario)
    assert sorted(saved_spans(project_root, DOC)) == [
        ("speaker", "Irena Vashti"),
        ("speaker", "Viktor Halloran"),
    ]
    assert_file_clean(project_root)


def test_quit_and_lose_leaves_the_file_as_it_was(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await pilot.pause()
        before = journal(project_root).read_bytes()
        fault = DiskFault(monkeypatch, journal(project_root), errno.EIO, partial=True)
        fault.active = True
        await pilot.press("x", "q")
        await pilot.pause()
        assert isinstance(app.screen, QuitUnsavedDialog)
        await pilot.press("y")
        await pilot.pause()
        assert app.return_code == 0
        assert journal(project_root).read_bytes() == before

    run(project_root, scenario)
    assert saved_spans(project_root, DOC) == [("speaker", "Irena Vashti")]
    assert_file_clean(project_root)


@pytest.mark.parametrize("how", ["replaced", "removed"])
def test_file_replaced_under_the_app_is_reopened_and_the_edit_saved_on_top(
    project_root: Path, how: str
) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await pilot.pause()
        path = journal(project_root)
        if how == "replaced":  # e.g. a sync tool or a restore writes a new copy
            copy = path.with_name("copy.jsonl")
            shutil.copyfile(path, copy)
            os.replace(copy, path)
        else:
            path.unlink()
        await search(pilot, "Viktor Halloran")
        await pilot.press("1")
        await pilot.pause()
        assert "NOT SAVED" not in status_text(app)
        assert not banner_visible(app)
        assert sorted(saved_spans(project_root, DOC)) == [
            ("speaker", "Irena Vashti"),
            ("speaker", "Viktor Halloran"),
        ]
        await search(pilot, "Central Electoral Commission")
        await pilot.press("3")
        await pilot.pause()
        assert len(saved_spans(project_root, DOC)) == 3

    run(project_root, scenario)
    assert_file_clean(project_root)


def test_file_replaced_by_an_unreadable_one_is_never_written(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AnnotateScreen, "RETRY_SECONDS", 3600.0)
    garbage = b'{"doc_id": "x", "annotator": "tester"\nnot json at all\n'

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await search(pilot, "Irena Vashti")
        await pilot.press("1")
        await pilot.pause()
        path = journal(project_root)
        good = path.read_bytes()
        path.write_bytes(garbage)  # a new file at the path (truncate + write)
        replacement = path.with_name("bad.jsonl")
        replacement.write_bytes(garbage)
        os.replace(replacement, path)
        await search(pilot, "Viktor Halloran")
        await pilot.press("1")
        await pilot.pause()
        assert "NOT SAVED: file on disk is damaged" in status_text(app)
        assert banner_visible(app)
        assert path.read_bytes() == garbage
        path.write_bytes(good)  # the user restores the file; the next edit saves everything
        await search(pilot, "Central Electoral Commission")
        await pilot.press("3")
        await pilot.pause()
        assert not banner_visible(app)
        assert len(saved_spans(project_root, DOC)) == 3

    run(project_root, scenario)
    assert_file_clean(project_root)
