"""What the app says when it opens an annotation file a crash left a torn line in."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from annotator.tui.app import AnnotateApp

from .test_annotate_keys import run


def test_a_line_torn_by_a_crash_is_reported_when_the_app_opens(project_root: Path) -> None:
    annotations = project_root / "annotations"
    (annotations / "tester.jsonl").write_bytes(
        (annotations / "alice.jsonl").read_bytes().replace(b'"alice"', b'"tester"')
        + b'{"schema_version":1,"doc_id":"merovia-runoff","annot'
    )

    async def scenario(pilot: Pilot[None], app: AnnotateApp) -> None:
        [side] = annotations.glob("tester.jsonl.torn-*")
        assert side.read_bytes().startswith(b'{"schema_version":1,"doc_id":"merovia-runoff"')
        messages = [notification.message for notification in app._notifications]
        assert any("torn by a crash" in message and side.name in message for message in messages)

    run(project_root, scenario)
