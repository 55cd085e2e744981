"""The annotation file replaced, emptied, cut short or removed by another program while the app
runs (a backup restored, a sync client, ``git checkout``, ``rm``): every edit the screen called
saved is in the file afterwards, and a warning that stays says what happened (QA s7 A1, A2)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from textual.pilot import Pilot

from annotator.tui.app import AnnotateApp
from annotator.tui.file_notice import FileNotice

from .conftest import saved_records, saved_spans
from .test_annotate_keys import DOC, run, search, status_text
from .test_disk_faults_app import assert_file_clean, journal

OTHER = "court-surveillance-ruling"


def notice_text(app: AnnotateApp) -> str:
    found = app.screen.query(FileNotice)
    return " ".join(str(found.first().render()).split()) if found else ""


async def tag(pilot: Pilot[None], text: str, key: str) -> None:
    await search(pilot, text)
    await pilot.press(key)
    await pilot.pause()


async def three_spans_then_backup_then_more(
    pilot: Pilot[None], app: AnnotateApp, root: Path
) -> bytes:
    """Tag one span, copy the file (the "backup"), tag two more; return the backup."""
    await tag(pilot, "Irena Vashti", "1")
    backup = journal(root).read_bytes()
    await tag(pilot, "Viktor Halloran", "1")
    await tag(pilot, "Central Electoral Commission", "3")
    assert len(saved_spans(root, DOC)) == 3
    return backup


def replace_with(path: Path, data: bytes) -> None:
    """What a restore or a sync client does: a new file renamed over the path."""
    fresh = path.with_name("zed.tmp")
    fresh.write_bytes(data)
    os.replace(fresh, path)


def test_an_older_copy_moved_over_the_file_gets_the_sessions_records_back(
    project_root: Path,
) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        backup = await three_spans_then_backup_then_more(pilot, app, project_root)
        await pilot.press("right_square_bracket")  # the next document, one span there
        await pilot.pause()
        other = app.annotate_screen.session.document.id
        await pilot.press("3")
        await pilot.pause()
        replace_with(journal(project_root), backup)
        assert len(saved_spans(project_root, DOC)) == 1  # the backup lacks two saved spans
        await pilot.press("w", "w", "4")
        await pilot.pause()
        # every span the screen called saved is back in the file, the edit just made too
        assert len(saved_spans(project_root, DOC)) == 3
        assert len(saved_spans(project_root, other)) == 2
        assert "saved" in status_text(app) and "NOT SAVED" not in status_text(app)
        text = notice_text(app)
        assert "annotations/tester.jsonl was replaced by another program" in text
        assert (
            "The 2 record(s) you saved in this session that it lacked or had in another "
            f"version were written to it again (the latest of each): {DOC}, {other}." in text
        )
        # the backup's older version of merovia-runoff is kept in a copy of what was found
        assert "before-restore-" in text
        copies = list(journal(project_root).parent.glob("tester.jsonl.before-restore-*"))
        assert [copy.read_bytes() for copy in copies] == [backup]
        await pilot.press("w", "3")  # the warning stays up, edits after it are saved as usual
        await pilot.pause()
        assert notice_text(app) == text

    run(project_root, scenario)
    assert_file_clean(project_root)
    assert len(saved_spans(project_root, DOC)) == 3


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("emptied", "was emptied by another program"),
        ("cut", "was cut short by another program"),
        ("removed", "was removed by another program"),
    ],
)
def test_a_file_emptied_cut_or_removed_gets_the_sessions_records_back(
    project_root: Path, how: str, said: str
) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await three_spans_then_backup_then_more(pilot, app, project_root)
        path = journal(project_root)
        if how == "emptied":
            path.write_bytes(b"")
        elif how == "cut":
            with path.open("r+b") as handle:
                handle.truncate(path.stat().st_size // 2)  # in the middle of a line
        else:
            path.unlink()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        assert len(saved_spans(project_root, DOC)) == 3
        text = notice_text(app)
        assert f"annotations/tester.jsonl {said}" in text
        assert "1 record(s) you saved in this session" in text
        assert "NOT SAVED" not in status_text(app)

    run(project_root, scenario)
    assert_file_clean(project_root)


def test_a_newer_record_in_the_new_file_is_kept_not_overwritten(project_root: Path) -> None:
    """A sync client bringing the annotator's work from another machine: newer than ours."""

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await three_spans_then_backup_then_more(pilot, app, project_root)
        path = journal(project_root)
        lines = path.read_bytes().splitlines()
        newer = json.loads(lines[-1])
        assert newer["doc_id"] == DOC
        newer["spans"] = newer["spans"][:1]
        newer["status"] = "done"
        newer["updated_at"] = "2999-01-01T00:00:00Z"
        replace_with(path, json.dumps(newer).encode() + b"\n")
        await pilot.press("right_square_bracket")
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        assert saved_records(project_root)[DOC]["status"] == "done"
        assert len(saved_spans(project_root, DOC)) == 1
        assert "1 record(s) in it are newer than the ones you saved and were kept: " in (
            notice_text(app)
        )
        await pilot.press("left_square_bracket")  # back: the newer record, not our old copy
        await pilot.pause()
        assert len(app.annotate_screen.session.spans) == 1

    run(project_root, scenario)


def test_quitting_after_the_file_was_replaced_writes_the_sessions_records_and_says_so(
    project_root: Path,
) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        backup = await three_spans_then_backup_then_more(pilot, app, project_root)
        replace_with(journal(project_root), backup)
        await pilot.press("q")  # nothing saved since: quitting finds it
        await pilot.pause()
        assert app.is_running
        assert "was replaced by another program" in notice_text(app)
        assert len(saved_spans(project_root, DOC)) == 3
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    run(project_root, scenario)
    assert_file_clean(project_root)


def test_a_file_that_stays_put_never_shows_the_notice(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await three_spans_then_backup_then_more(pilot, app, project_root)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
        assert notice_text(app) == ""

    run(project_root, scenario)
    assert not list(journal(project_root).parent.glob("*.before-restore-*"))


def test_a_copy_is_never_written_over_an_earlier_one(project_root: Path) -> None:
    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        backup = await three_spans_then_backup_then_more(pilot, app, project_root)
        for _ in range(2):
            replace_with(journal(project_root), backup)
            await tag(pilot, "Irena", "2")
        copies = list(journal(project_root).parent.glob("tester.jsonl.before-restore-*"))
        assert len(copies) == 2
        assert "2 times" not in notice_text(app)  # at most three notices: both shown
        assert notice_text(app).count("was replaced by another program") == 2

    run(project_root, scenario)


def test_a_second_writer_let_in_by_a_removed_lock_file_stops_the_app_writing(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA s7 A9: the lock file removed, a second session of the same annotator opens: the app
    refuses to write (its edits wait, the warning says why) until that session is closed."""
    from annotator.store.annotations import AnnotationFile
    from annotator.tui.annotate_screen import AnnotateScreen

    from .test_disk_faults_app import banner, banner_visible

    monkeypatch.setattr(AnnotateScreen, "RETRY_SECONDS", 3600.0)

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        await tag(pilot, "Irena Vashti", "1")
        path = journal(project_root)
        path.with_name(".tester.jsonl.lock").unlink()
        second = AnnotationFile(path, "tester", writable=True)
        try:
            record = second.get(DOC)
            assert record is not None
            second.save(record.model_copy(update={"doc_id": OTHER, "spans": []}))
            after_second = path.read_bytes()
            await tag(pilot, "Viktor Halloran", "1")
            assert "NOT SAVED: another session is writing this file" in status_text(app)
            assert banner_visible(app)
            assert "already open for writing by process" in " ".join(banner(app).split())
            assert path.read_bytes() == after_second  # the app wrote nothing
        finally:
            second.close()
        await tag(pilot, "Central Electoral Commission", "3")  # the next edit retries
        assert "NOT SAVED" not in status_text(app)
        assert len(saved_spans(project_root, DOC)) == 3
        assert OTHER in saved_records(project_root)  # the other session's record is kept
        assert "was written to by another session of this annotator" in notice_text(app)
        assert "before-restore" not in notice_text(app)  # nothing of it was superseded

    run(project_root, scenario)
    assert_file_clean(project_root)
